package dev.splicelab.launcher;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code testbed dashboards}: checks the provisioned Grafana dashboards and, against a live
 * Prometheus, that every query of every panel and annotation returns data.
 *
 * <p>Validation (always): every {@code dashboards/*.json} parses, has a title and a uid unique
 * across the files, panels (also those nested in rows) with unique integer ids, a title and a
 * description, every query target a non-blank {@code expr} using no template variable other than
 * {@code $__rate_interval}, {@code $__interval} and {@code $__range}, and datasource references to
 * provisioned datasources only; every {@code provisioning/**}{@code /*.yaml} parses and the
 * datasources provision uid {@code prometheus}.
 *
 * <p>With {@code --prometheus}: each expression, the variables substituted as Grafana would
 * ({@code $__rate_interval} 1m, {@code $__interval} 15s, {@code $__range} the --since window), goes
 * to {@code /api/v1/query_range} over the last --since seconds with a 5 s step; it passes when
 * Prometheus answers success with at least one series holding at least one sample that is not NaN.
 */
public final class DashboardCommands {

  private DashboardCommands() {}

  /** The datasource uid every dashboard query must use, provisioned by provisioning/datasources. */
  public static final String DATASOURCE_UID = "prometheus";
  static final int STEP_SECONDS = 5;
  private static final Set<String> BUILT_IN_DATASOURCES = Set.of("-- Grafana --", "grafana", "-- Mixed --", "-- Dashboard --");
  private static final Pattern KNOWN_VARIABLE = Pattern.compile("\\$(?:\\{(__rate_interval|__interval|__range)}|(__rate_interval|__interval|__range)(?![A-Za-z0-9_]))");
  private static final Pattern ANY_VARIABLE = Pattern.compile("\\$(?:\\{[^}]*}|[A-Za-z_][A-Za-z0-9_]*)|\\[\\[[^]]*]]");

  /** One PromQL expression of a dashboard: a panel target or an annotation query. */
  public record Query(String file, String dashboard, String where, String refId, String expr) {
    /** e.g. {@code splicelab / Overview: panel 2 "Corruption rate per strategy" [A]}. */
    public String describe() {
      return dashboard + ": " + where + (refId.isEmpty() ? "" : " [" + refId + "]");
    }
  }

  /** What validation found: problems (empty when valid) and the expressions to run. */
  public record Validation(List<String> problems, List<Query> queries, int dashboards, int panels) {
    public boolean ok() {
      return problems.isEmpty();
    }
  }

  public enum Outcome { OK, EMPTY, ERROR }

  /** One expression's answer: the series returned, those with a sample that is not NaN, and Prometheus' error if any. */
  public record Result(Query query, Outcome outcome, int series, int seriesWithData, String detail) {}

  @Command(name = "dashboards", mixinStandardHelpOptions = true,
      description = "Check the Grafana provisioning in --dir (default deploy/grafana): every dashboards/*.json parses, "
          + "has a title and a uid unique across files, panels (also in rows) with unique ids, a title and a description, "
          + "and non-blank PromQL in every query; every provisioning/**/*.yaml parses and provisions datasource uid "
          + "'prometheus'. With --prometheus URL, also run every panel and annotation query against that Prometheus "
          + "(query_range over the last --since seconds, step 5 s; $__rate_interval = 1m, $__interval = 15s, "
          + "$__range = the window) and require data from each. Exit code 0 when all is well, 1 otherwise.")
  public static final class DashboardsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--dir", paramLabel = "PATH",
        description = "The Grafana directory holding dashboards/ and provisioning/ (default: deploy/grafana in the repository).")
    Path dir;

    @Option(names = "--prometheus", paramLabel = "URL",
        description = "Base URL of a running Prometheus, e.g. http://localhost:9090: run every query against it.")
    String prometheus;

    @Option(names = "--since", defaultValue = "900", paramLabel = "DURATION-SECONDS",
        description = "The query window, seconds before now, 10 to 86400 (default: ${DEFAULT-VALUE}).")
    long since;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      if (since < 10 || since > 86_400) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--since: must be between 10 and 86400 seconds, got " + since);
      }
      URI base = null;
      if (prometheus != null) {
        base = prometheusBase(prometheus);
        if (base == null) {
          throw new CommandLine.ParameterException(spec.commandLine(),
              "--prometheus: must be an http:// or https:// URL such as http://localhost:9090, got '" + prometheus + "'");
        }
      }
      Path d = dir == null ? Testbed.home().resolve("deploy").resolve("grafana")
          : dir.isAbsolute() || Files.exists(dir) ? dir : Testbed.home().resolve(dir);
      Validation v = validate(d);
      for (String p : v.problems()) {
        out.println("PROBLEM " + p);
      }
      if (!v.ok()) {
        out.printf("%s: %d problem(s) in %d dashboard(s)%n", d, v.problems().size(), v.dashboards());
        out.flush();
        return 1;
      }
      out.printf("%s: %d dashboard(s), %d panel(s), %d query expression(s): valid%n", d, v.dashboards(), v.panels(),
          v.queries().size());
      if (base == null) {
        out.flush();
        return 0;
      }
      out.printf("querying %s over the last %d s (step %d s)%n", base, since, STEP_SECONDS);
      List<Result> results = queryAll(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build(), base,
          v.queries(), since, Instant.now(), out);
      long ok = results.stream().filter(r -> r.outcome() == Outcome.OK).count();
      long empty = results.stream().filter(r -> r.outcome() == Outcome.EMPTY).count();
      long error = results.stream().filter(r -> r.outcome() == Outcome.ERROR).count();
      out.printf("%d expression(s): %d OK, %d EMPTY, %d ERROR%n", results.size(), ok, empty, error);
      out.flush();
      return empty + error == 0 ? 0 : 1;
    }
  }

  /** The URL with no trailing slash, or null when it is not http(s)://host... */
  static URI prometheusBase(String url) {
    try {
      URI u = URI.create(url.trim().replaceAll("/+$", ""));
      if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https")) || u.getHost() == null) {
        return null;
      }
      return u;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  // ------------------------------------------------------------------------------ validation

  /** Validates {@code dir}/dashboards and {@code dir}/provisioning; never throws for a bad file. */
  public static Validation validate(Path dir) {
    List<String> problems = new ArrayList<>();
    List<Query> queries = new ArrayList<>();
    Set<String> datasourceUids = validateProvisioning(dir.resolve("provisioning"), problems);
    Path dashDir = dir.resolve("dashboards");
    List<Path> files = List.of();
    if (!Files.isDirectory(dashDir)) {
      problems.add(dashDir + ": no such directory");
    } else {
      files = list(dashDir, problems).stream().filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
      if (files.isEmpty()) {
        problems.add(dashDir + ": no *.json dashboard");
      }
    }
    JsonMapper json = JsonMapper.builder().build();
    Map<String, String> uids = new HashMap<>();
    int panels = 0;
    for (Path f : files) {
      String name = "dashboards/" + f.getFileName();
      JsonNode root;
      try {
        root = json.readTree(Files.readString(f));
      } catch (JacksonException e) {
        problems.add(name + ": not valid JSON: " + e.getOriginalMessage()
            + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")"));
        continue;
      } catch (IOException e) {
        problems.add(name + ": cannot read: " + e.getMessage());
        continue;
      }
      if (root == null || !root.isObject()) {
        problems.add(name + ": not a dashboard (the JSON is not an object)");
        continue;
      }
      String title = text(root.get("title"));
      if (title == null || title.isBlank()) {
        problems.add(name + ": no title");
        title = f.getFileName().toString();
      }
      String uid = text(root.get("uid"));
      if (uid == null || uid.isBlank()) {
        problems.add(name + ": no uid");
      } else {
        String other = uids.putIfAbsent(uid, name);
        if (other != null) {
          problems.add(name + ": uid '" + uid + "' is also the uid of " + other);
        }
      }
      JsonNode list = root.get("panels");
      if (list == null || !list.isArray() || list.isEmpty()) {
        problems.add(name + ": no panels");
      } else {
        Map<Integer, String> ids = new HashMap<>();
        panels += panels(name, title, list, ids, datasourceUids, queries, problems);
      }
      annotations(name, title, root.path("annotations").path("list"), datasourceUids, queries, problems);
    }
    return new Validation(problems, queries, files.size(), panels);
  }

  /** Walks panels, and the panels of rows; returns how many (rows excluded). */
  private static int panels(String file, String dashboard, JsonNode list, Map<Integer, String> ids, Set<String> datasources,
      List<Query> queries, List<String> problems) {
    int n = 0;
    int index = 0;
    for (JsonNode p : list) {
      index++;
      String title = text(p.get("title"));
      String type = text(p.get("type"));
      JsonNode idNode = p.get("id");
      String where = "panel " + (idNode != null && idNode.isIntegralNumber() ? idNode.asInt() : "#" + index + " (no id)")
          + " \"" + (title == null ? "" : title) + "\"";
      if (!p.isObject()) {
        problems.add(file + ": panel #" + index + ": not an object");
        continue;
      }
      if (idNode == null || !idNode.isIntegralNumber() || !idNode.canConvertToInt()) {
        problems.add(file + ": " + where + ": no integer id");
      } else {
        String other = ids.putIfAbsent(idNode.asInt(), title == null ? "" : title);
        if (other != null) {
          problems.add(file + ": " + where + ": duplicate panel id " + idNode.asInt() + " (also panel \"" + other + "\")");
        }
      }
      if (title == null || title.isBlank()) {
        problems.add(file + ": " + where + ": no title");
      }
      if (type == null || type.isBlank()) {
        problems.add(file + ": " + where + ": no type");
      }
      checkDatasource(file, where, p.get("datasource"), datasources, problems);
      if ("row".equals(type)) {
        JsonNode nested = p.get("panels");
        if (nested != null && nested.isArray()) {
          n += panels(file, dashboard, nested, ids, datasources, queries, problems);
        }
        continue;
      }
      n++;
      String description = text(p.get("description"));
      if (description == null || description.isBlank()) {
        problems.add(file + ": " + where + ": no description (say what it shows and its unit)");
      }
      JsonNode targets = p.get("targets");
      if (targets == null || !targets.isArray() || targets.isEmpty()) {
        if (!"text".equals(type)) {
          problems.add(file + ": " + where + ": no query targets");
        }
        continue;
      }
      int t = 0;
      for (JsonNode target : targets) {
        t++;
        String ref = text(target.get("refId"));
        String label = "target " + (ref == null || ref.isBlank() ? "#" + t : ref);
        checkDatasource(file, where + " " + label, target.get("datasource"), datasources, problems);
        String expr = text(target.get("expr"));
        if (expr == null || expr.isBlank()) {
          problems.add(file + ": " + where + ": " + label + " has no expr");
          continue;
        }
        if (checkVariables(file, where + ": " + label, expr, problems)) {
          queries.add(new Query(file, dashboard, where, ref == null ? "#" + t : ref, expr));
        }
      }
    }
    return n;
  }

  private static void annotations(String file, String dashboard, JsonNode list, Set<String> datasources, List<Query> queries,
      List<String> problems) {
    if (!list.isArray()) {
      return;
    }
    int index = 0;
    for (JsonNode a : list) {
      index++;
      if (a.path("builtIn").asInt(0) == 1) {
        continue; // Grafana's own "Annotations & Alerts"
      }
      String name = text(a.get("name"));
      String where = "annotation \"" + (name == null ? "#" + index : name) + "\"";
      checkDatasource(file, where, a.get("datasource"), datasources, problems);
      String expr = text(a.path("target").get("expr"));
      if (expr == null || expr.isBlank()) {
        expr = text(a.get("expr"));
      }
      if (expr == null || expr.isBlank()) {
        problems.add(file + ": " + where + ": has no expr");
        continue;
      }
      if (checkVariables(file, where, expr, problems)) {
        queries.add(new Query(file, dashboard, where, "", expr));
      }
    }
  }

  /** A datasource reference must name a provisioned datasource (by uid) or one of Grafana's own. */
  private static void checkDatasource(String file, String where, JsonNode ds, Set<String> provisioned, List<String> problems) {
    if (ds == null || ds.isNull()) {
      return;
    }
    String uid = ds.isObject() ? text(ds.get("uid")) : text(ds);
    if (uid == null || BUILT_IN_DATASOURCES.contains(uid) || provisioned.contains(uid)) {
      return;
    }
    problems.add(file + ": " + where + ": datasource '" + uid + "' is not provisioned (use {\"type\":\"prometheus\",\"uid\":\""
        + DATASOURCE_UID + "\"})");
  }

  /** True when expr uses no template variable other than those {@link #substitute} replaces. */
  private static boolean checkVariables(String file, String where, String expr, List<String> problems) {
    Matcher m = ANY_VARIABLE.matcher(KNOWN_VARIABLE.matcher(expr).replaceAll(""));
    Set<String> unknown = new LinkedHashSet<>();
    while (m.find()) {
      unknown.add(m.group());
    }
    if (!unknown.isEmpty()) {
      problems.add(file + ": " + where + ": uses template variable(s) " + String.join(", ", unknown)
          + " that `testbed dashboards` cannot substitute (only $__rate_interval, $__interval, $__range)");
      return false;
    }
    return true;
  }

  /** Parses every provisioning YAML; returns the datasource uids provisioned. */
  private static Set<String> validateProvisioning(Path dir, List<String> problems) {
    Set<String> uids = new LinkedHashSet<>();
    if (!Files.isDirectory(dir)) {
      problems.add(dir + ": no such directory");
      return uids;
    }
    List<Path> files;
    try (Stream<Path> s = Files.walk(dir)) {
      files = s.filter(Files::isRegularFile)
          .filter(p -> p.getFileName().toString().endsWith(".yaml") || p.getFileName().toString().endsWith(".yml"))
          .sorted().toList();
    } catch (IOException e) {
      problems.add(dir + ": cannot list: " + e.getMessage());
      return uids;
    }
    if (files.isEmpty()) {
      problems.add(dir + ": no *.yaml provisioning file");
    }
    boolean datasourceFile = false;
    for (Path f : files) {
      String name = "provisioning/" + dir.relativize(f).toString().replace('\\', '/');
      Object doc;
      try {
        doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(f));
      } catch (IOException | RuntimeException e) {
        problems.add(name + ": not valid YAML: " + e.getMessage().lines().findFirst().orElse(e.toString()));
        continue;
      }
      if (!(doc instanceof Map<?, ?> map)) {
        problems.add(name + ": not a provisioning file (the YAML is not a mapping)");
        continue;
      }
      if (map.get("datasources") instanceof List<?> list) {
        datasourceFile = true;
        for (Object o : list) {
          if (o instanceof Map<?, ?> ds && ds.get("uid") != null) {
            uids.add(String.valueOf(ds.get("uid")));
          }
        }
      }
    }
    if (!files.isEmpty() && !uids.contains(DATASOURCE_UID)) {
      problems.add((datasourceFile ? "provisioning/datasources" : dir.toString())
          + ": no datasource with uid '" + DATASOURCE_UID + "' (the dashboards refer to it)");
    }
    return uids;
  }

  private static List<Path> list(Path dir, List<String> problems) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(Files::isRegularFile).toList();
    } catch (IOException e) {
      problems.add(dir + ": cannot list: " + e.getMessage());
      return List.of();
    }
  }

  private static String text(JsonNode n) {
    return n != null && n.isString() ? n.stringValue() : null;
  }

  // ------------------------------------------------------------------------------ Prometheus

  /** Grafana's variables as this command runs the queries: $__rate_interval 1m, $__interval 15s, $__range the window. */
  public static String substitute(String expr, long sinceSeconds) {
    Matcher m = KNOWN_VARIABLE.matcher(expr);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String name = m.group(1) != null ? m.group(1) : m.group(2);
      String value = switch (name) {
        case "__rate_interval" -> "1m";
        case "__interval" -> "15s";
        default -> sinceSeconds + "s";
      };
      m.appendReplacement(sb, Matcher.quoteReplacement(value));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  /** Runs every query, printing one line per expression. */
  public static List<Result> queryAll(HttpClient http, URI base, List<Query> queries, long sinceSeconds, Instant now,
      PrintWriter out) {
    List<Result> results = new ArrayList<>();
    for (Query q : queries) {
      Result r = query(http, base, q, sinceSeconds, now);
      results.add(r);
      out.printf("%-5s %-12s %s: %d series%s%s%n", r.outcome(), q.file().replaceFirst("^dashboards/", ""), q.describe(),
          r.series(), r.outcome() == Outcome.EMPTY && r.series() > 0 ? " (all samples NaN)" : "",
          r.detail().isEmpty() ? "" : ": " + r.detail());
      out.flush();
    }
    return results;
  }

  /**
   * One expression over [now - since, now], step 5 s: OK when Prometheus answers success with a
   * series holding a sample that is not NaN, EMPTY when it answers success without one, ERROR
   * otherwise (with Prometheus' error text).
   */
  public static Result query(HttpClient http, URI base, Query q, long sinceSeconds, Instant now) {
    String expr = substitute(q.expr(), sinceSeconds);
    long end = now.getEpochSecond();
    String url = base + "/api/v1/query_range?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8)
        + "&start=" + (end - sinceSeconds) + "&end=" + end + "&step=" + STEP_SECONDS;
    HttpResponse<String> response;
    try {
      response = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return new Result(q, Outcome.ERROR, 0, 0, "cannot reach " + base + ": " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(q, Outcome.ERROR, 0, 0, "interrupted");
    }
    JsonNode root;
    try {
      root = JsonMapper.builder().build().readTree(response.body());
    } catch (JacksonException e) {
      return new Result(q, Outcome.ERROR, 0, 0, "HTTP " + response.statusCode() + ", not a Prometheus answer: "
          + abbreviate(response.body()));
    }
    if (root == null || !"success".equals(text(root.get("status")))) {
      String type = root == null ? null : text(root.get("errorType"));
      String error = root == null ? null : text(root.get("error"));
      return new Result(q, Outcome.ERROR, 0, 0, "HTTP " + response.statusCode()
          + (type == null ? "" : " " + type) + ": " + (error == null ? abbreviate(response.body()) : error));
    }
    JsonNode result = root.path("data").path("result");
    if (!result.isArray()) {
      return new Result(q, Outcome.ERROR, 0, 0, "no data.result in the answer: " + abbreviate(response.body()));
    }
    int series = 0;
    int withData = 0;
    for (JsonNode s : result) {
      series++;
      boolean data = false;
      for (JsonNode sample : s.path("values")) {
        String v = sample.path(1).isString() ? sample.path(1).stringValue() : sample.path(1).asString("NaN");
        if (!v.toLowerCase(Locale.ROOT).equals("nan")) {
          data = true;
          break;
        }
      }
      if (data) {
        withData++;
      }
    }
    return new Result(q, withData > 0 ? Outcome.OK : Outcome.EMPTY, series, withData, "");
  }

  private static String abbreviate(String s) {
    String one = s.replaceAll("\\s+", " ").trim();
    return one.length() > 200 ? one.substring(0, 200) + "..." : one;
  }
}
