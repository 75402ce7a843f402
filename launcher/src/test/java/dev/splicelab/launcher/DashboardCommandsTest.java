package dev.splicelab.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.splicelab.launcher.DashboardCommands.Outcome;
import dev.splicelab.launcher.DashboardCommands.Validation;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The shipped Grafana provisioning passes `testbed dashboards`; broken copies fail naming the file
 * and panel; the Prometheus path against a small real HTTP server answering as Prometheus does.
 */
class DashboardCommandsTest {

  @TempDir
  Path tmp;

  HttpServer server;
  final List<String> queries = Collections.synchronizedList(new ArrayList<>());

  @AfterEach
  void stopServer() {
    if (server != null) {
      server.stop(0);
    }
  }

  /** The repository root: tests run in the launcher module directory. */
  static Path repo() {
    Path here = Path.of("").toAbsolutePath();
    return Files.isDirectory(here.resolve("deploy/grafana")) ? here : here.getParent();
  }

  static Path shipped() {
    return repo().resolve("deploy/grafana");
  }

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    CommandLine cl = Testbed.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    return new Run(cl.execute(args), out.toString(), err.toString());
  }

  /** A copy of the shipped deploy/grafana to break. */
  Path copy() throws IOException {
    Path src = shipped();
    Path dst = tmp.resolve("grafana");
    try (Stream<Path> s = Files.walk(src)) {
      for (Path p : s.toList()) {
        Path t = dst.resolve(src.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t);
        }
      }
    }
    return dst;
  }

  @Test
  void theShippedDashboardsAreValid() {
    Validation v = DashboardCommands.validate(shipped());
    assertThat(v.problems()).isEmpty();
    assertThat(v.dashboards()).isGreaterThanOrEqualTo(1);
    assertThat(v.queries()).extracting(DashboardCommands.Query::expr)
        .anyMatch(e -> e.contains("splicelab_transfers_total"))
        .anyMatch(e -> e.contains("splicelab_storage_writer_stall_seconds_bucket"))
        .anyMatch(e -> e.contains("splicelab_sender_transfer_latency_seconds_bucket"))
        .anyMatch(e -> e.contains("splicelab_checker_consumer_lag"))
        .contains("splicelab_fault_active > 0");
    assertThat(v.queries()).extracting(DashboardCommands.Query::where).anyMatch(w -> w.startsWith("annotation "));

    Run r = run("dashboards", "--dir", shipped().toString());
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("valid");
  }

  @Test
  void aDuplicatePanelIdNamesTheFileAndBothPanels() throws IOException {
    Path g = copy();
    Path f = g.resolve("dashboards/splicelab-overview.json");
    String json = Files.readString(f);
    // the second panel's id becomes the first's
    Files.writeString(f, json.replaceFirst("\"id\": 2,", "\"id\": 1,"));
    Validation v = DashboardCommands.validate(g);
    assertThat(v.problems()).anyMatch(p -> p.startsWith("dashboards/splicelab-overview.json: panel 1 \"Corruption rate per strategy\"")
        && p.contains("duplicate panel id 1"));
    Run r = run("dashboards", "--dir", g.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).contains("PROBLEM dashboards/splicelab-overview.json: panel 1 \"Corruption rate per strategy\"");
  }

  @Test
  void badJsonNamesTheFile() throws IOException {
    Path g = copy();
    Files.writeString(g.resolve("dashboards/broken.json"), "{\"uid\": \"x\", \"panels\": [");
    Run r = run("dashboards", "--dir", g.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).contains("PROBLEM dashboards/broken.json: not valid JSON");
  }

  @Test
  void aMissingExprInARowNamesTheFilePanelAndTarget() throws IOException {
    Path g = copy();
    Files.writeString(g.resolve("dashboards/extra.json"), """
        {"uid": "extra", "title": "extra", "panels": [
          {"id": 1, "type": "row", "title": "collapsed", "collapsed": true, "panels": [
            {"id": 2, "type": "timeseries", "title": "Nested", "description": "d",
             "datasource": {"type": "prometheus", "uid": "prometheus"},
             "targets": [{"refId": "A", "expr": "up"}, {"refId": "B", "expr": "  "}]},
            {"id": 2, "type": "timeseries", "title": "Twin", "description": "d", "targets": [{"refId": "A", "expr": "up"}]}
          ]},
          {"id": 3, "type": "stat", "title": "Variables", "description": "d",
           "targets": [{"refId": "A", "expr": "rate(up[$__rate_interval]) + on() $job"}]},
          {"id": 4, "type": "stat", "title": "Elsewhere", "description": "d",
           "datasource": {"type": "prometheus", "uid": "other"}, "targets": [{"refId": "A", "expr": "up"}]}
        ]}
        """);
    Validation v = DashboardCommands.validate(g);
    assertThat(v.problems()).contains(
        "dashboards/extra.json: panel 2 \"Nested\": target B has no expr",
        "dashboards/extra.json: panel 2 \"Twin\": duplicate panel id 2 (also panel \"Nested\")");
    assertThat(v.problems()).anyMatch(p -> p.startsWith("dashboards/extra.json: panel 3 \"Variables\": target A: uses template variable(s) $job"));
    assertThat(v.problems()).anyMatch(p -> p.startsWith("dashboards/extra.json: panel 4 \"Elsewhere\": datasource 'other' is not provisioned"));
  }

  @Test
  void aDuplicateUidAcrossFilesAndAMissingDatasourceAreProblems() throws IOException {
    Path g = copy();
    Files.copy(g.resolve("dashboards/splicelab-overview.json"), g.resolve("dashboards/zz-copy.json"));
    Files.writeString(g.resolve("provisioning/datasources/prometheus.yaml"),
        "apiVersion: 1\ndatasources:\n  - name: Prometheus\n    uid: prom\n    type: prometheus\n");
    Files.writeString(g.resolve("provisioning/dashboards/bad.yaml"), "providers: [unclosed\n");
    Validation v = DashboardCommands.validate(g);
    assertThat(v.problems()).contains("dashboards/zz-copy.json: uid 'splicelab-overview' is also the uid of dashboards/splicelab-overview.json",
        "provisioning/datasources: no datasource with uid 'prometheus' (the dashboards refer to it)");
    assertThat(v.problems()).anyMatch(p -> p.startsWith("provisioning/dashboards/bad.yaml: not valid YAML"));
  }

  @Test
  void substitutesGrafanasVariables() {
    assertThat(DashboardCommands.substitute("rate(x[$__rate_interval]) + rate(y[${__interval}]) + increase(z[$__range])", 900))
        .isEqualTo("rate(x[1m]) + rate(y[15s]) + increase(z[900s])");
  }

  // ---------------------------------------------------------------------------- Prometheus

  void startPrometheus() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/api/v1/query_range", ex -> {
      String raw = ex.getRequestURI().getRawQuery();
      String query = "";
      for (String kv : raw.split("&")) {
        if (kv.startsWith("query=")) {
          query = URLDecoder.decode(kv.substring(6), StandardCharsets.UTF_8);
        }
      }
      queries.add(raw);
      int code = 200;
      String body;
      if (query.contains("broken(")) {
        code = 400;
        body = "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"1:1: parse error: unknown function with name \\\"broken\\\"\"}";
      } else if (query.contains("missing_metric")) {
        body = "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}";
      } else if (query.contains("nan_metric")) {
        body = "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{},\"values\":[[1700000000,\"NaN\"],[1700000005,\"NaN\"]]}]}}";
      } else {
        body = "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
            + "{\"metric\":{\"job\":\"checker\"},\"values\":[[1700000000,\"NaN\"],[1700000005,\"0.25\"]]},"
            + "{\"metric\":{\"job\":\"mutator\"},\"values\":[[1700000000,\"1\"]]}]}}";
      }
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "application/json");
      ex.sendResponseHeaders(code, b.length);
      try (OutputStream os = ex.getResponseBody()) {
        os.write(b);
      }
    });
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @Test
  void everyShippedQueryGoesToPrometheusWithTheVariablesSubstituted() throws IOException {
    startPrometheus();
    Run r = run("dashboards", "--dir", shipped().toString(), "--prometheus", url() + "/", "--since", "600");
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    Validation v = DashboardCommands.validate(shipped());
    assertThat(queries).hasSize(v.queries().size());
    assertThat(queries).allSatisfy(q -> {
      String decoded = URLDecoder.decode(q, StandardCharsets.UTF_8);
      assertThat(decoded).doesNotContain("$__").contains("&step=5");
      long start = Long.parseLong(decoded.replaceAll(".*&start=(\\d+).*", "$1"));
      long end = Long.parseLong(decoded.replaceAll(".*&end=(\\d+).*", "$1"));
      assertThat(end - start).isEqualTo(600);
    });
    assertThat(queries).anyMatch(q -> URLDecoder.decode(q, StandardCharsets.UTF_8).contains("[1m]"));
    assertThat(r.out()).contains("OK    splicelab-overview.json splicelab / Overview: corruption: panel 2 \"Corruption rate per strategy\" [A]: 2 series")
        .contains(v.queries().size() + " expression(s): " + v.queries().size() + " OK, 0 EMPTY, 0 ERROR");
  }

  @Test
  void emptyNanOnlyAndErrorAnswersFail() throws IOException {
    startPrometheus();
    Path g = copy();
    Files.writeString(g.resolve("dashboards/probe.json"), """
        {"uid": "probe", "title": "probe", "panels": [
          {"id": 1, "type": "timeseries", "title": "Has data", "description": "d", "targets": [{"refId": "A", "expr": "up"}]},
          {"id": 2, "type": "timeseries", "title": "Nothing", "description": "d", "targets": [{"refId": "A", "expr": "missing_metric"}]},
          {"id": 3, "type": "timeseries", "title": "Only NaN", "description": "d", "targets": [{"refId": "A", "expr": "nan_metric"}]},
          {"id": 4, "type": "timeseries", "title": "Bad PromQL", "description": "d", "targets": [{"refId": "A", "expr": "broken(up)"}]}
        ]}
        """);
    Validation v = DashboardCommands.validate(g);
    assertThat(v.problems()).isEmpty();
    List<DashboardCommands.Query> probe = v.queries().stream().filter(q -> q.file().equals("dashboards/probe.json")).toList();
    StringWriter sw = new StringWriter();
    List<DashboardCommands.Result> results = DashboardCommands.queryAll(java.net.http.HttpClient.newHttpClient(),
        DashboardCommands.prometheusBase(url()), probe, 900, java.time.Instant.now(), new PrintWriter(sw));
    assertThat(results).extracting(DashboardCommands.Result::outcome)
        .containsExactly(Outcome.OK, Outcome.EMPTY, Outcome.EMPTY, Outcome.ERROR);
    assertThat(results.get(0).series()).isEqualTo(2);
    assertThat(results.get(0).seriesWithData()).isEqualTo(2);
    assertThat(results.get(2).series()).isEqualTo(1);
    assertThat(results.get(3).detail()).contains("HTTP 400 bad_data: 1:1: parse error: unknown function with name \"broken\"");
    assertThat(sw.toString()).contains("EMPTY probe.json   probe: panel 2 \"Nothing\" [A]: 0 series")
        .contains("EMPTY probe.json   probe: panel 3 \"Only NaN\" [A]: 1 series (all samples NaN)")
        .contains("ERROR probe.json   probe: panel 4 \"Bad PromQL\" [A]: 0 series: HTTP 400 bad_data");

    Run r = run("dashboards", "--dir", g.toString(), "--prometheus", url());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).contains(" OK, 2 EMPTY, 1 ERROR");
  }

  @Test
  void anUnreachablePrometheusIsAnError() throws IOException {
    startPrometheus();
    String dead = url();
    server.stop(0);
    server = null;
    Run r = run("dashboards", "--dir", shipped().toString(), "--prometheus", dead);
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).contains("ERROR").contains("cannot reach " + dead);
  }

  @Test
  void badOptionsAreRejected() {
    assertThat(run("dashboards", "--dir", shipped().toString(), "--since", "5").err()).contains("--since: must be between 10 and 86400");
    assertThat(run("dashboards", "--dir", shipped().toString(), "--prometheus", "localhost:9090").err())
        .contains("--prometheus: must be an http:// or https:// URL");
  }
}
