package dev.splicelab.launcher.report;

import static dev.splicelab.launcher.report.Metrics.CLASS_COMPARATOR;
import static dev.splicelab.launcher.report.Metrics.bytes;
import static dev.splicelab.launcher.report.Metrics.count;
import static dev.splicelab.launcher.report.Metrics.headlineModel;
import static dev.splicelab.launcher.report.Metrics.str;

import dev.splicelab.launcher.report.CellResult.Costs;
import dev.splicelab.launcher.report.CellResult.WitnessView;
import dev.splicelab.launcher.report.Metrics.CostAxis;
import dev.splicelab.launcher.report.Metrics.PinnedLines;
import dev.splicelab.launcher.report.Metrics.StrategyAgg;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.internal.chartpart.Chart;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes a run's results into its directory: {@code summary.json} (one row per cell of the
 * matrix, DESIGN.md section 7), {@code witnesses.jsonl} and a self-contained {@code report.html}
 * (inline CSS, plots embedded as PNG data URIs, nothing fetched).
 */
public final class ReportWriter {

  /** Events of one witness shown in report.html; witnesses.jsonl has all of them. */
  static final int MAX_TIMELINE_EVENTS = 400;

  private static final JsonMapper PRETTY =
      JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
  private static final JsonMapper COMPACT = JsonMapper.builder().build();

  private ReportWriter() {}

  /**
   * Writes {@code summary.json}, {@code witnesses.jsonl} and {@code report.html} into {@code
   * runDir} (created if missing). A plot that cannot be rendered is replaced in the HTML by a
   * visible note; the files are still written.
   *
   * @throws UncheckedIOException if a file cannot be written
   */
  public static void write(RunReport report, Path runDir) {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
    try {
      Files.createDirectories(runDir);
      Files.writeString(
          runDir.resolve("summary.json"),
          PRETTY.writeValueAsString(summary(report)) + "\n",
          StandardCharsets.UTF_8);
      Files.writeString(
          runDir.resolve("witnesses.jsonl"), witnessesJsonl(report), StandardCharsets.UTF_8);
      Files.writeString(runDir.resolve("report.html"), html(report), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the report into " + runDir, e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // summary.json and witnesses.jsonl

  static Map<String, Object> summary(RunReport r) {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("run_id", r.runId());
    root.put("scenario", r.scenarioName());
    root.put("scenario_description", r.scenarioDescription());
    root.put("seed", r.seed());
    root.put("started_at", r.startedAt() == null ? null : r.startedAt().toString());
    root.put("wall_seconds", finite(r.wallSeconds()));
    root.put("kafka", r.kafkaBootstrap());
    root.put("java", r.javaVersion());
    root.put("host", r.hostInfo());
    List<Object> cells = new ArrayList<>();
    for (CellResult c : r.cells()) {
      cells.add(cellJson(c));
    }
    root.put("cells", cells);
    return root;
  }

  static Map<String, Object> cellJson(CellResult c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cell", c.cell());
    m.put("strategy", c.strategy());
    m.put("sender_mode", c.senderMode());
    m.put("fault_profile", c.faultProfile());
    m.put("workload", c.workload());
    m.put("transfers", c.transfers());
    m.put("verdicts", c.verdicts());
    m.put("sender_transfers_started", c.senderTransfersStarted());
    m.put("verdicts_equal_transfers", c.verdicts() == c.transfers());
    m.put("headline_model", headlineModel(c));

    Map<String, Object> models = new LinkedHashMap<>();
    for (String model : Metrics.modelsForJson(c)) {
      Map<String, Object> mm = new LinkedHashMap<>();
      mm.put("ok", Metrics.ok(c, model));
      mm.put("violated", Metrics.violated(c, model));
      mm.put("by_class", Metrics.byClass(c, model));
      Double rate = Metrics.rate(c, model);
      double[] ci = Metrics.ci(c, model);
      // null: the checker reported no verdict of this model for the cell.
      mm.put("corruption_rate", rate);
      mm.put("corruption_rate_ci95", ci == null ? null : List.of(ci[0], ci[1]));
      models.put(model, mm);
    }
    m.put("models", models);
    m.put("causes", Metrics.causes(c));
    m.put("silent", c.silent());
    m.put("detected", c.detected());
    m.put("wrong_bytes", sorted(c.wrongBytes(), CLASS_COMPARATOR));

    Costs k = Metrics.costs(c);
    Map<String, Object> costs = new LinkedHashMap<>();
    costs.put("bytes_copied", k.bytesCopied());
    costs.put("bytes_copied_per_delivered_byte", finite(Metrics.copiedPerDelivered(c)));
    costs.put("folios_copied", k.foliosCopied());
    costs.put("write_protect_faults", k.writeProtectFaults());
    costs.put("confirm_retries", k.confirmRetries());
    costs.put("confirm_gave_up", k.confirmGaveUp());
    costs.put("retransmissions", k.retransmissions());
    costs.put("checksum_rejects", k.checksumRejects());
    costs.put("mac_failures", k.macFailures());
    costs.put("stable_timeouts_failed", k.stableTimeoutsFailed());
    costs.put("stable_timeouts_let_through", k.stableTimeoutsLetThrough());
    costs.put("peak_pinned_bytes", k.peakPinnedBytes());
    m.put("costs", costs);

    m.put("writer_stall_us", Metrics.percentiles(c.writerStallMicros()));
    m.put("latency_us", Metrics.percentiles(c.latencyMicros()));
    m.put("pinned_bytes_samples", Metrics.pinned(c));

    Map<String, Object> mutations = new LinkedHashMap<>();
    mutations.put("total", c.mutations());
    mutations.put("by_kind", sorted(c.mutationsByKind(), Comparator.naturalOrder()));
    m.put("mutations", mutations);

    m.put("time_fidelity", timeFidelity(c.timing()));

    Map<String, Object> throughput = new LinkedHashMap<>();
    throughput.put("transfers_per_second", finite(c.transfersPerSecond()));
    throughput.put("delivered_bytes", c.bytesDelivered());
    throughput.put("delivered_mib_per_second", finite(Metrics.mibPerSecond(c)));
    throughput.put("active_seconds", finite(c.activeSeconds()));
    m.put("throughput", throughput);
    return m;
  }

  /** The cell's race windows against the scenario's (DESIGN section 8). */
  static Map<String, Object> timeFidelity(CellResult.Timing t) {
    Map<String, Object> m = new LinkedHashMap<>();
    dev.splicelab.proto.TimeFidelity f = t.fidelity();
    m.put("time_scale", t.timeScale());
    m.put("transfers_measured", f.getTransfers());
    m.put("implied_window_us", stats(f.getImpliedMeanUs(), f.getImpliedP50Us(), f.getImpliedP99Us()));
    m.put("measured_window_us", stats(f.getMeasuredMeanUs(), f.getMeasuredP50Us(), f.getMeasuredP99Us()));
    m.put("overhead_us", stats(f.getOverheadMeanUs(), f.getOverheadP50Us(), f.getOverheadP99Us()));
    Map<String, Object> parts = new LinkedHashMap<>();
    parts.put("reply", finite(f.getOverheadReplyMeanUs()));
    parts.put("wake", finite(f.getOverheadWakeMeanUs()));
    parts.put("post", finite(f.getOverheadPostMeanUs()));
    parts.put("wire", finite(f.getOverheadWireMeanUs()));
    m.put("overhead_parts_mean_us", parts);
    m.put("overhead_fraction", t.measured() ? finite(t.overheadFraction()) : null);
    CellResult.MutationPace pace = t.pace();
    if (pace.askedPerSecond() > 0) {
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("asked_per_second", finite(pace.askedPerSecond()));
      p.put("kept_per_second", finite(pace.achievedPerSecond()));
      p.put("fraction", finite(pace.fraction()));
      p.put("writer_stalls", pace.writerStalls());
      p.put("judged", pace.judged());
      p.put("kept", pace.kept());
      m.put("mutation_pace", p);
    }
    m.put("representative", t.measured() || pace.judged() ? t.notRepresentative() == null : null);
    m.put("not_representative_because", t.notRepresentative());
    m.put("data_path", t.dataPath());
    m.put("scheduling", t.scheduling().isEmpty() ? null : t.scheduling());
    m.put("cpu_ms_per_transfer", t.cpuMillisPerTransfer() < 0 ? null : finite(t.cpuMillisPerTransfer()));
    return m;
  }

  private static Map<String, Object> stats(double mean, long p50, long p99) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("mean", finite(mean));
    m.put("p50", p50);
    m.put("p99", p99);
    return m;
  }

  static String witnessesJsonl(RunReport r) {
    StringBuilder sb = new StringBuilder();
    for (CellResult c : r.cells()) {
      for (WitnessView w : witnessesOf(c)) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cell", c.cell());
        m.put("strategy", c.strategy());
        m.put("sender_mode", c.senderMode());
        m.put("fault_profile", c.faultProfile());
        m.put("workload", c.workload());
        m.put("model", w.model());
        m.put("headline", Objects.equals(w.model(), headlineModel(c)));
        m.put("transfer_id", w.transferId());
        m.put("verdict", w.verdict());
        m.put("class", w.failureClass());
        m.put("events", w.events() == null ? List.of() : w.events());
        sb.append(COMPACT.writeValueAsString(m)).append('\n');
      }
    }
    return sb.toString();
  }

  // ---------------------------------------------------------------------------------------------
  // report.html

  private static final String CSS =
      """
      :root { color-scheme: light; }
      * { box-sizing: border-box; }
      body { margin: 0; background: #fff; color: #1f2328; line-height: 1.45;
        font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans",
          "Liberation Sans", "DejaVu Sans", Arial, sans-serif; font-size: 15px; }
      main { max-width: 1600px; margin: 0 auto; padding: 24px 32px 48px; }
      .unrep { display: inline-block; margin-left: 4px; padding: 0 5px; border-radius: 4px; font-size: 11px;
        background: #fff1e5; color: #953800; border: 1px solid #ffb77c; white-space: nowrap; }
      h1 { font-size: 1.6rem; margin: 0 0 .2rem; }
      h2 { font-size: 1.25rem; margin: 2.2rem 0 .8rem; padding-bottom: .3rem;
        border-bottom: 1px solid #d0d7de; }
      h3 { font-size: 1.05rem; margin: 1.6rem 0 .5rem; }
      .desc { color: #57606a; margin: 0 0 1rem; max-width: 70rem; }
      nav a { color: #0969da; text-decoration: none; margin-right: 1rem; font-size: .9rem; }
      dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1.2rem;
        margin: 1rem 0 0; font-size: .9rem; }
      dl.meta dt { color: #57606a; }
      dl.meta dd { margin: 0; }
      code, .mono { font-family: ui-monospace, SFMono-Regular, "DejaVu Sans Mono", Menlo, Consolas,
        "Liberation Mono", monospace; font-size: .85em; }
      .table-wrap { overflow-x: auto; border: 1px solid #d0d7de; border-radius: 6px; }
      table.results { border-collapse: collapse; font-size: .82rem; min-width: 100%; }
      table.results th, table.results td { padding: .35rem .6rem; white-space: nowrap;
        border-bottom: 1px solid #e4e8ec; }
      table.results thead th { background: #f6f8fa; text-align: left; vertical-align: bottom;
        font-weight: 600; border-bottom: 1px solid #d0d7de; }
      table.results th.num, table.results td.num { text-align: right;
        font-variant-numeric: tabular-nums; }
      table.results th.class { font-size: .72rem; }
      table.results td.center { text-align: center; }
      table.results td.wrap { white-space: normal; min-width: 16rem; font-size: .78rem; }
      table.results tbody tr:nth-child(even) { background: #f6f8fa; }
      table.results tbody tr:hover { background: #eaeef2; }
      table.results tbody tr:last-child td { border-bottom: none; }
      table.results tbody tr.group-start td { border-top: 2px solid #afb8c1; }
      table.results td.headline { background: #fff8c5; font-weight: 700;
        box-shadow: inset 3px 0 0 #bf8700; }
      .ok { color: #1a7f37; font-weight: 600; }
      .bad { color: #cf222e; font-weight: 600; }
      .muted { color: #57606a; }
      .zero { color: #8c959f; }
      .note { font-size: .85rem; color: #57606a; margin: .6rem 0 0; max-width: 80rem; }
      .plots { display: flex; flex-wrap: wrap; gap: 1.5rem; }
      figure { margin: 0; flex: 1 1 560px; max-width: 900px; }
      figure img { width: 100%; height: auto; border: 1px solid #d0d7de; border-radius: 6px; }
      figcaption { color: #57606a; font-size: .85rem; margin-top: .3rem; }
      .plot-error { flex: 1 1 560px; border: 1px dashed #cf222e; background: #fff5f5;
        color: #82071e; border-radius: 6px; padding: 1rem; }
      .plot-error pre { white-space: pre-wrap; margin: .5rem 0 0; }
      .witness { border: 1px solid #d0d7de; border-radius: 6px; margin: .8rem 0; overflow: hidden; }
      .witness h4 { margin: 0; padding: .4rem .75rem; background: #f6f8fa; font-size: .88rem;
        font-weight: 600; border-bottom: 1px solid #d0d7de; }
      .witness h4 .cls { color: #cf222e; }
      .witness h4 .sub { color: #57606a; font-weight: 400; }
      ol.timeline { list-style: none; counter-reset: step; margin: 0; padding: .4rem .75rem;
        background: #fcfcfd; font-family: ui-monospace, SFMono-Regular, "DejaVu Sans Mono", Menlo,
          Consolas, "Liberation Mono", monospace; font-size: .78rem; }
      ol.timeline li { display: grid; grid-template-columns: 2.6rem 7.5rem 1fr; column-gap: .6rem;
        padding: .05rem 0; }
      ol.timeline li::before { counter-increment: step; content: counter(step);
        color: #8c959f; text-align: right; }
      ol.timeline li .at { text-align: right; color: #0969da; white-space: nowrap;
        font-variant-numeric: tabular-nums; }
      ol.timeline li .ev { white-space: pre-wrap; word-break: break-word; }
      ol.timeline li.detail .ev { color: #57606a; }
      ol.timeline li.verdict .ev { color: #cf222e; font-weight: 600; }
      footer { margin-top: 2.5rem; font-size: .8rem; color: #57606a; }
      """;

  static String html(RunReport r) {
    List<CellResult> cells = r.cells();
    List<String> labels = Metrics.labels(cells);
    List<String> models = Metrics.modelsPresent(cells);
    List<String> headlineClasses = Metrics.headlineClassesPresent(cells);
    List<StrategyAgg> aggs = Metrics.byStrategy(cells);

    StringBuilder h = new StringBuilder(64 * 1024);
    h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .append("<title>splicelab: ")
        .append(esc(r.scenarioName()))
        .append(" (")
        .append(esc(r.runId()))
        .append(")</title>\n<style>\n")
        .append(CSS)
        .append("</style>\n</head>\n<body>\n<main>\n");

    // Header.
    h.append("<header>\n<h1>splicelab &mdash; ").append(esc(r.scenarioName())).append("</h1>\n");
    if (r.scenarioDescription() != null && !r.scenarioDescription().isBlank()) {
      h.append("<p class=\"desc\">").append(esc(r.scenarioDescription().strip())).append("</p>\n");
    }
    h.append("<nav><a href=\"#matrix\">Matrix</a><a href=\"#classes\">Violations by class</a>")
        .append("<a href=\"#plots\">Plots</a><a href=\"#witnesses\">Witnesses</a></nav>\n")
        .append("<dl class=\"meta\">\n");
    meta(h, "Run id", "<code>" + esc(r.runId()) + "</code>");
    meta(h, "Seed", "<code>" + r.seed() + "</code>");
    meta(h, "Started", esc(r.startedAt() == null ? "?" : r.startedAt().toString()));
    meta(h, "Wall time", esc(duration(r.wallSeconds())));
    meta(h, "Kafka", esc(r.kafkaBootstrap()));
    meta(h, "Java", esc(r.javaVersion()));
    meta(h, "Host", esc(r.hostInfo()));
    meta(h, "Cells", dimensionSummary(cells));
    h.append("</dl>\n</header>\n");

    // Matrix.
    h.append("<section id=\"matrix\">\n<h2>Matrix</h2>\n");
    if (cells.isEmpty()) {
      h.append("<p class=\"muted\">No cells were run.</p>\n");
    } else {
      matrixTable(h, cells, models);
    }
    h.append("<p class=\"note\">Rate: violations of the model / verdicts, with the Wilson score ")
        .append("95% interval; n/a when the checker reported no verdict of that model. The ")
        .append("<strong>highlighted</strong> rate is the cell&rsquo;s headline model, the one ")
        .append("its strategy is judged by (WINDOW for COMPLETION_AFTER_SNAPSHOT, SNAPSHOT ")
        .append("otherwise). &#10003;: every transfer seen by the checker got a verdict (hover for ")
        .append("the sender&rsquo;s own count). Silent: SNAPSHOT violations the receiver ")
        .append("accepted; detected: transfers where the receiver caught corruption (checksum ")
        .append("mismatch or MAC failure). Stall and latency in microseconds. Window: the mean race window of the ")
        .append("cell&rsquo;s transfers, from splice-in to the last read of their bytes for the wire, as the scenario ")
        .append("implies it (residency, csum_to_dma, serialization, RTOs) and as measured; overhead: the difference as a ")
        .append("fraction of the implied window. A cell whose overhead exceeds 10% is marked ")
        .append("<span class=\"unrep\">not representative</span>: the testbed&rsquo;s own time widened its races, ")
        .append("and its rates overstate the scenario&rsquo;s.</p>\n</section>\n");

    // Violations by class under the headline model.
    h.append("<section id=\"classes\">\n<h2>Violations by class (headline model)</h2>\n");
    if (!cells.isEmpty()) {
      classTable(h, cells, labels, headlineClasses);
    }
    h.append("<p class=\"note\">Causes: the mutation kind behind each violation, ")
        .append("<code>:application</code> for writers that honour the completion contract, ")
        .append("<code>:foreign</code> for the others.</p>\n</section>\n");

    // Plots.
    h.append("<section id=\"plots\">\n<h2>Plots</h2>\n<div class=\"plots\">\n");
    if (cells.isEmpty()) {
      h.append("<p class=\"muted\">Nothing to plot.</p>\n");
    } else {
      plots(h, cells, labels, headlineClasses, aggs);
    }
    h.append("</div>\n</section>\n");

    // Witnesses.
    h.append("<section id=\"witnesses\">\n<h2>Witnesses</h2>\n")
        .append("<p class=\"note\">One witness per failure class that occurred (under the ")
        .append("headline model when there is one): the ordered events that produced the failed ")
        .append("transfer, times relative to its splice. All witnesses are in ")
        .append("<code>witnesses.jsonl</code>.</p>\n");
    witnesses(h, cells, labels);
    h.append("</section>\n");

    h.append("<footer>Written by the splicelab launcher. Numbers: <code>summary.json</code>; ")
        .append("witnesses: <code>witnesses.jsonl</code>.</footer>\n")
        .append("</main>\n</body>\n</html>\n");
    return h.toString();
  }

  /** "48: 6 strategies x 4 sender modes x 2 fault profiles x 1 workload". */
  private static String dimensionSummary(List<CellResult> cells) {
    long s = cells.stream().map(c -> str(c.strategy())).distinct().count();
    long m = cells.stream().map(c -> str(c.senderMode())).distinct().count();
    long f = cells.stream().map(c -> str(c.faultProfile())).distinct().count();
    long w = cells.stream().map(c -> str(c.workload())).distinct().count();
    if (cells.isEmpty()) {
      return "0";
    }
    return cells.size()
        + " &mdash; "
        + plural(s, "strategy", "strategies")
        + " &times; "
        + plural(m, "sender mode", "sender modes")
        + " &times; "
        + plural(f, "fault profile", "fault profiles")
        + " &times; "
        + plural(w, "workload", "workloads");
  }

  private static String plural(long n, String one, String many) {
    return n + " " + (n == 1 ? one : many);
  }

  private static void meta(StringBuilder h, String name, String valueHtml) {
    h.append("<dt>").append(esc(name)).append("</dt><dd>").append(valueHtml).append("</dd>\n");
  }

  /**
   * Whether row i starts a new block of cells sharing sender mode, fault profile and workload,
   * for the separator lines of a large matrix (only when such blocks exist).
   */
  static boolean[] groupStarts(List<CellResult> cells) {
    boolean[] out = new boolean[cells.size()];
    int changes = 0;
    for (int i = 1; i < cells.size(); i++) {
      out[i] = !groupKey(cells.get(i)).equals(groupKey(cells.get(i - 1)));
      changes += out[i] ? 1 : 0;
    }
    if (changes == 0 || 2 * (changes + 1) > cells.size()) {
      return new boolean[cells.size()]; // no blocks, or blocks of single rows: no separators
    }
    return out;
  }

  private static String groupKey(CellResult c) {
    return str(c.workload()) + "\u0000" + str(c.faultProfile()) + "\u0000" + str(c.senderMode());
  }

  private static void matrixTable(StringBuilder h, List<CellResult> cells, List<String> models) {
    h.append("<div class=\"table-wrap\">\n<table class=\"results\" id=\"matrix-table\">\n")
        .append("<thead><tr>")
        .append("<th class=\"num\">#</th><th>strategy</th><th>sender mode</th>")
        .append("<th>fault profile</th><th>workload</th>")
        .append("<th class=\"num\">transfers</th>")
        .append("<th title=\"every transfer seen by the checker got exactly one verdict\">")
        .append("verdicts = transfers</th>");
    for (String m : models) {
      h.append("<th class=\"num\">").append(esc(m)).append("<br>rate [95% CI]</th>");
    }
    h.append("<th class=\"num\">silent</th>")
        .append("<th class=\"num\">detected</th>")
        .append("<th class=\"num\">bytes copied</th>")
        .append("<th class=\"num\">folios copied</th>")
        .append("<th class=\"num\">WP faults</th>")
        .append("<th class=\"num\">confirm retries</th>")
        .append("<th class=\"num\">retransmits</th>")
        .append("<th class=\"num\">checksum rejects</th>")
        .append("<th class=\"num\">MAC failures</th>")
        .append("<th class=\"num\">writer stall<br>p99 &micro;s</th>")
        .append("<th class=\"num\">latency<br>p99 &micro;s</th>")
        .append("<th class=\"num\">transfers/s</th>")
        .append("<th class=\"num\" title=\"mutations per second the writers kept / the scenario asks for\">")
        .append("mutations/s<br>kept / asked</th>")
        .append("<th class=\"num\" title=\"mean race window, splice-in to the last read for the wire: as the ")
        .append("scenario implies it / as measured\">window ms<br>implied / measured</th>")
        .append("<th class=\"num\" title=\"the testbed's own time, as a fraction of the implied window\">overhead</th>")
        .append("</tr></thead>\n<tbody>\n");
    boolean[] starts = groupStarts(cells);
    for (int i = 0; i < cells.size(); i++) {
      CellResult c = cells.get(i);
      String headline = headlineModel(c);
      Costs k = Metrics.costs(c);
      h.append(starts[i] ? "<tr class=\"group-start\">" : "<tr>");
      td(h, "num", String.valueOf(c.cell()));
      td(h, "", esc(c.strategy()));
      td(h, "", esc(c.senderMode()));
      td(h, "", esc(c.faultProfile()));
      td(h, "", esc(c.workload()));
      td(h, "num", count(c.transfers()));
      String title =
          esc(
              "verdicts "
                  + c.verdicts()
                  + ", transfers "
                  + c.transfers()
                  + ", sender started "
                  + c.senderTransfersStarted());
      if (c.verdicts() == c.transfers()) {
        h.append("<td class=\"center ok\" title=\"").append(title).append("\">&#10003;</td>");
      } else {
        h.append("<td class=\"center bad\" title=\"")
            .append(title)
            .append("\">&#10007; ")
            .append(count(c.verdicts()))
            .append("</td>");
      }
      for (String m : models) {
        long v = Metrics.violated(c, m);
        boolean isHeadline = m.equals(headline);
        String cls = "num" + (isHeadline ? " headline" : "") + (v > 0 ? " bad" : "");
        String tip =
            Metrics.judged(c, m)
                ? m + ": " + count(v) + " of " + count(c.verdicts()) + " verdicts violated"
                : m + ": no verdicts reported";
        if (isHeadline) {
          tip += " (headline model of " + str(c.strategy()) + ")";
        }
        String why = c.timing().notRepresentative();
        if (why != null) {
          tip += "; NOT REPRESENTATIVE: " + why;
        }
        h.append("<td class=\"")
            .append(cls)
            .append("\" title=\"")
            .append(esc(tip))
            .append("\">")
            .append(esc(Metrics.rateWithCi(c, m)))
            .append(why != null ? " <span class=\"unrep\">not representative</span>" : "")
            .append("</td>");
      }
      td(h, c.silent() > 0 ? "num bad" : "num", count(c.silent()));
      td(h, "num", count(c.detected()));
      h.append("<td class=\"num\" title=\"")
          .append(esc(count(k.bytesCopied()) + " bytes"))
          .append("\">")
          .append(esc(bytes(k.bytesCopied())))
          .append("</td>");
      td(h, "num", count(k.foliosCopied()));
      td(h, "num", count(k.writeProtectFaults()));
      h.append("<td class=\"num\" title=\"")
          .append(esc("gave up after retries: " + count(k.confirmGaveUp())))
          .append("\">")
          .append(count(k.confirmRetries()))
          .append("</td>");
      td(h, "num", count(k.retransmissions()));
      td(h, "num", count(k.checksumRejects()));
      td(h, "num", count(k.macFailures()));
      h.append("<td class=\"num\" title=\"")
          .append(
              esc(
                  percentileTip(c.writerStallMicros())
                      + "; stable-page timeouts: failed "
                      + k.stableTimeoutsFailed()
                      + ", let through "
                      + k.stableTimeoutsLetThrough()))
          .append("\">")
          .append(count(Metrics.pct(c.writerStallMicros(), "p99")))
          .append("</td>");
      h.append("<td class=\"num\" title=\"")
          .append(esc(percentileTip(c.latencyMicros())))
          .append("\">")
          .append(count(Metrics.pct(c.latencyMicros(), "p99")))
          .append("</td>");
      td(h, "num", String.format(Locale.ROOT, "%,.1f", c.transfersPerSecond()));
      CellResult.Timing t = c.timing();
      h.append("<td class=\"").append(t.pace().kept() ? "num" : "num bad").append("\" title=\"")
          .append(esc(t.pace().askedPerSecond() > 0 ? String.format(Locale.ROOT, "%.0f%% of the asked rate%s",
              100 * t.pace().fraction(), t.pace().judged() ? "" : "; the strategy stalled its writers: not judged")
              : "mutations off")).append("\">")
          .append(esc(ConsoleTable.mutationRate(t.pace()))).append("</td>");
      h.append("<td class=\"num\" title=\"")
          .append(esc(t.measured() ? String.format(Locale.ROOT, "implied p50 %.2f ms, p99 %.2f ms; measured p50 %.2f ms, p99 "
              + "%.2f ms; %s%s; CPU %s per transfer; time scale %s", t.fidelity().getImpliedP50Us() / 1000.0,
              t.fidelity().getImpliedP99Us() / 1000.0, t.fidelity().getMeasuredP50Us() / 1000.0,
              t.fidelity().getMeasuredP99Us() / 1000.0, t.dataPath(), t.scheduling().isEmpty() ? "" : "; " + t.scheduling(),
              t.cpuMillisPerTransfer() < 0 ? "unknown"
              : String.format(Locale.ROOT, "%.2f ms", t.cpuMillisPerTransfer()), Metrics.scale(t.timeScale())) : "not measured"))
          .append("\">")
          .append(esc(ConsoleTable.window(t)))
          .append("</td>");
      h.append("<td class=\"").append(t.notRepresentative() != null ? "num bad" : "num").append("\" title=\"")
          .append(esc(t.measured() ? ConsoleTable.overheadParts(t.fidelity()) : "not measured")).append("\">")
          .append(t.measured() ? esc(String.format(Locale.ROOT, "%.1f%%", 100 * t.overheadFraction())) : "-")
          .append("</td>");
      h.append("</tr>\n");
    }
    h.append("</tbody>\n</table>\n</div>\n");
  }

  private static String percentileTip(Map<String, Long> m) {
    StringBuilder sb = new StringBuilder();
    Metrics.percentiles(m)
        .forEach(
            (k, v) -> {
              if (sb.length() > 0) {
                sb.append(", ");
              }
              sb.append(k).append(' ').append(count(v));
            });
    return sb.length() == 0 ? "no samples" : sb.toString();
  }

  private static void classTable(
      StringBuilder h, List<CellResult> cells, List<String> labels, List<String> classes) {
    h.append("<div class=\"table-wrap\">\n<table class=\"results\" id=\"class-table\">\n")
        .append("<thead><tr><th class=\"num\">#</th><th>cell</th><th>model</th>")
        .append("<th class=\"num\">verdicts</th><th class=\"num\">violated</th>")
        .append("<th class=\"num\">rate [95% CI]</th>");
    for (String cls : classes) {
      h.append("<th class=\"num class\">").append(esc(cls)).append("</th>");
    }
    h.append("<th>causes</th></tr></thead>\n<tbody>\n");
    boolean[] starts = groupStarts(cells);
    for (int i = 0; i < cells.size(); i++) {
      CellResult c = cells.get(i);
      String model = headlineModel(c);
      Map<String, Long> byClass = Metrics.byClass(c, model);
      long v = Metrics.violated(c, model);
      h.append(starts[i] ? "<tr class=\"group-start\">" : "<tr>");
      td(h, "num", String.valueOf(c.cell()));
      td(h, "", esc(labels.get(i)));
      td(h, "", esc(model));
      td(h, "num", count(c.verdicts()));
      td(h, v > 0 ? "num bad" : "num", count(v));
      td(h, v > 0 ? "num bad" : "num", esc(Metrics.rateWithCi(c, model)));
      for (String cls : classes) {
        long n = byClass.getOrDefault(cls, 0L);
        td(h, n > 0 ? "num" : "num zero", count(n));
      }
      StringBuilder causes = new StringBuilder();
      Metrics.causes(c, model)
          .forEach(
              (cls, byCause) -> {
                if (causes.length() > 0) {
                  causes.append("<br>");
                }
                causes.append("<span class=\"muted\">").append(esc(cls)).append(":</span> ");
                List<String> parts = new ArrayList<>();
                byCause.forEach((cause, n) -> parts.add(esc(cause) + " " + count(n)));
                causes.append(String.join(", ", parts));
              });
      td(h, "wrap", causes.length() == 0 ? "<span class=\"zero\">&mdash;</span>" : causes.toString());
      h.append("</tr>\n");
    }
    h.append("</tbody>\n</table>\n</div>\n");
    if (classes.isEmpty()) {
      h.append("<p class=\"note\">No violations under the headline models.</p>\n");
    }
  }

  private static void plots(
      StringBuilder h,
      List<CellResult> cells,
      List<String> labels,
      List<String> headlineClasses,
      List<StrategyAgg> aggs) {
    h.append(
        plotBlock(
            "Corruption rate by strategy and failure class",
            "Violations under each cell's headline model as a percent of verdicts, summed over "
                + "the cells of each strategy and stacked by failure class. A strategy judged by "
                + "another model than SNAPSHOT carries it in brackets.",
            () -> Charts.violationChart(aggs, headlineClasses)));
    CostAxis axis = Metrics.costAxis(aggs);
    h.append(
        plotBlock(
            "Cost vs corruption",
            "One point per strategy (its cells together): x = "
                + axis.title()
                + (axis.bytesCopied()
                    ? ""
                    : " (no strategy copied bytes in this run)")
                + "; y = headline corruption rate, whiskers the Wilson 95% interval.",
            () -> Charts.costChart(aggs, axis)));
    h.append(
        plotBlock(
            "Writer stall distribution",
            "Time writers waited (stable pages, completion contract), p50/p90/p99/p999/max per "
                + "strategy, microseconds on a log axis; the worst cell of each strategy per "
                + "percentile. No bar: writers never waited.",
            () ->
                Charts.percentileChart(
                    "Writer stall", aggs, StrategyAgg::writerStallMicros)));
    h.append(
        plotBlock(
            "End-to-end latency distribution",
            "Transfer latency from splice-in to the last acknowledgement (the application-visible "
                + "completion), p50/p90/p99/p999/max per strategy, microseconds on a log axis; "
                + "the worst cell of each strategy per percentile.",
            () -> Charts.percentileChart("End-to-end latency", aggs, StrategyAgg::latencyMicros)));
    PinnedLines pinned = Metrics.pinnedLines(cells, labels);
    if (pinned.lines().isEmpty()) {
      h.append("<p class=\"note\">Pinned bytes over time: no samples were recorded.</p>\n");
    } else {
      String caption =
          "Bytes the storage node held pinned for pipes and send queues, sampled once a second, "
              + ("cell".equals(pinned.per())
                  ? "one line per cell."
                  : "one line per strategy (the mean over its cells).")
              + (pinned.omitted() > 0
                  ? " " + pinned.omitted() + " lines with the lowest peaks are not drawn."
                  : "");
      h.append(
          plotBlock("Pinned bytes over time", caption, () -> Charts.pinnedChart(pinned.lines())));
    }
  }

  private static void td(StringBuilder h, String cls, String html) {
    h.append(cls.isEmpty() ? "<td>" : "<td class=\"" + cls + "\">").append(html).append("</td>");
  }

  // ---------------------------------------------------------------------------------------------
  // Witnesses

  /** A witness and the cell it belongs to. */
  record Chosen(CellResult cell, String label, WitnessView witness, int ofClass) {}

  /**
   * For each failure class that occurred (a violation under any model, or a witness), one
   * witness: the first, in cell order, recorded under its cell's headline model, else the first
   * under any model; null when no witness of that class was recorded.
   */
  static Map<String, Chosen> chooseWitnesses(List<CellResult> cells, List<String> labels) {
    Set<String> classes = new TreeSet<>(CLASS_COMPARATOR);
    classes.addAll(Metrics.classesOccurred(cells));
    for (CellResult c : cells) {
      for (WitnessView w : witnessesOf(c)) {
        classes.add(classOfWitness(w));
      }
    }
    Map<String, Chosen> out = new LinkedHashMap<>();
    for (String cls : classes) {
      Chosen headline = null;
      Chosen any = null;
      int n = 0;
      for (int i = 0; i < cells.size(); i++) {
        CellResult c = cells.get(i);
        for (WitnessView w : witnessesOf(c)) {
          if (!classOfWitness(w).equals(cls)) {
            continue;
          }
          n++;
          Chosen ch = new Chosen(c, labels.get(i), w, 0);
          if (any == null) {
            any = ch;
          }
          if (headline == null && Objects.equals(w.model(), headlineModel(c))) {
            headline = ch;
          }
        }
      }
      Chosen pick = headline != null ? headline : any;
      out.put(cls, pick == null ? null : new Chosen(pick.cell(), pick.label(), pick.witness(), n));
    }
    return out;
  }

  private static String classOfWitness(WitnessView w) {
    return w.failureClass() == null || w.failureClass().isBlank()
        ? Metrics.UNSPECIFIED
        : w.failureClass();
  }

  private static void witnesses(StringBuilder h, List<CellResult> cells, List<String> labels) {
    Map<String, Chosen> chosen = chooseWitnesses(cells, labels);
    if (chosen.isEmpty()) {
      h.append("<p class=\"muted\">No failed transfers.</p>\n");
      return;
    }
    for (Map.Entry<String, Chosen> e : chosen.entrySet()) {
      String cls = e.getKey();
      Chosen ch = e.getValue();
      if (ch == null) {
        h.append("<p class=\"muted\" id=\"witness-")
            .append(esc(cls))
            .append("\"><strong>")
            .append(esc(cls))
            .append("</strong>: no witness recorded (violations: ")
            .append(esc(violationsPerModel(cells, cls)))
            .append(").</p>\n");
        continue;
      }
      WitnessView w = ch.witness();
      boolean isHeadline = Objects.equals(w.model(), headlineModel(ch.cell()));
      h.append("<div class=\"witness\" id=\"witness-")
          .append(esc(cls))
          .append("\">\n<h4><span class=\"cls\">")
          .append(esc(cls))
          .append("</span> under ")
          .append(esc(w.model() == null || w.model().isBlank() ? "an unnamed model" : w.model()))
          .append(isHeadline ? " (headline)" : "")
          .append(" &mdash; cell ")
          .append(ch.cell().cell())
          .append(" ")
          .append(esc(ch.label()))
          .append(" &mdash; transfer <code>")
          .append(esc(w.transferId()))
          .append("</code>");
      if (w.verdict() != null && !w.verdict().isBlank()) {
        h.append(" <span class=\"sub\">(").append(esc(w.verdict())).append(")</span>");
      }
      if (ch.ofClass() > 1) {
        h.append(" <span class=\"sub\">&middot; ")
            .append(ch.ofClass() - 1)
            .append(" more in witnesses.jsonl</span>");
      }
      h.append("</h4>\n");
      timeline(h, w.events() == null ? List.of() : w.events());
      h.append("</div>\n");
    }
  }

  private static String violationsPerModel(List<CellResult> cells, String cls) {
    Map<String, Long> per = new TreeMap<>(Metrics.MODEL_COMPARATOR);
    for (CellResult c : cells) {
      for (String m : Metrics.modelsForJson(c)) {
        long n = Metrics.byClass(c, m).getOrDefault(cls, 0L);
        if (n > 0) {
          per.merge(m, n, Long::sum);
        }
      }
    }
    List<String> parts = new ArrayList<>();
    per.forEach((m, n) -> parts.add(m + " " + count(n)));
    return parts.isEmpty() ? "none counted" : String.join(", ", parts);
  }

  /** "+1.234 ms", "-0.5 ms", "+12 us", "3.5 s" at the start of an event line. */
  private static final Pattern EVENT_TIME =
      Pattern.compile(
          "^\\s*([+-]\\d+(?:\\.\\d+)?(?:\\s?(?:ns|us|\u00b5s|ms|s))?"
              + "|\\d+(?:\\.\\d+)?\\s?(?:ns|us|\u00b5s|ms|s))(?=\\s|$)\\s*(.*)$",
          Pattern.DOTALL);

  /** Splits an event line into its relative time ("" when it has none) and the rest. */
  static String[] splitEvent(String line) {
    String s = line == null ? "" : line;
    Matcher m = EVENT_TIME.matcher(s);
    if (m.matches()) {
      return new String[] {m.group(1), m.group(2)};
    }
    return new String[] {"", s.strip()};
  }

  private static void timeline(StringBuilder h, List<String> events) {
    h.append("<ol class=\"timeline\">\n");
    int shown = Math.min(events.size(), MAX_TIMELINE_EVENTS);
    for (int i = 0; i < shown; i++) {
      String[] p = splitEvent(events.get(i));
      String cls =
          p[1].startsWith("VERDICT") ? "verdict" : p[0].isEmpty() ? "detail" : "";
      h.append(cls.isEmpty() ? "<li>" : "<li class=\"" + cls + "\">")
          .append("<span class=\"at\">")
          .append(esc(p[0]))
          .append("</span><span class=\"ev\">")
          .append(esc(p[1]))
          .append("</span></li>\n");
    }
    if (events.isEmpty()) {
      h.append("<li class=\"detail\"><span class=\"at\"></span>")
          .append("<span class=\"ev\">(no events recorded)</span></li>\n");
    }
    if (events.size() > shown) {
      h.append("<li class=\"detail\"><span class=\"at\"></span><span class=\"ev\">&hellip; ")
          .append(events.size() - shown)
          .append(" more events in witnesses.jsonl</span></li>\n");
    }
    h.append("</ol>\n");
  }

  // ---------------------------------------------------------------------------------------------
  // Plots

  /**
   * A figure with the chart as an inline PNG, or, when rendering fails (no fonts, no AWT, ...), a
   * visible note with the exception in its place.
   */
  public static String plotBlock(String title, String caption, Callable<Chart<?, ?>> chart) {
    try {
      byte[] png = BitmapEncoder.getBitmapBytes(chart.call(), BitmapFormat.PNG);
      return "<figure>\n<img alt=\""
          + esc(title)
          + "\" src=\"data:image/png;base64,"
          + Base64.getEncoder().encodeToString(png)
          + "\">\n<figcaption>"
          + esc(caption)
          + "</figcaption>\n</figure>\n";
    } catch (OutOfMemoryError e) {
      throw e;
    } catch (Throwable t) { // fonts or AWT missing throw Errors as well as exceptions
      return "<div class=\"plot-error\"><strong>Plot &ldquo;"
          + esc(title)
          + "&rdquo; could not be rendered.</strong> The tables above have the same numbers."
          + "<pre>"
          + esc(t.getClass().getName() + ": " + t.getMessage())
          + "</pre></div>\n";
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Small helpers

  static List<WitnessView> witnessesOf(CellResult c) {
    return c.witnesses() == null ? List.of() : c.witnesses();
  }

  /** HTML-escapes text for element content and quoted attribute values; null becomes "". */
  public static String esc(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder sb = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      switch (ch) {
        case '&' -> sb.append("&amp;");
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '"' -> sb.append("&quot;");
        case '\'' -> sb.append("&#39;");
        default -> sb.append(ch);
      }
    }
    return sb.toString();
  }

  static String duration(double seconds) {
    if (!Double.isFinite(seconds)) {
      return "?";
    }
    String s = String.format(Locale.ROOT, "%.1f s", seconds);
    if (seconds >= 60) {
      long total = (long) seconds;
      long hours = total / 3600;
      long minutes = (total % 3600) / 60;
      long secs = total % 60;
      s +=
          hours > 0
              ? String.format(Locale.ROOT, " (%dh %02dm %02ds)", hours, minutes, secs)
              : String.format(Locale.ROOT, " (%dm %02ds)", minutes, secs);
    }
    return s;
  }

  private static Double finite(double d) {
    return Double.isFinite(d) ? d : null;
  }

  private static Map<String, Long> sorted(Map<String, Long> m, Comparator<String> order) {
    Map<String, Long> out = new TreeMap<>(Comparator.nullsFirst(order));
    if (m != null) {
      out.putAll(m);
    }
    return out;
  }
}
