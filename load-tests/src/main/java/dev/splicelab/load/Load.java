package dev.splicelab.load;

import dev.splicelab.launcher.fleet.KafkaBroker;
import dev.splicelab.launcher.fleet.ServiceFleet;
import dev.splicelab.launcher.kernelrun.KernelBench;
import dev.splicelab.launcher.report.CellResult;
import dev.splicelab.launcher.run.RunDriver;
import dev.splicelab.launcher.scenario.Scenario;
import dev.splicelab.launcher.scenario.ScenarioLoader;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code testbed load}: what the testbed's machinery costs, measured in one run, interleaved round
 * by round (A B A B) on one Kafka broker with one set of JVM options:
 *
 * <ul>
 *   <li>the raw gRPC baseline (two JVMs streaming the scenario's segments, {@link GrpcBaseline});
 *   <li>the model's data path for each strategy, at capacity (the scenario's time constants zeroed:
 *       no residency, no csum_to_dma, no link latency; mutations off) and as the scenario is
 *       written (mutations on);
 *   <li>the kernel's own path on loopback (splice file -> pipe -> socket, and read + write), at
 *       capacity and as written.
 * </ul>
 * Each reports transfers/s, MiB/s, latency p50/p99/p999 (HdrHistogram; in open loop, from each
 * transfer's scheduled start, so no coordinated omission) and CPU time per transfer; the model's and
 * the kernel's also their time fidelity. With --jmh, the JMH benchmarks of the hot code run too.
 * Writes RUN_DIR/load.json and load.html.
 */
@Command(name = "load", mixinStandardHelpOptions = true,
    description = "Measure the testbed's machinery: the raw gRPC baseline, the model's data path per strategy and the "
        + "kernel's path, interleaved, on one broker; writes runs/load/<timestamp>/load.json and load.html.")
public final class Load implements Callable<Integer> {

  @Option(names = "--scenario", defaultValue = "quickstart", paramLabel = "NAME|FILE",
      description = "Where the transfer shapes, the link and the workload come from (default: ${DEFAULT-VALUE}).")
  String scenario;

  @Option(names = "--duration", defaultValue = "15s", paramLabel = "D", converter = DurationConverter.class,
      description = "Measured time of each bench in each round, 1s to 10m (default: ${DEFAULT-VALUE}).")
  Duration duration;

  @Option(names = "--rounds", defaultValue = "2", paramLabel = "N",
      description = "Rounds, each running every bench once, 1 to 10 (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--strategies", split = ",", paramLabel = "S,...",
      description = "The model's strategies to measure (default: all six).")
  List<String> strategies;

  @Option(names = "--rate", defaultValue = "0", paramLabel = "PER_SECOND",
      description = "Open loop: start the scenario benches' transfers at this total rate, latency counted from each "
          + "scheduled start (default 0: closed loop).")
  double rate;

  @Option(names = "--seed", defaultValue = "42", paramLabel = "N", description = "Seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--kafka", paramLabel = "HOST:PORT", description = "An external broker instead of the embedded one.")
  String kafka;

  @Option(names = "--jmh", description = "Also run the JMH benchmarks of the hot code (a few minutes).")
  boolean jmh;

  @Option(names = "--smoke", description = "A short check for CI: SHARE only, one round of 4 s benches, no JMH; exit code "
      + "4 unless baseline MiB/s >= the data path's > 0.")
  boolean smoke;

  @Option(names = "--runs-dir", defaultValue = "runs", paramLabel = "DIR",
      description = "Where run directories go, relative to the repository root (default: ${DEFAULT-VALUE}).")
  Path runsDir;

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("baseline-server")) {
      GrpcBaseline.server(Integer.parseInt(args[1]));
      return;
    }
    if (args.length > 0 && args[0].equals("baseline-client")) {
      GrpcBaseline.client(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Long.parseLong(args[3]), Long.parseLong(args[4]),
          Integer.parseInt(args[5]));
      return;
    }
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
    System.setProperty("java.awt.headless", "true");
    CommandLine cl = new CommandLine(new Load());
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      cmd.getErr().println("testbed load: " + (e instanceof IllegalArgumentException || e instanceof IllegalStateException
          ? e.getMessage() : e.toString()));
      return 1;
    });
    System.exit(cl.execute(args));
  }

  static Path home() {
    return Path.of(System.getProperty("splicelab.home", ".")).toAbsolutePath().normalize();
  }

  @Override
  public Integer call() throws Exception {
    return run(System.out).exitCode();
  }

  /** What a load run found: its measurements, the checks, where it wrote them, and its exit code. */
  record Outcome(List<Measurement> measurements, List<LoadReport.Check> checks, Path runDir, int exitCode) {}

  Outcome run(PrintStream out) throws Exception {
    if (rounds < 1 || rounds > 10) {
      throw new IllegalArgumentException("--rounds: must be between 1 and 10, got " + rounds);
    }
    if (!(rate >= 0 && rate <= 1_000_000)) {
      throw new IllegalArgumentException("--rate: must be between 0 and 1000000 per second, got " + rate);
    }
    Scenario base = ScenarioLoader.resolve(scenario).dilated();
    List<String> models = smoke ? List.of("SHARE") : strategies == null ? ScenarioLoader.STRATEGIES : strategies;
    for (String s : models) {
      if (!ScenarioLoader.STRATEGIES.contains(s)) {
        throw new IllegalArgumentException("--strategies: must be among " + ScenarioLoader.STRATEGIES + ", got " + s);
      }
    }
    Duration d = smoke ? Duration.ofSeconds(4) : duration;
    int r = smoke ? 1 : rounds;
    Path runs = runsDir.isAbsolute() ? runsDir : home().resolve(runsDir);
    String stamp = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(Instant.now());
    Path runDir = runs.resolve("load").resolve(stamp);
    Files.createDirectories(runDir.resolve("logs"));
    String runId = "load-" + stamp;
    Scenario.TransferSpec t = base.transfers();
    out.printf("splicelab load: %d round(s) of %d s benches (scenario %s; model strategies %s), results in %s%n", r,
        d.toSeconds(), base.name(), models, runDir);

    List<Measurement> all = new ArrayList<>();
    try (KafkaBroker broker = KafkaBroker.start(kafka)) {
      out.println("Kafka: " + broker.describe() + "; starting the services and the baseline's two JVMs...");
      try (ServiceFleet fleet = ServiceFleet.start(home(), broker.bootstrap(), runDir.resolve("logs"), runDir.resolve("storage"),
              Duration.ofSeconds(180));
          Baseline baseline = Baseline.start(runDir.resolve("logs"), t.connections(), t.minBytes(), t.maxBytes(), t.segmentBytes());
          RunDriver driver = new RunDriver(fleet, out, false)) {
        driver.openLoop(rate);
        out.println("[warm-up] the baseline (20 s), the kernel path (10 s), then the data path until its rate settles...");
        baseline.measure("warm-up", 0, smoke ? 5 : 20);
        KernelBench.run(capacity(base, "SHARE"), "SHARE", runId, 0, seed, scratch(), broker.bootstrap(),
            Duration.ofSeconds(smoke ? 3 : 10), out);
        driver.finalizeCell(runId, 0);
        int cell = 1;
        driver.warmUp(single(base, "SHARE"), runId, seed, smoke ? RunDriver.Warmup.fixed(Duration.ofSeconds(10))
            : RunDriver.Warmup.untilSettled());
        for (int round = 1; round <= r; round++) {
          out.printf("[round %d/%d]%n", round, r);
          all.add(report(out, baseline.measure("grpc baseline", round, d.toMillis() / 1000.0)));
          for (String s : models) {
            all.add(report(out, model(driver, capacity(base, s).withCellDuration(d), runId, cell++, round, true)));
          }
          for (String s : models) {
            all.add(report(out, model(driver, single(base, s).withCellDuration(d), runId, cell++, round, false)));
          }
          for (String s : List.of("SHARE", "COPY_AT_SPLICE")) {
            all.add(report(out, kernel(capacity(base, s), s, runId, cell, round, broker.bootstrap(), d, true, out)));
            driver.finalizeCell(runId, cell++); // the checker judges the rest now, not during the next bench
          }
          for (String s : List.of("SHARE", "COPY_AT_SPLICE")) {
            all.add(report(out, kernel(single(base, s), s, runId, cell, round, broker.bootstrap(), d, false, out)));
            driver.finalizeCell(runId, cell++);
          }
        }
      }
    }
    List<LoadReport.Check> checks = LoadReport.checks(all, smoke);
    List<Jmh.Result> benchmarks = jmh && !smoke ? Jmh.run(out) : List.of();
    LoadReport.write(runDir, base, d, r, rate, all, checks, benchmarks);
    out.println();
    out.println(LoadReport.table(all));
    for (LoadReport.Check c : checks) {
      out.println((c.passed() ? "PASS " : "FAIL ") + c.text());
    }
    if (!benchmarks.isEmpty()) {
      out.println(Jmh.table(benchmarks));
    }
    out.printf("results in %s (load.json, load.html)%n", runDir);
    boolean smokeFailed = smoke && checks.stream().anyMatch(c -> !c.passed());
    return new Outcome(all, checks, runDir, smokeFailed ? 4 : 0);
  }

  private static Measurement report(PrintStream out, Measurement m) {
    out.printf(Locale.ROOT, "  %-40s %8.1f transfers/s %8.1f MiB/s  p50 %6d us  CPU %s%n", m.bench(), m.transfersPerSecond(),
        m.mibPerSecond(), m.p50Us(), m.cpuMillisPerTransfer() < 0 ? "?" : String.format(Locale.ROOT, "%.2f ms/transfer",
            m.cpuMillisPerTransfer()));
    return m;
  }

  /** The scenario's first sender mode, fault profile and workload under one strategy, as written. */
  static Scenario single(Scenario sc, String strategy) {
    return new Scenario(sc.name(), sc.description(), sc.cellDuration(), List.of(strategy), List.of(sc.senderModes().get(0)),
        List.of(sc.faultProfiles().get(0)), List.of(sc.workloads().get(0)), sc.file(), sc.transfers(), sc.stablePages(),
        List.of());
  }

  /**
   * The path's own speed: {@link #single} with no residency, no csum_to_dma, no link latency or
   * jitter, and no mutations (a rate of 0, which only the load tests use).
   */
  static Scenario capacity(Scenario sc, String strategy) {
    Scenario s = single(sc, strategy);
    Scenario.TransferSpec t = s.transfers();
    Scenario.LinkSpec l = s.faultProfiles().get(0).link();
    Scenario.MutationSpec m = s.workloads().get(0).mutations();
    return new Scenario(s.name() + "-capacity", s.description(), s.cellDuration(), s.strategies(), s.senderModes(),
        List.of(new Scenario.FaultProfile("capacity", new Scenario.LinkSpec(0, 0, l.loss(), l.rtoMicros(), l.maxAttempts(), 0,
            l.duplicate(), l.reorder(), l.reorderDelayMicros(), l.corrupt(), l.partitions()))),
        List.of(new Scenario.Workload("mutations-off", new Scenario.MutationSpec(m.writers(), 0, m.mix(), m.minWriteBytes(),
            m.maxWriteBytes(), m.punchBlockBytes(), m.hotProbability(), m.hotFractionOfFile(), m.applicationFraction()))),
        s.file(), new Scenario.TransferSpec(t.connections(), t.pipeCapacity(), t.minBytes(), t.maxBytes(), 0, 0, t.segmentBytes(),
            0, t.maxConfirmRetries()), s.stablePages(), List.of());
  }

  private static Measurement model(RunDriver driver, Scenario sc, String runId, int cell, int round, boolean capacity) {
    CellResult c = driver.run(sc, runId, 42, RunDriver.Warmup.NONE, cell).get(0);
    String strategy = c.strategy();
    return new Measurement("model " + strategy + (capacity ? " capacity" : " scenario"), "model", strategy, !capacity,
        capacity, round, c.transfers(), c.bytesDelivered(), c.activeSeconds(), c.latencyMicros().getOrDefault("p50", 0L),
        c.latencyMicros().getOrDefault("p99", 0L), c.latencyMicros().getOrDefault("p999", 0L),
        c.timing().cpuMillisPerTransfer(), !capacity && c.timing().measured() ? c.timing().overheadFraction() : Double.NaN,
        c.timing().dataPath());
  }

  private static Measurement kernel(Scenario sc, String strategy, String runId, int cell, int round, String bootstrap,
      Duration d, boolean capacity, PrintStream out) throws InterruptedException, java.io.IOException {
    KernelBench.Result k = KernelBench.run(sc, strategy, runId, cell, 42, scratch(), bootstrap, d, out);
    Histogram h = k.latencyMicros();
    dev.splicelab.proto.TimeFidelity f = k.fidelity();
    return new Measurement("kernel " + strategy + (capacity ? " capacity" : " scenario"), "kernel", strategy, !capacity,
        capacity, round, k.delivered(), k.deliveredBytes(), k.activeSeconds(), h.getValueAtPercentile(50),
        h.getValueAtPercentile(99), h.getValueAtPercentile(99.9), k.cpuNanos() < 0 || k.delivered() == 0 ? -1
            : k.cpuNanos() / 1e6 / k.delivered(), capacity || f.getTransfers() == 0 ? Double.NaN
            : dev.splicelab.common.fidelity.WindowStats.overheadFraction(f),
        dev.splicelab.launcher.kernelrun.KernelRun.RUNNABLE.get(strategy));
  }

  /** The kernel path's files: on the work tree's filesystem, as `testbed kernel` puts them by default. */
  static Path scratch() throws java.io.IOException {
    return Files.createDirectories(home().resolve("runs").resolve("kernel-scratch"));
  }

  /** Parses 500ms, 10s, 2m (1 s to 10 min). */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(ms|s|m)").matcher(value.trim());
      if (!m.matches()) {
        throw new CommandLine.TypeConversionException("must be a number followed by ms, s or m (e.g. 15s), got '" + value + "'");
      }
      long n = Long.parseLong(m.group(1));
      Duration d = switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        default -> Duration.ofMinutes(n);
      };
      if (d.compareTo(Duration.ofSeconds(1)) < 0 || d.compareTo(Duration.ofMinutes(10)) > 0) {
        throw new CommandLine.TypeConversionException("must be between 1s and 10m, got '" + value + "'");
      }
      return d;
    }
  }
}
