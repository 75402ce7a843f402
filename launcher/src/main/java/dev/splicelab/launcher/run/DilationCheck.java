package dev.splicelab.launcher.run;

import dev.splicelab.launcher.report.CellResult;
import dev.splicelab.launcher.report.Metrics;
import dev.splicelab.launcher.report.Wilson;
import dev.splicelab.launcher.scenario.Scenario;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import tools.jackson.databind.json.JsonMapper;

/**
 * The run's test of itself (DESIGN section 8): multiplying every time constant by k and dividing
 * every rate by k leaves the race probabilities unchanged, so SHARE's corruption rate at the
 * scenario's time scale and at four times it must agree, unless the testbed's own overhead (which
 * does not dilate) biases the faster run. Both cells run in one fleet under one seed.
 *
 * <p>Agreement: the Newcombe (hybrid Wilson score) 95% interval of the difference of the two
 * SNAPSHOT violation rates contains 0. The per-class rates are shown beside it; the verdict rests
 * on the total rate alone (testing five classes at 95% each would call a fifth of identical runs
 * different).
 */
public final class DilationCheck {

  /** The factor between the two runs. */
  public static final double FACTOR = 4;

  private final Scenario base;

  private DilationCheck(Scenario base) {
    this.base = base;
  }

  /** SHARE under the scenario's first sender mode, fault profile and workload, at its own time scale. */
  public static DilationCheck of(Scenario sc) {
    return new DilationCheck(new Scenario(sc.name() + "-dilation", "Dilation check of " + sc.name() + ": SHARE at time_scale "
        + Metrics.scale(sc.timeScale()) + " and " + Metrics.scale(sc.timeScale() * FACTOR), sc.cellDuration(), List.of("SHARE"),
        List.of(sc.senderModes().get(0)), List.of(sc.faultProfiles().get(0)), List.of(sc.workloads().get(0)), sc.file(),
        sc.transfers(), sc.stablePages(), sc.faults(), sc.timeScale()));
  }

  /** The scenario of the first run (the second is the same at {@link #FACTOR} times its scale). */
  public Scenario scenario() {
    return base;
  }

  /** Runs both cells: cell 0 at the base scale (after the warm-up), cell 1 at FACTOR times it. */
  public List<CellResult> run(RunDriver driver, String runId, long seed, RunDriver.Warmup warmup) {
    List<CellResult> out = new ArrayList<>(driver.run(base, runId, seed, warmup, 0));
    out.addAll(driver.run(base.withTimeScale(base.timeScale() * FACTOR), runId, seed, RunDriver.Warmup.NONE, 1));
    return out;
  }

  /** One compared rate: a class (or "all"), both rates with their intervals, the difference's interval. */
  public record Row(String what, long n1, long x1, long n2, long x2, double[] ci1, double[] ci2, double[] diff, boolean agree) {}

  public record Result(double scale1, double scale2, List<Row> rows, boolean agree) {
    public String render() {
      StringBuilder b = new StringBuilder();
      b.append(String.format(Locale.ROOT, "dilation check: SHARE at time_scale %s and %s (SNAPSHOT violations)%n",
          Metrics.scale(scale1), Metrics.scale(scale2)));
      b.append(String.format(Locale.ROOT, "%-16s %22s %22s %24s  %s%n", "class", "x" + Metrics.scale(scale1) + " rate [95% CI]",
          "x" + Metrics.scale(scale2) + " rate [95% CI]", "difference [95% CI]", ""));
      for (Row r : rows) {
        b.append(String.format(Locale.ROOT, "%-16s %22s %22s %24s  %s%n", r.what(), pct(r.x1(), r.n1(), r.ci1()),
            pct(r.x2(), r.n2(), r.ci2()), String.format(Locale.ROOT, "%+.2f [%+.2f, %+.2f]", 100 * (rate(r.x1(), r.n1())
                - rate(r.x2(), r.n2())), 100 * r.diff()[0], 100 * r.diff()[1]), r.agree() ? "agree" : "DIFFER"));
      }
      b.append(agree ? "the rates agree: the testbed's overhead does not bias this scenario's SHARE rate\n"
          : "the rates DIFFER: the testbed's own timing biases the result at time_scale " + Metrics.scale(scale1)
              + "; run the scenario at a larger time_scale\n");
      return b.toString();
    }
  }

  /** Compares the two cells {@link #run} made. */
  public Result result(List<CellResult> cells) {
    if (cells.size() != 2) {
      throw new IllegalStateException("dilation check: expected its 2 cells (scale 1 and 4), got " + cells.size());
    }
    CellResult a = cells.get(0);
    CellResult b = cells.get(1);
    List<Row> rows = new ArrayList<>();
    rows.add(row("all", a.verdicts(), a.violations(), b.verdicts(), b.violations()));
    TreeSet<String> classes = new TreeSet<>();
    classes.addAll(Metrics.byClassOf(a, "SNAPSHOT").keySet());
    classes.addAll(Metrics.byClassOf(b, "SNAPSHOT").keySet());
    for (String c : classes) {
      rows.add(row(c, a.verdicts(), Metrics.byClassOf(a, "SNAPSHOT").getOrDefault(c, 0L), b.verdicts(),
          Metrics.byClassOf(b, "SNAPSHOT").getOrDefault(c, 0L)));
    }
    // two empty cells agree on nothing: a check that judged no transfer fails
    boolean judged = a.verdicts() > 0 && b.verdicts() > 0;
    return new Result(a.timing().timeScale(), b.timing().timeScale(), rows, judged && rows.get(0).agree());
  }

  static Row row(String what, long n1, long x1, long n2, long x2) {
    double[] c1 = Wilson.interval(x1, n1);
    double[] c2 = Wilson.interval(x2, n2);
    double p1 = rate(x1, n1);
    double p2 = rate(x2, n2);
    double d = p1 - p2;
    double lo = d - Math.sqrt(sq(p1 - c1[0]) + sq(c2[1] - p2));
    double hi = d + Math.sqrt(sq(c1[1] - p1) + sq(p2 - c2[0]));
    return new Row(what, n1, x1, n2, x2, c1, c2, new double[] {lo, hi}, lo <= 0 && 0 <= hi);
  }

  /** dilation.json in the run directory. */
  public void write(Result r, Path runDir) throws IOException {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("time_scales", List.of(r.scale1(), r.scale2()));
    root.put("agree", r.agree());
    root.put("criterion", "the Newcombe 95% interval of the difference of the SNAPSHOT violation rates contains 0");
    List<Object> rows = new ArrayList<>();
    for (Row x : r.rows()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("class", x.what());
      m.put("transfers", List.of(x.n1(), x.n2()));
      m.put("violations", List.of(x.x1(), x.x2()));
      m.put("rates", List.of(rate(x.x1(), x.n1()), rate(x.x2(), x.n2())));
      m.put("ci95", List.of(List.of(x.ci1()[0], x.ci1()[1]), List.of(x.ci2()[0], x.ci2()[1])));
      m.put("difference_ci95", List.of(x.diff()[0], x.diff()[1]));
      m.put("agree", x.agree());
      rows.add(m);
    }
    root.put("rows", rows);
    Files.writeString(runDir.resolve("dilation.json"),
        JsonMapper.builder().build().writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
  }

  private static double rate(long x, long n) {
    return n == 0 ? 0 : (double) x / n;
  }

  private static double sq(double v) {
    return v * v;
  }

  private static String pct(long x, long n, double[] ci) {
    return String.format(Locale.ROOT, "%.2f%% [%.2f, %.2f]", 100 * rate(x, n), 100 * ci[0], 100 * ci[1]);
  }
}
