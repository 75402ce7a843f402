package dev.splicelab.launcher.report;

import dev.splicelab.launcher.report.CellResult.WitnessView;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.AxesChartStyler.TextAlignment;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes a run's results into its directory: {@code summary.json}, {@code witnesses.jsonl} and a
 * self-contained {@code report.html} (inline CSS, plots embedded as PNG data URIs).
 */
public final class ReportWriter {

  /** Failure classes in the order DESIGN.md lists them; unknown classes sort after, by name. */
  static final List<String> CLASS_ORDER =
      List.of(
          "NEWER_VERSION",
          "TORN",
          "ZEROED",
          "CHECKSUM_MISMATCH",
          "MAC_FAILURE",
          "RETRANSMIT_DIVERGENCE",
          "LOST");

  static final Comparator<String> CLASS_COMPARATOR =
      Comparator.<String>comparingInt(
              c -> CLASS_ORDER.contains(c) ? CLASS_ORDER.indexOf(c) : CLASS_ORDER.size())
          .thenComparing(Comparator.naturalOrder());

  /** Class name used for a snapshot key that has no "/CLASS" part. */
  static final String UNSPECIFIED = "UNSPECIFIED";

  static final int WITNESSES_PER_CLASS = 3;

  private static final double MIB = 1024.0 * 1024.0;

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
  // Derived numbers (shared with ConsoleTable)

  static Map<String, Long> snapshotOf(CellResult c) {
    return c.snapshot() == null ? Map.of() : c.snapshot();
  }

  static boolean isOk(String key) {
    return key.startsWith("OK/");
  }

  static String verdictOf(String key) {
    int slash = key.indexOf('/');
    return slash < 0 ? key : key.substring(0, slash);
  }

  static String classOf(String key) {
    int slash = key.indexOf('/');
    return slash < 0 || slash == key.length() - 1 ? UNSPECIFIED : key.substring(slash + 1);
  }

  /** SNAPSHOT verdicts that were OK. */
  static long okCount(CellResult c) {
    return snapshotOf(c).entrySet().stream()
        .filter(e -> isOk(e.getKey()))
        .mapToLong(e -> nz(e.getValue()))
        .sum();
  }

  /**
   * SNAPSHOT violations: every verdict key not starting with "OK/", as {@link
   * CellResult#violations()}, but tolerating a null map or null counts.
   */
  static long violations(CellResult c) {
    return snapshotOf(c).entrySet().stream()
        .filter(e -> !isOk(e.getKey()))
        .mapToLong(e -> nz(e.getValue()))
        .sum();
  }

  /** Violations (every non-OK verdict) per failure class, in class order. */
  static Map<String, Long> byClass(CellResult c) {
    Map<String, Long> out = new TreeMap<>(CLASS_COMPARATOR);
    snapshotOf(c).forEach(
        (k, v) -> {
          if (!isOk(k)) {
            out.merge(classOf(k), nz(v), Long::sum);
          }
        });
    return out;
  }

  /** Verdict totals: always "OK" and "VIOLATED", then any other verdict name seen. */
  static Map<String, Long> byVerdict(CellResult c) {
    Map<String, Long> out = new LinkedHashMap<>();
    out.put("OK", okCount(c));
    out.put("VIOLATED", 0L);
    Map<String, Long> rest = new TreeMap<>();
    snapshotOf(c).forEach(
        (k, v) -> {
          if (!isOk(k)) {
            rest.merge(verdictOf(k), nz(v), Long::sum);
          }
        });
    rest.forEach((k, v) -> out.merge(k, v, Long::sum));
    return out;
  }

  /** Failure classes with a non-zero count in at least one cell, in class order. */
  static List<String> classesPresent(List<CellResult> cells) {
    Set<String> set = new TreeSet<>(CLASS_COMPARATOR);
    for (CellResult c : cells) {
      byClass(c).forEach(
          (k, v) -> {
            if (v > 0) {
              set.add(k);
            }
          });
    }
    return List.copyOf(set);
  }

  static double corruptionRate(CellResult c) {
    return c.verdicts() <= 0 ? 0 : (double) violations(c) / c.verdicts();
  }

  static double[] corruptionCi(CellResult c) {
    long v = violations(c);
    long n = c.verdicts();
    if (n <= 0) {
      return new double[] {0, 0};
    }
    // Guard against inconsistent inputs (violations > verdicts) rather than failing the report.
    return Wilson.interval(Math.min(Math.max(v, 0), n), n);
  }

  /** "12.3% [11.1, 13.6]" (percent, Wilson 95%), or "n/a" without verdicts. */
  static String rateWithCi(CellResult c) {
    if (c.verdicts() <= 0) {
      return "n/a";
    }
    double rate = corruptionRate(c);
    double[] ci = corruptionCi(c);
    int decimals = ci[1] >= 0.01 ? 1 : 2;
    String f = "%." + decimals + "f";
    return String.format(
        Locale.ROOT, f + "%% [" + f + ", " + f + "]", rate * 100, ci[0] * 100, ci[1] * 100);
  }

  static double mibPerSecond(CellResult c) {
    return c.activeSeconds() <= 0 ? 0 : c.bytesDelivered() / MIB / c.activeSeconds();
  }

  static double copiedPerDelivered(CellResult c) {
    return c.bytesDelivered() <= 0 ? 0 : (double) c.bytesCopied() / c.bytesDelivered();
  }

  /**
   * A short label per cell: the strategy, plus each other dimension (sender mode, fault profile,
   * workload) that varies across the run, plus "#cell" if labels still collide.
   */
  static List<String> labels(List<CellResult> cells) {
    List<Function<CellResult, String>> dims =
        List.of(
            CellResult::senderMode, CellResult::faultProfile, CellResult::workload);
    List<String> out = new ArrayList<>();
    for (CellResult c : cells) {
      StringBuilder sb = new StringBuilder(str(c.strategy()));
      for (Function<CellResult, String> d : dims) {
        if (varies(cells, d)) {
          sb.append(" / ").append(str(d.apply(c)));
        }
      }
      out.add(sb.toString());
    }
    Map<String, Long> counts = new HashMap<>();
    out.forEach(l -> counts.merge(l, 1L, Long::sum));
    for (int i = 0; i < out.size(); i++) {
      if (counts.get(out.get(i)) > 1) {
        out.set(i, out.get(i) + " #" + cells.get(i).cell());
      }
    }
    return out;
  }

  static boolean varies(List<CellResult> cells, Function<CellResult, String> dim) {
    return cells.stream().map(c -> str(dim.apply(c))).distinct().count() > 1;
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

  private static Map<String, Object> cellJson(CellResult c) {
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

    Map<String, Object> snapshot = new LinkedHashMap<>(byVerdict(c));
    snapshot.put("by_class", byClass(c));
    m.put("snapshot", snapshot);
    m.put("violations", violations(c));
    m.put("corruption_rate", corruptionRate(c));
    double[] ci = corruptionCi(c);
    m.put("corruption_rate_ci95", List.of(ci[0], ci[1]));
    m.put("wrong_bytes", sorted(c.wrongBytes(), CLASS_COMPARATOR));

    Map<String, Object> costs = new LinkedHashMap<>();
    costs.put("bytes_copied", c.bytesCopied());
    costs.put("bytes_copied_per_delivered_byte", copiedPerDelivered(c));
    costs.put("retransmissions", c.retransmissions());
    costs.put("checksum_rejects", c.checksumRejects());
    costs.put("peak_pinned_bytes", c.peakPinnedBytes());
    m.put("costs", costs);

    Map<String, Object> mutations = new LinkedHashMap<>();
    mutations.put("total", c.mutations());
    mutations.put("by_kind", sorted(c.mutationsByKind(), Comparator.naturalOrder()));
    m.put("mutations", mutations);

    Map<String, Object> throughput = new LinkedHashMap<>();
    throughput.put("transfers_per_second", finite(c.transfersPerSecond()));
    throughput.put("delivered_bytes", c.bytesDelivered());
    throughput.put("delivered_mib_per_second", finite(mibPerSecond(c)));
    throughput.put("active_seconds", finite(c.activeSeconds()));
    m.put("throughput", throughput);

    Map<String, Object> latency = new LinkedHashMap<>();
    latency.put("p50", c.latencyP50Micros());
    latency.put("p99", c.latencyP99Micros());
    latency.put("max", c.latencyMaxMicros());
    m.put("latency_us", latency);
    return m;
  }

  static String witnessesJsonl(RunReport r) {
    StringBuilder sb = new StringBuilder();
    for (CellResult c : r.cells()) {
      for (WitnessView w : witnessesOf(c)) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cell", c.cell());
        m.put("strategy", c.strategy());
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
      main { max-width: 1500px; margin: 0 auto; padding: 24px 32px 48px; }
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
      table.results { border-collapse: collapse; font-size: .85rem; min-width: 100%; }
      table.results th, table.results td { padding: .4rem .65rem; white-space: nowrap;
        border-bottom: 1px solid #e4e8ec; }
      table.results thead th { background: #f6f8fa; text-align: left; vertical-align: bottom;
        font-weight: 600; border-bottom: 1px solid #d0d7de; }
      table.results th.num, table.results td.num { text-align: right;
        font-variant-numeric: tabular-nums; }
      table.results th.class { font-size: .75rem; }
      table.results td.center { text-align: center; }
      table.results tbody tr:nth-child(even) { background: #f6f8fa; }
      table.results tbody tr:hover { background: #eaeef2; }
      table.results tbody tr:last-child td { border-bottom: none; }
      .ok { color: #1a7f37; font-weight: 600; }
      .bad { color: #cf222e; font-weight: 600; }
      .muted { color: #57606a; }
      .zero { color: #8c959f; }
      .note { font-size: .85rem; color: #57606a; margin: .6rem 0 0; }
      .plots { display: flex; flex-wrap: wrap; gap: 1.5rem; }
      figure { margin: 0; flex: 1 1 560px; max-width: 900px; }
      figure img { width: 100%; height: auto; border: 1px solid #d0d7de; border-radius: 6px; }
      figcaption { color: #57606a; font-size: .85rem; margin-top: .3rem; }
      .plot-error { flex: 1 1 560px; border: 1px dashed #cf222e; background: #fff5f5;
        color: #82071e; border-radius: 6px; padding: 1rem; }
      .plot-error pre { white-space: pre-wrap; margin: .5rem 0 0; }
      .witness { border: 1px solid #d0d7de; border-radius: 6px; margin: .6rem 0; overflow: hidden; }
      .witness h4 { margin: 0; padding: .35rem .75rem; background: #f6f8fa; font-size: .85rem;
        font-weight: 600; border-bottom: 1px solid #d0d7de; }
      .witness h4 .cls { color: #cf222e; }
      ol.timeline { margin: 0; padding: .5rem .75rem .5rem 3.2rem; background: #fcfcfd;
        font-family: ui-monospace, SFMono-Regular, "DejaVu Sans Mono", Menlo, Consolas,
          "Liberation Mono", monospace; font-size: .78rem; }
      ol.timeline li { white-space: pre-wrap; word-break: break-word; padding: .05rem 0; }
      ol.timeline li::marker { color: #8c959f; }
      footer { margin-top: 2.5rem; font-size: .8rem; color: #57606a; }
      """;

  static String html(RunReport r) {
    List<CellResult> cells = r.cells();
    List<String> labels = labels(cells);
    List<String> classes = classesPresent(cells);
    boolean showProfile = varies(cells, CellResult::faultProfile);
    boolean showWorkload = varies(cells, CellResult::workload);

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
    h.append("<nav><a href=\"#results\">Results</a><a href=\"#plots\">Plots</a>")
        .append("<a href=\"#witnesses\">Witnesses</a></nav>\n<dl class=\"meta\">\n");
    meta(h, "Run id", "<code>" + esc(r.runId()) + "</code>");
    meta(h, "Seed", "<code>" + r.seed() + "</code>");
    meta(h, "Started", esc(r.startedAt() == null ? "?" : r.startedAt().toString()));
    meta(h, "Wall time", esc(duration(r.wallSeconds())));
    meta(h, "Kafka", esc(r.kafkaBootstrap()));
    meta(h, "Java", esc(r.javaVersion()));
    meta(h, "Host", esc(r.hostInfo()));
    if (!cells.isEmpty() && !showProfile) {
      meta(h, "Fault profile", esc(cells.get(0).faultProfile()));
    }
    if (!cells.isEmpty() && !showWorkload) {
      meta(h, "Workload", esc(cells.get(0).workload()));
    }
    meta(h, "Cells", String.valueOf(cells.size()));
    h.append("</dl>\n</header>\n");

    // Result table.
    h.append("<section id=\"results\">\n<h2>Results</h2>\n");
    if (cells.isEmpty()) {
      h.append("<p class=\"muted\">No cells were run.</p>\n");
    } else {
      resultTable(h, cells, classes, showProfile, showWorkload);
    }
    h.append("<p class=\"note\">Corruption rate: SNAPSHOT violations / verdicts, with the Wilson ")
        .append("score 95% interval. &#10003; means every transfer seen by the checker got a ")
        .append("verdict (hover for the sender's own count). Class columns count SNAPSHOT ")
        .append("violations by failure class.</p>\n</section>\n");

    // Plots.
    h.append("<section id=\"plots\">\n<h2>Plots</h2>\n<div class=\"plots\">\n");
    if (cells.isEmpty()) {
      h.append("<p class=\"muted\">Nothing to plot.</p>\n");
    } else {
      h.append(
          plotBlock(
              "SNAPSHOT violation rate by failure class",
              "Percent of verdicts per cell, stacked by failure class.",
              () -> violationChart(cells, labels, classes)));
      h.append(
          plotBlock(
              "Cost vs corruption",
              "Bytes copied per delivered byte against the corruption rate; whiskers are the "
                  + "Wilson 95% interval. One point per cell.",
              () -> costChart(cells, labels)));
      h.append(
          plotBlock(
              "Transfer latency",
              "Transfer latency p50 and p99 per cell, microseconds.",
              () -> latencyChart(cells, labels)));
    }
    h.append("</div>\n</section>\n");

    // Witnesses.
    h.append("<section id=\"witnesses\">\n<h2>Witnesses</h2>\n")
        .append("<p class=\"note\">Up to ")
        .append(WITNESSES_PER_CLASS)
        .append(" witnesses per cell and failure class: the ordered events that produced the ")
        .append("failed transfer. All of them are in <code>witnesses.jsonl</code>.</p>\n");
    for (int i = 0; i < cells.size(); i++) {
      witnessSection(h, cells.get(i), labels.get(i));
    }
    h.append("</section>\n");

    h.append("<footer>Written by the splicelab launcher. Numbers: <code>summary.json</code>; ")
        .append("witnesses: <code>witnesses.jsonl</code>.</footer>\n")
        .append("</main>\n</body>\n</html>\n");
    return h.toString();
  }

  private static void meta(StringBuilder h, String name, String valueHtml) {
    h.append("<dt>").append(esc(name)).append("</dt><dd>").append(valueHtml).append("</dd>\n");
  }

  private static void resultTable(
      StringBuilder h,
      List<CellResult> cells,
      List<String> classes,
      boolean showProfile,
      boolean showWorkload) {
    h.append("<div class=\"table-wrap\">\n<table class=\"results\">\n<thead><tr>")
        .append("<th class=\"num\">#</th><th>strategy</th><th>sender mode</th>");
    if (showProfile) {
      h.append("<th>fault profile</th>");
    }
    if (showWorkload) {
      h.append("<th>workload</th>");
    }
    h.append("<th class=\"num\">transfers</th>")
        .append("<th title=\"every transfer seen by the checker got exactly one verdict\">")
        .append("verdicts = transfers</th>")
        .append("<th class=\"num\">OK</th><th class=\"num\">violations</th>");
    for (String cls : classes) {
      h.append("<th class=\"num class\">").append(esc(cls)).append("</th>");
    }
    h.append("<th class=\"num\">corruption rate [95% CI]</th>")
        .append("<th class=\"num\">bytes copied</th>")
        .append("<th class=\"num\">retransmits</th>")
        .append("<th class=\"num\">checksum rejects</th>")
        .append("<th class=\"num\">transfers/s</th>")
        .append("<th class=\"num\">MiB/s</th>")
        .append("<th class=\"num\">p50 &micro;s</th>")
        .append("<th class=\"num\">p99 &micro;s</th>")
        .append("</tr></thead>\n<tbody>\n");
    for (CellResult c : cells) {
      Map<String, Long> byClass = byClass(c);
      long violations = violations(c);
      h.append("<tr>");
      td(h, "num", String.valueOf(c.cell()));
      td(h, "", esc(c.strategy()));
      td(h, "", esc(c.senderMode()));
      if (showProfile) {
        td(h, "", esc(c.faultProfile()));
      }
      if (showWorkload) {
        td(h, "", esc(c.workload()));
      }
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
      td(h, "num", count(okCount(c)));
      td(h, violations > 0 ? "num bad" : "num", count(violations));
      for (String cls : classes) {
        long n = byClass.getOrDefault(cls, 0L);
        td(h, n > 0 ? "num" : "num zero", count(n));
      }
      td(h, violations > 0 ? "num bad" : "num", esc(rateWithCi(c)));
      td(h, "num", count(c.bytesCopied()));
      td(h, "num", count(c.retransmissions()));
      td(h, "num", count(c.checksumRejects()));
      td(h, "num", String.format(Locale.ROOT, "%,.1f", c.transfersPerSecond()));
      td(h, "num", String.format(Locale.ROOT, "%,.2f", mibPerSecond(c)));
      td(h, "num", count(c.latencyP50Micros()));
      td(h, "num", count(c.latencyP99Micros()));
      h.append("</tr>\n");
    }
    h.append("</tbody>\n</table>\n</div>\n");
  }

  private static void td(StringBuilder h, String cls, String html) {
    h.append(cls.isEmpty() ? "<td>" : "<td class=\"" + cls + "\">").append(html).append("</td>");
  }

  private static void witnessSection(StringBuilder h, CellResult c, String label) {
    h.append("<h3>Cell ").append(c.cell()).append(" &mdash; ").append(esc(label)).append("</h3>\n");
    Map<String, List<WitnessView>> byClass = new TreeMap<>(CLASS_COMPARATOR);
    for (WitnessView w : witnessesOf(c)) {
      String cls = w.failureClass() == null || w.failureClass().isBlank()
          ? UNSPECIFIED
          : w.failureClass();
      byClass.computeIfAbsent(cls, k -> new ArrayList<>()).add(w);
    }
    if (byClass.isEmpty()) {
      long v = violations(c);
      h.append("<p class=\"muted\">")
          .append(
              v > 0
                  ? "No witness recorded for " + count(v) + " violations."
                  : "No failed transfers.")
          .append("</p>\n");
      return;
    }
    for (Map.Entry<String, List<WitnessView>> e : byClass.entrySet()) {
      List<WitnessView> ws = e.getValue();
      for (WitnessView w : ws.subList(0, Math.min(WITNESSES_PER_CLASS, ws.size()))) {
        h.append("<div class=\"witness\">\n<h4>transfer <code>")
            .append(esc(w.transferId()))
            .append("</code> &mdash; <span class=\"cls\">")
            .append(esc(e.getKey()))
            .append("</span>");
        if (w.verdict() != null && !w.verdict().isBlank()) {
          h.append(" <span class=\"muted\">(").append(esc(w.verdict())).append(")</span>");
        }
        h.append("</h4>\n<ol class=\"timeline\">\n");
        List<String> events = w.events() == null ? List.of() : w.events();
        for (String ev : events) {
          h.append("<li>").append(esc(ev)).append("</li>\n");
        }
        if (events.isEmpty()) {
          h.append("<li class=\"muted\">(no events recorded)</li>\n");
        }
        h.append("</ol>\n</div>\n");
      }
      if (ws.size() > WITNESSES_PER_CLASS) {
        h.append("<p class=\"note\">")
            .append(ws.size() - WITNESSES_PER_CLASS)
            .append(" more ")
            .append(esc(e.getKey()))
            .append(" witnesses in <code>witnesses.jsonl</code>.</p>\n");
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Plots

  /**
   * A figure with the chart as an inline PNG, or, when rendering fails (no fonts, no AWT, ...), a
   * visible note with the exception in its place.
   */
  static String plotBlock(String title, String caption, Callable<Chart<?, ?>> chart) {
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
          + "&rdquo; could not be rendered.</strong> The table above has the same numbers."
          + "<pre>"
          + esc(t.getClass().getName() + ": " + t.getMessage())
          + "</pre></div>\n";
    }
  }

  private static Color classColor(String cls, int fallbackIndex) {
    return switch (cls) {
      case "NEWER_VERSION" -> new Color(0xE6, 0x8A, 0x00);
      case "TORN" -> new Color(0x82, 0x50, 0xDF);
      case "ZEROED" -> new Color(0xCF, 0x22, 0x2E);
      case "CHECKSUM_MISMATCH" -> new Color(0x1B, 0x9E, 0x9E);
      case "MAC_FAILURE" -> new Color(0x8B, 0x57, 0x2A);
      case "RETRANSMIT_DIVERGENCE" -> new Color(0xD6, 0x4F, 0x9A);
      case "LOST" -> new Color(0x6E, 0x77, 0x81);
      default -> palette(fallbackIndex);
    };
  }

  private static final int[] PALETTE = {
    0x0969DA, 0x1A7F37, 0xBF8700, 0x8250DF, 0xCF222E, 0x1B9E9E, 0x6E7781, 0xD64F9A, 0x8B572A,
    0x54AEFF
  };

  /** Marker shape: circles for the first palette round, then other shapes. */
  private static Marker marker(int i) {
    return switch ((i / PALETTE.length) % 4) {
      case 0 -> SeriesMarkers.CIRCLE;
      case 1 -> SeriesMarkers.DIAMOND;
      case 2 -> SeriesMarkers.SQUARE;
      default -> SeriesMarkers.TRIANGLE_UP;
    };
  }

  private static Color palette(int i) {
    return new Color(PALETTE[Math.floorMod(i, PALETTE.length)]);
  }

  private static void commonStyle(AxesChartStyler s) {
    s.setChartBackgroundColor(Color.WHITE);
    s.setPlotBackgroundColor(Color.WHITE);
    s.setPlotBorderVisible(false);
    s.setPlotGridLinesColor(new Color(0xE4, 0xE8, 0xEC));
    s.setPlotGridVerticalLinesVisible(false);
    s.setLegendBorderColor(Color.WHITE);
    s.setChartFontColor(new Color(0x1F, 0x23, 0x28));
    s.setAxisTickLabelsColor(new Color(0x57, 0x60, 0x6A));
    s.setAntiAlias(true);
    s.setLocale(Locale.ROOT);
  }

  private static final int CHART_WIDTH = 860;
  private static final int CHART_HEIGHT = 440;

  /**
   * A category chart whose x labels stay readable: horizontal when they fit, else rotated 45
   * degrees, ending at their tick, with the chart made taller and the left margin wider so that
   * no label is cut off (XChart drops labels that would start left of the chart).
   */
  private static CategoryChart categoryChart(String title, String yTitle, List<String> labels) {
    double charPx = 6.6; // bold tick label font, about 6.5 px per character
    double plotPx = CHART_WIDTH - 260.0; // minus y axis and the legend outside on the right
    double slot = plotPx / Math.max(1, labels.size());
    double widest = labels.stream().mapToInt(String::length).max().orElse(0) * charPx;
    boolean rotate = widest > slot * 0.92;
    double diagonal = rotate ? (widest + 14) * Math.sqrt(0.5) : 0;
    CategoryChart chart =
        new CategoryChartBuilder()
            .width(CHART_WIDTH)
            .height(CHART_HEIGHT + (int) Math.round(diagonal))
            .title(title)
            .xAxisTitle("")
            .yAxisTitle(yTitle)
            .build();
    commonStyle(chart.getStyler());
    if (rotate) {
      chart.getStyler().setXAxisLabelRotation(45);
      chart.getStyler().setXAxisLabelAlignment(
          TextAlignment.Right);
      // The first label's left end must stay inside the chart.
      int leftHint = (int) Math.ceil(diagonal - slot / 2 + 8);
      if (leftHint > 60) {
        chart.getStyler().setYAxisLeftWidthHint(leftHint);
      }
    }
    return chart;
  }

  static CategoryChart violationChart(
      List<CellResult> cells, List<String> labels, List<String> classes) {
    CategoryChart chart =
        categoryChart("SNAPSHOT violations by failure class", "% of verdicts", labels);
    chart.getStyler().setStacked(true);
    chart.getStyler().setLegendPosition(LegendPosition.OutsideE);
    chart.getStyler().setYAxisDecimalPattern("0.##");
    chart.getStyler().setYAxisMin(0.0);
    chart.getStyler().setAvailableSpaceFill(0.6);
    double maxTotal = 0;
    for (CellResult c : cells) {
      maxTotal = Math.max(maxTotal, corruptionRate(c) * 100);
    }
    if (maxTotal <= 0) {
      chart.getStyler().setYAxisMax(1.0); // nothing failed: keep a readable, non-degenerate axis
    }
    if (classes.isEmpty()) {
      List<Double> zeros = cells.stream().map(c -> 0.0).toList();
      chart.addSeries("no violations", labels, zeros).setFillColor(palette(1));
      return chart;
    }
    int i = 0;
    for (String cls : classes) {
      List<Double> ys = new ArrayList<>();
      for (CellResult c : cells) {
        long n = byClass(c).getOrDefault(cls, 0L);
        ys.add(c.verdicts() <= 0 ? 0.0 : 100.0 * n / c.verdicts());
      }
      CategorySeries s = chart.addSeries(cls, labels, ys);
      s.setFillColor(classColor(cls, i++));
    }
    return chart;
  }

  static XYChart costChart(List<CellResult> cells, List<String> labels) {
    List<String> names = new ArrayList<>();
    Set<String> used = new LinkedHashSet<>();
    for (int i = 0; i < cells.size(); i++) {
      names.add(uniqueName("#" + cells.get(i).cell() + " " + labels.get(i), used));
    }
    XYChart chart =
        new XYChartBuilder()
            .width(CHART_WIDTH)
            .height(CHART_HEIGHT)
            .title("Cost vs corruption")
            .xAxisTitle("bytes copied per delivered byte")
            .yAxisTitle("corruption rate, %")
            .build();
    commonStyle(chart.getStyler());
    chart.getStyler().setPlotGridVerticalLinesVisible(true);
    chart.getStyler().setLegendPosition(LegendPosition.OutsideE);
    chart.getStyler().setMarkerSize(11);
    chart.getStyler().setXAxisDecimalPattern("0.##");
    chart.getStyler().setYAxisDecimalPattern("0.##");
    chart.getStyler().setAnnotationTextFontColor(new Color(0x1F, 0x23, 0x28));

    double maxX = 0;
    double maxY = 0;
    for (CellResult c : cells) {
      maxX = Math.max(maxX, copiedPerDelivered(c));
      maxY = Math.max(maxY, corruptionCi(c)[1] * 100);
    }
    // Explicit ranges: no degenerate axis when all points coincide, and some room around the
    // points for their labels.
    double dx = Math.max(1.0, maxX);
    double xMin = -dx * 0.12;
    double xMax = dx * 1.12;
    double yMax = Math.max(1.0, maxY) * 1.2;
    chart.getStyler().setXAxisMin(xMin);
    chart.getStyler().setXAxisMax(xMax);
    chart.getStyler().setYAxisMin(0.0);
    chart.getStyler().setYAxisMax(yMax);

    // Approximate plot area in pixels, to keep point labels from overlapping each other.
    int longestName = names.stream().mapToInt(String::length).max().orElse(0);
    double plotW = CHART_WIDTH - 95 - (longestName * 6.3 + 55);
    double plotH = CHART_HEIGHT - 100;
    Labeler labeler = new Labeler(plotW, plotH, xMin, xMax, 0, yMax);
    for (CellResult c : cells) {
      labeler.addObstacle(copiedPerDelivered(c), corruptionRate(c) * 100, 14, 14);
    }

    for (int i = 0; i < cells.size(); i++) {
      CellResult c = cells.get(i);
      double x = copiedPerDelivered(c);
      double y = corruptionRate(c) * 100;
      double[] ci = corruptionCi(c);
      Color color = palette(i);
      XYSeries point = chart.addSeries(names.get(i), new double[] {x}, new double[] {y});
      point.setXYSeriesRenderStyle(XYSeriesRenderStyle.Scatter);
      point.setMarker(marker(i));
      point.setMarkerColor(color);
      if (ci[1] > ci[0]) {
        XYSeries whisker =
            chart.addSeries(
                uniqueName(names.get(i) + " CI", used),
                new double[] {x, x},
                new double[] {ci[0] * 100, ci[1] * 100});
        whisker.setXYSeriesRenderStyle(XYSeriesRenderStyle.Line);
        whisker.setMarker(SeriesMarkers.NONE);
        whisker.setLineColor(color);
        whisker.setLineWidth(2f);
        whisker.setShowInLegend(false);
      }
      // Name the point on the plot where there is room (full label, else "#cell"); the legend
      // names every point anyway.
      double[] at =
          labeler.place(labels.get(i), x, y, ci[0] * 100, ci[1] * 100);
      String text = labels.get(i);
      if (at == null) {
        text = "#" + c.cell();
        at = labeler.place(text, x, y, ci[0] * 100, ci[1] * 100);
      }
      if (at != null) {
        chart.addAnnotation(new AnnotationText(text, at[0], at[1], false));
      }
    }
    return chart;
  }

  /** Greedy placement of point labels on a plot, in estimated pixel coordinates. */
  private static final class Labeler {
    private static final double CHAR_PX = 6.3;
    private static final double LINE_PX = 14;
    private final double w;
    private final double h;
    private final double x0;
    private final double x1;
    private final double y0;
    private final double y1;
    private final List<double[]> taken = new ArrayList<>(); // {left, bottom, right, top}

    Labeler(double w, double h, double x0, double x1, double y0, double y1) {
      this.w = w;
      this.h = h;
      this.x0 = x0;
      this.x1 = x1;
      this.y0 = y0;
      this.y1 = y1;
    }

    private double px(double x) {
      return (x - x0) / (x1 - x0) * w;
    }

    private double py(double y) {
      return (y - y0) / (y1 - y0) * h;
    }

    void addObstacle(double x, double y, double bw, double bh) {
      double u = px(x);
      double v = py(y);
      taken.add(new double[] {u - bw / 2, v - bh / 2, u + bw / 2, v + bh / 2});
    }

    /** Data coordinates of the label's centre, or null if it fits nowhere near the point. */
    double[] place(String text, double x, double y, double ciLow, double ciHigh) {
      double bw = text.length() * CHAR_PX + 6;
      double u = px(x);
      double v = py(y);
      double top = Math.max(v, py(ciHigh)) + 6 + LINE_PX / 2;
      double bottom = Math.min(v, py(ciLow)) - 6 - LINE_PX / 2;
      double[][] candidates = {
        {u, top}, {u + bw / 2 + 10, v}, {u - bw / 2 - 10, v}, {u, bottom},
      };
      for (double[] cand : candidates) {
        double[] box = {
          cand[0] - bw / 2, cand[1] - LINE_PX / 2, cand[0] + bw / 2, cand[1] + LINE_PX / 2
        };
        if (box[0] < 0 || box[2] > w || box[1] < 0 || box[3] > h) {
          continue;
        }
        boolean free = true;
        for (double[] t : taken) {
          if (box[0] < t[2] && t[0] < box[2] && box[1] < t[3] && t[1] < box[3]) {
            free = false;
            break;
          }
        }
        if (free) {
          taken.add(box);
          return new double[] {
            x0 + cand[0] / w * (x1 - x0), y0 + cand[1] / h * (y1 - y0)
          };
        }
      }
      return null;
    }
  }

  static CategoryChart latencyChart(List<CellResult> cells, List<String> labels) {
    CategoryChart chart = categoryChart("Transfer latency", "microseconds", labels);
    chart.getStyler().setLegendPosition(LegendPosition.OutsideE);
    chart.getStyler().setYAxisMin(0.0);
    chart.getStyler().setYAxisDecimalPattern("#,##0");
    chart.getStyler().setAvailableSpaceFill(0.7);
    boolean any =
        cells.stream().anyMatch(c -> c.latencyP99Micros() > 0 || c.latencyP50Micros() > 0);
    if (!any) {
      chart.getStyler().setYAxisMax(1.0);
    }
    List<Double> p50 = cells.stream().map(c -> (double) c.latencyP50Micros()).toList();
    List<Double> p99 = cells.stream().map(c -> (double) c.latencyP99Micros()).toList();
    chart.addSeries("p50", labels, p50).setFillColor(new Color(0x54, 0xAE, 0xFF));
    chart.addSeries("p99", labels, p99).setFillColor(new Color(0x09, 0x69, 0xDA));
    return chart;
  }

  private static String uniqueName(String base, Set<String> used) {
    String name = base;
    for (int k = 2; !used.add(name); k++) {
      name = base + " (" + k + ")";
    }
    return name;
  }

  // ---------------------------------------------------------------------------------------------
  // Small helpers

  static List<WitnessView> witnessesOf(CellResult c) {
    return c.witnesses() == null ? List.of() : c.witnesses();
  }

  /** HTML-escapes text for element content and quoted attribute values; null becomes "". */
  static String esc(String s) {
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

  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
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
      s += hours > 0
          ? String.format(Locale.ROOT, " (%dh %02dm %02ds)", hours, minutes, secs)
          : String.format(Locale.ROOT, " (%dm %02ds)", minutes, secs);
    }
    return s;
  }

  private static String str(String s) {
    return s == null ? "" : s;
  }

  private static long nz(Long v) {
    return v == null ? 0 : v;
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
