package dev.splicelab.load;

import static dev.splicelab.launcher.report.ReportWriter.esc;

import dev.splicelab.launcher.report.ReportWriter;
import dev.splicelab.launcher.scenario.Scenario;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import tools.jackson.databind.json.JsonMapper;

/**
 * load.json and load.html of a load run: every measurement, the benches' means over the rounds
 * (with the spread), the checks the real-time issue asks for, and plots.
 */
final class LoadReport {

  private LoadReport() {}

  /** One check of the run's figures against a target: what, and whether it held. */
  record Check(String name, String text, boolean passed, double value, double target) {}

  /** A bench's mean over its rounds. */
  record Mean(String bench, String path, int rounds, double transfersPerSecond, double mibPerSecond, double minMib,
      double maxMib, double p50, double p99, double p999, double cpuMillis, double overhead, String note) {}

  static List<Mean> means(List<Measurement> all) {
    Map<String, List<Measurement>> by = new LinkedHashMap<>();
    for (Measurement m : all) {
      by.computeIfAbsent(m.bench(), k -> new ArrayList<>()).add(m);
    }
    List<Mean> out = new ArrayList<>();
    for (List<Measurement> ms : by.values()) {
      Measurement f = ms.get(0);
      out.add(new Mean(f.bench(), f.path(), ms.size(), mean(ms, Measurement::transfersPerSecond),
          mean(ms, Measurement::mibPerSecond), ms.stream().mapToDouble(Measurement::mibPerSecond).min().orElse(0),
          ms.stream().mapToDouble(Measurement::mibPerSecond).max().orElse(0), mean(ms, m -> m.p50Us()),
          mean(ms, m -> m.p99Us()), mean(ms, m -> m.p999Us()), mean(ms, Measurement::cpuMillisPerTransfer),
          mean(ms, Measurement::overheadFraction), f.note()));
    }
    return out;
  }

  private static double mean(List<Measurement> ms, ToDoubleFunction<Measurement> f) {
    return ms.stream().mapToDouble(f).average().orElse(Double.NaN);
  }

  private static Mean find(List<Mean> means, String bench) {
    return means.stream().filter(m -> m.bench().equals(bench)).findFirst().orElse(null);
  }

  /**
   * The targets, from the run's means: the model's scenario SHARE at least 50% of the
   * kernel's scenario SHARE transfers/s; the model's data path at capacity at least 30% of the
   * baseline's MiB/s. A smoke run checks only the ordering baseline >= data path > 0.
   */
  static List<Check> checks(List<Measurement> all, boolean smoke) {
    List<Mean> means = means(all);
    List<Check> out = new ArrayList<>();
    Mean baseline = find(means, "grpc baseline");
    Mean capacity = find(means, "model SHARE capacity");
    if (smoke && (baseline == null || capacity == null)) {
      out.add(new Check("ordering", "the smoke needs the grpc baseline and the model SHARE capacity bench; one is missing",
          false, 0, 0));
    }
    if (baseline != null && capacity != null) {
      if (smoke) {
        out.add(new Check("ordering", String.format(Locale.ROOT, "baseline %.1f MiB/s >= model SHARE data path %.1f MiB/s > 0",
            baseline.mibPerSecond(), capacity.mibPerSecond()), baseline.mibPerSecond() >= capacity.mibPerSecond()
            && capacity.mibPerSecond() > 0, capacity.mibPerSecond(), baseline.mibPerSecond()));
      } else {
        double f = capacity.mibPerSecond() / baseline.mibPerSecond();
        out.add(new Check("capacity", String.format(Locale.ROOT, "model SHARE data path (mutations off) %.1f MiB/s is %.0f%% of "
            + "the raw gRPC baseline's %.1f MiB/s (target >= 30%%)", capacity.mibPerSecond(), 100 * f, baseline.mibPerSecond()),
            f >= 0.30, f, 0.30));
      }
    }
    Mean model = find(means, "model SHARE scenario");
    Mean kernel = find(means, "kernel SHARE scenario");
    if (!smoke && model != null && kernel != null) {
      double f = model.transfersPerSecond() / kernel.transfersPerSecond();
      out.add(new Check("scenario", String.format(Locale.ROOT, "model quickstart SHARE (mutations on) %.0f transfers/s is %.0f%% "
          + "of the kernel's %.0f transfers/s (target >= 50%%)", model.transfersPerSecond(), 100 * f,
          kernel.transfersPerSecond()), f >= 0.5, f, 0.5));
    }
    return out;
  }

  static String table(List<Measurement> all) {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "%-34s %6s %12s %10s %18s %9s %9s %9s %10s %9s%n", "bench (mean of rounds)", "rounds",
        "transfers/s", "MiB/s", "MiB/s min-max", "p50 us", "p99 us", "p999 us", "CPU ms/tr", "overhead"));
    for (Mean m : means(all)) {
      b.append(String.format(Locale.ROOT, "%-34s %6d %12.1f %10.1f %18s %9.0f %9.0f %9.0f %10s %9s%n", m.bench(), m.rounds(),
          m.transfersPerSecond(), m.mibPerSecond(), String.format(Locale.ROOT, "%.1f-%.1f", m.minMib(), m.maxMib()), m.p50(),
          m.p99(), m.p999(), Double.isNaN(m.cpuMillis()) || m.cpuMillis() < 0 ? "?" : String.format(Locale.ROOT, "%.2f",
              m.cpuMillis()), Double.isNaN(m.overhead()) ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * m.overhead())));
    }
    return b.toString();
  }

  static void write(Path runDir, Scenario sc, Duration d, int rounds, double rate, List<Measurement> all, List<Check> checks,
      List<Jmh.Result> jmh) throws IOException {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("scenario", sc.name());
    root.put("bench_seconds", d.toMillis() / 1000.0);
    root.put("rounds", rounds);
    root.put("open_loop_rate_per_second", rate);
    root.put("jvm_options", dev.splicelab.launcher.fleet.ServiceJvm.options("service"));
    root.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    root.put("host", System.getProperty("os.name") + " " + System.getProperty("os.version") + ", "
        + Runtime.getRuntime().availableProcessors() + " cores, " + dev.splicelab.launcher.fleet.TimerSlack.describe());
    root.put("measurements", all);
    root.put("means", means(all));
    root.put("checks", checks);
    root.put("jmh", jmh);
    Files.writeString(runDir.resolve("load.json"),
        JsonMapper.builder().build().writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
    Files.writeString(runDir.resolve("load.html"), html(sc, d, rounds, rate, all, checks, jmh), StandardCharsets.UTF_8);
  }

  static String html(Scenario sc, Duration d, int rounds, double rate, List<Measurement> all, List<Check> checks,
      List<Jmh.Result> jmh) {
    List<Mean> means = means(all);
    StringBuilder h = new StringBuilder();
    h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>splicelab load</title>\n<style>\n")
        .append("body{font-family:system-ui,sans-serif;margin:24px 32px;color:#1f2328;font-size:15px}")
        .append("table{border-collapse:collapse;margin:12px 0}td,th{border:1px solid #d0d7de;padding:4px 8px}")
        .append("td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}.pass{color:#1a7f37}.fail{color:#cf222e}")
        .append("figure{display:inline-block;margin:8px}img{max-width:640px}.note{color:#57606a}\n</style>\n</head>\n<body>\n")
        .append("<h1>splicelab load</h1>\n<p class=\"note\">Scenario ").append(esc(sc.name())).append(", ").append(rounds)
        .append(" round(s) of ").append(d.toSeconds()).append(" s benches, interleaved (every bench once per round, one broker, ")
        .append("one set of JVM options: <code>").append(esc(String.join(" ", dev.splicelab.launcher.fleet.ServiceJvm
            .options("service")))).append("</code>)").append(rate > 0 ? ", open loop at " + rate + " transfers/s" : ", closed loop")
        .append(". <em>Capacity</em>: the scenario's time constants zeroed (no residency, csum_to_dma or link latency) and no ")
        .append("mutations: the path's own speed. <em>Scenario</em>: as written, mutations on. CPU: every process on the path ")
        .append("(the five services, this JVM with the broker; the baseline's two JVMs; the kernel path's JVM) per transfer. ")
        .append("Overhead: the testbed's time over the race window the scenario implies (none for a capacity bench, whose ")
        .append("scenario implies next to no window).</p>\n<h2>Checks</h2>\n<ul>\n");
    for (Check c : checks) {
      h.append("<li class=\"").append(c.passed() ? "pass" : "fail").append("\">").append(c.passed() ? "PASS " : "FAIL ")
          .append(esc(c.text())).append("</li>\n");
    }
    h.append("</ul>\n<h2>Benches</h2>\n<table>\n<tr><th>bench</th><th class=\"num\">rounds</th><th class=\"num\">transfers/s</th>")
        .append("<th class=\"num\">MiB/s</th><th class=\"num\">MiB/s min&ndash;max</th><th class=\"num\">p50 &micro;s</th>")
        .append("<th class=\"num\">p99 &micro;s</th><th class=\"num\">p999 &micro;s</th><th class=\"num\">CPU ms / transfer</th>")
        .append("<th class=\"num\">overhead</th><th>path</th></tr>\n");
    for (Mean m : means) {
      h.append("<tr><td>").append(esc(m.bench())).append("</td>")
          .append(num(Integer.toString(m.rounds()))).append(num(f1(m.transfersPerSecond()))).append(num(f1(m.mibPerSecond())))
          .append(num(f1(m.minMib()) + "&ndash;" + f1(m.maxMib()))).append(num(f0(m.p50()))).append(num(f0(m.p99())))
          .append(num(f0(m.p999()))).append(num(m.cpuMillis() < 0 || Double.isNaN(m.cpuMillis()) ? "?" : f2(m.cpuMillis())))
          .append(num(Double.isNaN(m.overhead()) ? "&ndash;" : f1(100 * m.overhead()) + "%")).append("<td>")
          .append(esc(m.note())).append("</td></tr>\n");
    }
    h.append("</table>\n<h2>Plots</h2>\n");
    h.append(ReportWriter.plotBlock("MiB/s", "Delivered MiB/s per bench (mean over rounds)",
        () -> bars("MiB/s per bench", "MiB/s", means, Mean::mibPerSecond)));
    h.append(ReportWriter.plotBlock("transfers/s", "Transfers per second per bench (mean over rounds)",
        () -> bars("transfers/s per bench", "transfers/s", means, Mean::transfersPerSecond)));
    h.append(ReportWriter.plotBlock("CPU", "CPU milliseconds per transfer, every process on the path",
        () -> bars("CPU per transfer", "ms", means, m -> Math.max(0, m.cpuMillis()))));
    h.append(ReportWriter.plotBlock("latency", "Transfer latency p50 and p99, microseconds", () -> {
      CategoryChart c = new CategoryChartBuilder().width(900).height(420).title("latency").yAxisTitle("us").build();
      List<String> names = means.stream().map(Mean::bench).toList();
      c.addSeries("p50", names, means.stream().map(m -> (Number) m.p50()).toList());
      c.addSeries("p99", names, means.stream().map(m -> (Number) m.p99()).toList());
      c.getStyler().setXAxisLabelRotation(60);
      return c;
    }));
    if (!jmh.isEmpty()) {
      h.append("<h2>JMH: the hot code, one core</h2>\n<table>\n<tr><th>benchmark</th><th class=\"num\">bytes/op</th>")
          .append("<th class=\"num\">MB/s per core</th><th class=\"num\">&plusmn; (99.9%)</th><th class=\"num\">vs arraycopy</th></tr>\n");
      for (Jmh.Result r : jmh) {
        h.append("<tr><td>").append(esc(r.name())).append("</td>").append(num(Long.toString(r.bytesPerOp())))
            .append(num(f1(r.mbPerSecond()))).append(num(f1(r.errorMbPerSecond())))
            .append(num(String.format(Locale.ROOT, "%.3f", r.ofArraycopy()))).append("</tr>\n");
      }
      h.append("</table>\n");
    }
    h.append("<p class=\"note\">Every number is in load.json.</p>\n</body>\n</html>\n");
    return h.toString();
  }

  private static CategoryChart bars(String title, String y, List<Mean> means, ToDoubleFunction<Mean> f) {
    CategoryChart c = new CategoryChartBuilder().width(900).height(420).title(title).yAxisTitle(y).build();
    c.addSeries(y, means.stream().map(Mean::bench).toList(), means.stream().map(m -> (Number) f.applyAsDouble(m)).toList());
    c.getStyler().setXAxisLabelRotation(60);
    c.getStyler().setLegendVisible(false);
    return c;
  }

  private static String num(String v) {
    return "<td class=\"num\">" + v + "</td>";
  }

  private static String f0(double v) {
    return String.format(Locale.ROOT, "%.0f", v);
  }

  private static String f1(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  private static String f2(double v) {
    return String.format(Locale.ROOT, "%.2f", v);
  }
}
