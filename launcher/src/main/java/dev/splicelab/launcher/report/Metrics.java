package dev.splicelab.launcher.report;

import dev.splicelab.launcher.report.CellResult.Costs;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Numbers derived from {@link CellResult}s, shared by {@link ReportWriter} and {@link
 * ConsoleTable}. Every method tolerates null maps, lists and counts in its input: a report is
 * written even from an incomplete cell.
 */
public final class Metrics {

  /** Consistency models in the order DESIGN.md section 6 lists them; others sort after, by name. */
  static final List<String> MODELS = List.of("SNAPSHOT", "WINDOW", "INTEGRITY");

  static final Comparator<String> MODEL_COMPARATOR = orderedBy(MODELS);

  /** Failure classes in the order DESIGN.md lists them; unknown classes sort after, by name. */
  static final List<String> CLASS_ORDER =
      List.of(
          "NEWER_VERSION",
          "TORN",
          "ZEROED",
          "CHECKSUM_MISMATCH",
          "MAC_FAILURE",
          "RETRANSMIT_DIVERGENCE",
          "LOST",
          "OLDER_VERSION");

  static final Comparator<String> CLASS_COMPARATOR = orderedBy(CLASS_ORDER);

  /** Class (or cause) name used for a key that lacks that part. */
  static final String UNSPECIFIED = "UNSPECIFIED";

  static final Costs NO_COSTS = new Costs(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

  private static final double MIB = 1024.0 * 1024.0;

  private Metrics() {}

  private static Comparator<String> orderedBy(List<String> order) {
    return Comparator.<String>comparingInt(
            c -> order.contains(c) ? order.indexOf(c) : order.size())
        .thenComparing(Comparator.naturalOrder());
  }

  // ---------------------------------------------------------------------------------------------
  // Verdicts per model

  /**
   * The model a cell is judged by: its {@code headlineModel}, or, when missing, WINDOW for
   * COMPLETION_AFTER_SNAPSHOT and SNAPSHOT otherwise (the rule the checker applies).
   */
  static String headlineModel(CellResult c) {
    String m = c.headlineModel();
    if (m != null && !m.isBlank()) {
      return m.strip();
    }
    return "COMPLETION_AFTER_SNAPSHOT".equals(c.strategy()) ? "WINDOW" : "SNAPSHOT";
  }

  static Map<String, Long> verdicts(CellResult c, String model) {
    if (c.verdictsByModel() == null) {
      return Map.of();
    }
    Map<String, Long> m = c.verdictsByModel().get(model);
    return m == null ? Map.of() : m;
  }

  /** Whether the checker reported any verdict of this model for the cell. */
  static boolean judged(CellResult c, String model) {
    return !verdicts(c, model).isEmpty();
  }

  static boolean isOk(String key) {
    return key != null && key.startsWith("OK/");
  }

  static String classOf(String key) {
    if (key == null) {
      return UNSPECIFIED;
    }
    int slash = key.indexOf('/');
    return slash < 0 || slash == key.length() - 1 ? UNSPECIFIED : key.substring(slash + 1);
  }

  static long ok(CellResult c, String model) {
    return verdicts(c, model).entrySet().stream()
        .filter(e -> isOk(e.getKey()))
        .mapToLong(e -> nz(e.getValue()))
        .sum();
  }

  /** Violations under a model: every verdict key not starting with "OK/" (as CellResult). */
  static long violated(CellResult c, String model) {
    return verdicts(c, model).entrySet().stream()
        .filter(e -> !isOk(e.getKey()))
        .mapToLong(e -> nz(e.getValue()))
        .sum();
  }

  /** Violations per failure class under a model, in class order. */
  static Map<String, Long> byClass(CellResult c, String model) {
    Map<String, Long> out = new TreeMap<>(CLASS_COMPARATOR);
    verdicts(c, model)
        .forEach(
            (k, v) -> {
              if (!isOk(k)) {
                out.merge(classOf(k), nz(v), Long::sum);
              }
            });
    return out;
  }

  /** {@link #byClass} for callers outside the report package. */
  public static Map<String, Long> byClassOf(CellResult c, String model) {
    return byClass(c, model);
  }

  /** The trials of a model's rate: the cell's verdicts. */
  static long trials(CellResult c) {
    return Math.max(0, c.verdicts());
  }

  /** Violations / verdicts, or null when the model was not judged or nothing was judged. */
  static Double rate(CellResult c, String model) {
    long n = trials(c);
    if (n == 0 || !judged(c, model)) {
      return null;
    }
    return (double) Math.min(violated(c, model), n) / n;
  }

  /** Wilson 95% interval of {@link #rate}, or null when the rate is. */
  static double[] ci(CellResult c, String model) {
    long n = trials(c);
    if (n == 0 || !judged(c, model)) {
      return null;
    }
    return wilson(violated(c, model), n);
  }

  /** Wilson 95% interval, clamping inconsistent counts rather than failing the report. */
  static double[] wilson(long violations, long trials) {
    if (trials <= 0) {
      return new double[] {0, 0};
    }
    return Wilson.interval(Math.min(Math.max(violations, 0), trials), trials);
  }

  /** "12.0% [10.1, 14.2]" (percent, Wilson 95%), or "n/a" without verdicts of that model. */
  static String rateWithCi(CellResult c, String model) {
    if (trials(c) == 0 || !judged(c, model)) {
      return "n/a";
    }
    return rateWithCi(violated(c, model), trials(c));
  }

  static String rateWithCi(long violations, long trials) {
    if (trials <= 0) {
      return "n/a";
    }
    long v = Math.min(Math.max(violations, 0), trials);
    double[] ci = wilson(v, trials);
    int decimals = ci[1] >= 0.01 ? 1 : ci[1] >= 0.0001 ? 2 : 3;
    String f = "%." + decimals + "f";
    return String.format(
        Locale.ROOT,
        f + "%% [" + f + ", " + f + "]",
        100.0 * v / trials,
        ci[0] * 100,
        ci[1] * 100);
  }

  /**
   * Models to show for a run: the three of DESIGN.md that any cell reports or is judged by, then
   * any other model reported; SNAPSHOT when there is nothing at all.
   */
  static List<String> modelsPresent(List<CellResult> cells) {
    Set<String> set = new TreeSet<>(MODEL_COMPARATOR);
    for (CellResult c : cells) {
      set.add(headlineModel(c));
      if (c.verdictsByModel() != null) {
        c.verdictsByModel()
            .forEach(
                (m, v) -> {
                  if (m != null && v != null && !v.isEmpty()) {
                    set.add(m);
                  }
                });
      }
    }
    if (set.isEmpty()) {
      set.add("SNAPSHOT");
    }
    return List.copyOf(set);
  }

  /** Every model for summary.json: the three of DESIGN.md, then any other the cell reports. */
  static List<String> modelsForJson(CellResult c) {
    Set<String> set = new TreeSet<>(MODEL_COMPARATOR);
    set.addAll(MODELS);
    set.add(headlineModel(c));
    if (c.verdictsByModel() != null) {
      c.verdictsByModel().keySet().stream().filter(m -> m != null).forEach(set::add);
    }
    return List.copyOf(set);
  }

  /** Failure classes with a non-zero count under each cell's headline model, in class order. */
  static List<String> headlineClassesPresent(List<CellResult> cells) {
    Set<String> set = new TreeSet<>(CLASS_COMPARATOR);
    for (CellResult c : cells) {
      byClass(c, headlineModel(c))
          .forEach(
              (k, v) -> {
                if (v > 0) {
                  set.add(k);
                }
              });
    }
    return List.copyOf(set);
  }

  /** Failure classes with a non-zero count under any model in any cell, in class order. */
  static List<String> classesOccurred(List<CellResult> cells) {
    Set<String> set = new TreeSet<>(CLASS_COMPARATOR);
    for (CellResult c : cells) {
      for (String m : modelsForJson(c)) {
        byClass(c, m)
            .forEach(
                (k, v) -> {
                  if (v > 0) {
                    set.add(k);
                  }
                });
      }
    }
    return List.copyOf(set);
  }

  // ---------------------------------------------------------------------------------------------
  // Causes

  /**
   * Violations per model, class and cause, parsed from the "MODEL/CLASS/CAUSE" keys (a cause
   * keeps its ":application" or ":foreign" suffix). Models, classes in their order; causes by
   * count, largest first, then by name.
   */
  static Map<String, Map<String, Map<String, Long>>> causes(CellResult c) {
    Map<String, Map<String, Map<String, Long>>> tmp = new TreeMap<>(MODEL_COMPARATOR);
    if (c.causes() != null) {
      c.causes()
          .forEach(
              (key, n) -> {
                if (key == null) {
                  return;
                }
                String[] p = key.split("/", 3);
                String model = p[0].isEmpty() ? UNSPECIFIED : p[0];
                String cls = p.length > 1 && !p[1].isEmpty() ? p[1] : UNSPECIFIED;
                String cause = p.length > 2 && !p[2].isEmpty() ? p[2] : UNSPECIFIED;
                tmp.computeIfAbsent(model, k -> new TreeMap<>(CLASS_COMPARATOR))
                    .computeIfAbsent(cls, k -> new HashMap<>())
                    .merge(cause, nz(n), Long::sum);
              });
    }
    Map<String, Map<String, Map<String, Long>>> out = new LinkedHashMap<>();
    tmp.forEach(
        (model, classes) -> {
          Map<String, Map<String, Long>> cm = new LinkedHashMap<>();
          classes.forEach((cls, byCause) -> cm.put(cls, sortedByCount(byCause)));
          out.put(model, cm);
        });
    return out;
  }

  /** Causes of violations of one model, per class. */
  static Map<String, Map<String, Long>> causes(CellResult c, String model) {
    return causes(c).getOrDefault(model, Map.of());
  }

  static Map<String, Long> sortedByCount(Map<String, Long> m) {
    Map<String, Long> out = new LinkedHashMap<>();
    m.entrySet().stream()
        .sorted(
            Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())
                .thenComparing(Map.Entry.comparingByKey()))
        .forEach(e -> out.put(e.getKey(), e.getValue()));
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Costs, latency, throughput

  static Costs costs(CellResult c) {
    return c.costs() == null ? NO_COSTS : c.costs();
  }

  static double copiedPerDelivered(CellResult c) {
    return c.bytesDelivered() <= 0 ? 0 : (double) costs(c).bytesCopied() / c.bytesDelivered();
  }

  /**
   * Extra work a strategy did that is not a byte copy: folio copies, write-protect faults,
   * confirm retries and retransmissions (the fallback x axis of the cost plot).
   */
  static long costEvents(Costs k) {
    return k.foliosCopied() + k.writeProtectFaults() + k.confirmRetries() + k.retransmissions();
  }

  static double mibPerSecond(CellResult c) {
    return c.activeSeconds() <= 0 ? 0 : c.bytesDelivered() / MIB / c.activeSeconds();
  }

  /** A percentile map in the order of {@link CellResult#PERCENTILES}, then any other key. */
  static Map<String, Long> percentiles(Map<String, Long> m) {
    Map<String, Long> out = new TreeMap<>(orderedBy(CellResult.PERCENTILES));
    if (m != null) {
      m.forEach(
          (k, v) -> {
            if (k != null) {
              out.put(k, nz(v));
            }
          });
    }
    return out;
  }

  static long pct(Map<String, Long> m, String key) {
    return m == null ? 0 : nz(m.get(key));
  }

  static List<Long> pinned(CellResult c) {
    return c.pinnedBytesSamples() == null ? List.of() : c.pinnedBytesSamples();
  }

  // ---------------------------------------------------------------------------------------------
  // Per strategy

  /** The five percentiles plotted (count is not a percentile). */
  static final List<String> PLOTTED_PERCENTILES = List.of("p50", "p90", "p99", "p999", "max");

  /**
   * A strategy's cells taken together. The rate is the headline violations over the verdicts of
   * the cells judged under their headline model; percentiles are the worst cell's (percentiles of
   * different cells cannot be merged exactly); pinned bytes the mean over the cells, second by
   * second.
   */
  record StrategyAgg(
      String strategy,
      List<String> headlineModels,
      int cells,
      long verdicts,
      long violated,
      Map<String, Long> byClass,
      long transfers,
      long bytesCopied,
      long bytesDelivered,
      long costEvents,
      Map<String, Long> writerStallMicros,
      Map<String, Long> latencyMicros,
      List<Double> pinnedMean) {

    double rate() {
      return verdicts <= 0 ? 0 : (double) Math.min(violated, verdicts) / verdicts;
    }

    double[] ci() {
      return wilson(violated, verdicts);
    }

    double copiedPerDelivered() {
      return bytesDelivered <= 0 ? 0 : (double) bytesCopied / bytesDelivered;
    }

    double costEventsPerKiloTransfer() {
      return transfers <= 0 ? 0 : 1000.0 * costEvents / transfers;
    }

    /** "SHARE", or "COMPLETION_AFTER_SNAPSHOT [WINDOW]" when not judged by SNAPSHOT. */
    String label() {
      return headlineModels.equals(List.of("SNAPSHOT"))
          ? strategy
          : strategy + " [" + String.join("+", headlineModels) + "]";
    }
  }

  /** One aggregate per strategy, in order of first appearance. */
  static List<StrategyAgg> byStrategy(List<CellResult> cells) {
    Map<String, List<CellResult>> groups = new LinkedHashMap<>();
    for (CellResult c : cells) {
      groups.computeIfAbsent(str(c.strategy()), k -> new ArrayList<>()).add(c);
    }
    List<StrategyAgg> out = new ArrayList<>();
    groups.forEach(
        (strategy, cs) -> {
          Set<String> models = new TreeSet<>(MODEL_COMPARATOR);
          long verdicts = 0;
          long violated = 0;
          long transfers = 0;
          long copied = 0;
          long delivered = 0;
          long events = 0;
          Map<String, Long> byClass = new TreeMap<>(CLASS_COMPARATOR);
          Map<String, Long> stall = new TreeMap<>(orderedBy(CellResult.PERCENTILES));
          Map<String, Long> latency = new TreeMap<>(orderedBy(CellResult.PERCENTILES));
          List<double[]> pinnedSums = new ArrayList<>(); // {sum, n} per second
          for (CellResult c : cs) {
            String m = headlineModel(c);
            models.add(m);
            if (judged(c, m)) {
              verdicts += trials(c);
              violated += Math.min(violated(c, m), trials(c));
              byClass(c, m).forEach((k, v) -> byClass.merge(k, v, Long::sum));
            }
            transfers += Math.max(0, c.transfers());
            Costs k = costs(c);
            copied += k.bytesCopied();
            delivered += Math.max(0, c.bytesDelivered());
            events += costEvents(k);
            percentiles(c.writerStallMicros()).forEach((p, v) -> stall.merge(p, v, Math::max));
            percentiles(c.latencyMicros()).forEach((p, v) -> latency.merge(p, v, Math::max));
            List<Long> samples = pinned(c);
            for (int i = 0; i < samples.size(); i++) {
              if (pinnedSums.size() <= i) {
                pinnedSums.add(new double[2]);
              }
              pinnedSums.get(i)[0] += nz(samples.get(i));
              pinnedSums.get(i)[1] += 1;
            }
          }
          List<Double> mean = pinnedSums.stream().map(s -> s[0] / s[1]).toList();
          out.add(
              new StrategyAgg(
                  strategy,
                  List.copyOf(models),
                  cs.size(),
                  verdicts,
                  violated,
                  byClass,
                  transfers,
                  copied,
                  delivered,
                  events,
                  stall,
                  latency,
                  mean));
        });
    return out;
  }

  /** The x axis of the cost-vs-corruption plot. */
  record CostAxis(String title, boolean bytesCopied) {
    double of(StrategyAgg a) {
      return bytesCopied ? a.copiedPerDelivered() : a.costEventsPerKiloTransfer();
    }
  }

  /**
   * Bytes copied per delivered byte when any strategy copied bytes; otherwise the other costs,
   * counted as events per 1,000 transfers.
   */
  static CostAxis costAxis(List<StrategyAgg> aggs) {
    boolean anyCopied = aggs.stream().anyMatch(a -> a.bytesCopied() > 0);
    return anyCopied
        ? new CostAxis("bytes copied per delivered byte", true)
        : new CostAxis(
            "folio copies + WP faults + confirm retries + retransmits per 1,000 transfers", false);
  }

  /** A line of the pinned-bytes plot. */
  record Line(String name, List<Double> ys) {}

  /** Lines of the pinned-bytes plot and what they stand for. */
  record PinnedLines(String per, List<Line> lines, int omitted) {}

  static final int MAX_PINNED_LINES = 12;

  /**
   * One line per cell when there are at most {@link #MAX_PINNED_LINES} cells with samples,
   * otherwise one per strategy (the mean over its cells); never more than {@link
   * #MAX_PINNED_LINES} lines: the ones with the highest peak are kept.
   */
  static PinnedLines pinnedLines(List<CellResult> cells, List<String> labels) {
    List<Line> perCell = new ArrayList<>();
    for (int i = 0; i < cells.size(); i++) {
      List<Long> s = pinned(cells.get(i));
      if (!s.isEmpty()) {
        perCell.add(new Line(labels.get(i), s.stream().map(v -> (double) nz(v)).toList()));
      }
    }
    String per = "cell";
    List<Line> lines = perCell;
    if (perCell.size() > MAX_PINNED_LINES) {
      per = "strategy";
      lines = new ArrayList<>();
      for (StrategyAgg a : byStrategy(cells)) {
        if (!a.pinnedMean().isEmpty()) {
          lines.add(new Line(a.strategy(), a.pinnedMean()));
        }
      }
    }
    int omitted = 0;
    if (lines.size() > MAX_PINNED_LINES) {
      omitted = lines.size() - MAX_PINNED_LINES;
      List<Line> keep =
          lines.stream()
              .sorted(
                  Comparator.comparingDouble(
                          (Line l) -> l.ys().stream().mapToDouble(Double::doubleValue).max().orElse(0))
                      .reversed())
              .limit(MAX_PINNED_LINES)
              .toList();
      lines = lines.stream().filter(keep::contains).toList();
    }
    return new PinnedLines(per, lines, omitted);
  }

  // ---------------------------------------------------------------------------------------------
  // Labels

  /**
   * A short label per cell: the strategy, plus each other dimension (sender mode, fault profile,
   * workload) that varies across the run, plus "#cell" if labels still collide.
   */
  static List<String> labels(List<CellResult> cells) {
    List<Function<CellResult, String>> dims =
        List.of(CellResult::senderMode, CellResult::faultProfile, CellResult::workload);
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
  // Small helpers

  /** A time scale as written: "4", "0.5". */
  public static String scale(double k) {
    return k == Math.rint(k) ? Long.toString((long) k) : Double.toString(k);
  }

  static String str(String s) {
    return s == null ? "" : s;
  }

  static long nz(Long v) {
    return v == null ? 0 : v;
  }

  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  /** "0 B", "512 B", "1.50 KiB", "12.3 MiB", "0.98 MiB" (binary units, at most 3 digits). */
  static String bytes(double n) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = n;
    int u = 0;
    while (Math.abs(v) >= 1000 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    if (u == 0) {
      return String.format(Locale.ROOT, "%.0f B", v);
    }
    return String.format(Locale.ROOT, Math.abs(v) >= 100 ? "%.0f %s" : Math.abs(v) >= 10 ? "%.1f %s" : "%.2f %s", v, units[u]);
  }
}
