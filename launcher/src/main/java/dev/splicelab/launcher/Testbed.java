package dev.splicelab.launcher;

import dev.splicelab.launcher.fleet.ComposeFleet;
import dev.splicelab.launcher.fleet.Fleet;
import dev.splicelab.launcher.fleet.KafkaBroker;
import dev.splicelab.launcher.fleet.NetworkFaults;
import dev.splicelab.launcher.fleet.ServiceFleet;
import dev.splicelab.launcher.report.CellResult;
import dev.splicelab.launcher.report.ConsoleTable;
import dev.splicelab.launcher.report.ReportWriter;
import dev.splicelab.launcher.report.RunReport;
import dev.splicelab.launcher.run.DilationCheck;
import dev.splicelab.launcher.run.HistoryRecorder;
import dev.splicelab.launcher.run.Recheck;
import dev.splicelab.launcher.run.RunDriver;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import dev.splicelab.launcher.scenario.Scenario;
import dev.splicelab.launcher.scenario.ScenarioException;
import dev.splicelab.launcher.scenario.ScenarioLoader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The `testbed` command line. */
@Command(name = "testbed", mixinStandardHelpOptions = true, version = "splicelab 0.1.0",
    description = "splicelab: measures what zero-copy file -> pipe -> socket transfers deliver when the file changes under them.",
    subcommands = {Testbed.Run.class, Testbed.Check.class, Testbed.Scenarios.class, Testbed.LoadHint.class,
        KernelCommands.KernelCommand.class,
        KernelCommands.FidelityCommand.class, DashboardCommands.DashboardsCommand.class, CommandLine.HelpCommand.class})
public final class Testbed implements Runnable {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
    System.setProperty("java.awt.headless", "true");
    System.exit(commandLine().execute(args));
  }

  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Testbed());
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      cmd.getErr().println("testbed: " + (e instanceof ScenarioException || e instanceof IllegalArgumentException
          || e instanceof IllegalStateException ? e.getMessage() : e.toString()));
      return 1;
    });
    return cl;
  }

  /** The repository root: -Dsplicelab.home (set by ./testbed) or the working directory. */
  static Path home() {
    return Path.of(System.getProperty("splicelab.home", ".")).toAbsolutePath().normalize();
  }

  @Command(name = "run", mixinStandardHelpOptions = true,
      description = "Run a scenario: start Kafka (embedded unless --kafka) and the five services, run every cell, "
          + "write runs/<scenario>/<timestamp>/ (summary.json, report.html) and print the result table.")
  static final class Run implements Callable<Integer> {
    @Option(names = "--scenario", required = true, paramLabel = "NAME|FILE",
        description = "A built-in scenario name (see `testbed scenarios`) or a path to a scenario YAML file.")
    String scenario;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "N",
        description = "Seed of every workload random generator (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--duration", paramLabel = "D", converter = DurationConverter.class,
        description = "Override the scenario's cell duration, e.g. 10s, 500ms, 2m (1s to 1h).")
    Duration duration;

    @Option(names = "--warmup", defaultValue = "auto", paramLabel = "auto|SECONDS",
        description = "Unmeasured load before the first cell, so no cell is measured while the JVMs are still compiling "
            + "their hot paths: auto (until the JIT and the transfer rate settle, 15 s to 240 s) or a number of seconds, 0 to 600 "
            + "(default: ${DEFAULT-VALUE}).")
    String warmup;

    @Option(names = "--dilation-check",
        description = "Instead of the scenario's cells, run SHARE (its first sender mode, fault profile and workload) at "
            + "the scenario's time_scale k and at 4k, and report whether the rates agree within their intervals: "
            + "with the testbed's overhead negligible they must. Exit code 3 when they do not.")
    boolean dilationCheck;

    @Option(names = "--kafka", paramLabel = "HOST:PORT",
        description = "Use this external Kafka broker instead of the embedded KRaft broker.")
    String kafka;

    @Option(names = "--runs-dir", defaultValue = "runs", paramLabel = "DIR",
        description = "Where run directories go, relative to the repository root (default: ${DEFAULT-VALUE}).")
    Path runsDir;

    @Option(names = "--target", defaultValue = "local", paramLabel = "local|compose",
        description = "local: start Kafka and the five services as processes here (default). compose: drive the "
            + "running `docker compose up` stack on its published ports (Kafka HOST:29092 unless --kafka).")
    String target;

    @Option(names = "--compose-host", defaultValue = "127.0.0.1", paramLabel = "HOST",
        description = "With --target compose: the host publishing the stack's ports (default: ${DEFAULT-VALUE}).")
    String composeHost;

    @Option(names = "--compose-project", defaultValue = "splicelab", paramLabel = "NAME",
        description = "With --target compose: the compose project, whose containers pause_process and kill_restart "
            + "act on (default: ${DEFAULT-VALUE}, as set by .env).")
    String composeProject;

    @Option(names = "--toxiproxy", paramLabel = "URL|none",
        description = "With --target compose: Toxiproxy's API (default http://HOST:8474). Network faults become toxics "
            + "when it answers; otherwise, or with 'none', they fall back to the services' own fault interceptors.")
    String toxiproxy;

    @Override
    public Integer call() throws Exception {
      Target t = Target.of(target, composeHost, composeProject, toxiproxy);
      RunDriver.Warmup w = warmup(warmup);
      Scenario sc = resolve(scenario, duration, kafka, 0);
      Path runs = runsDir.isAbsolute() ? runsDir : home().resolve(runsDir);
      String broker = kafka == null && t.compose() ? composeHost + ":29092" : kafka;
      if (dilationCheck) {
        DilationCheck check = DilationCheck.of(sc);
        RunOutcome o = execute(check.scenario(), seed, broker, t, w, runs, System.out, Clock.systemUTC(), check::run);
        System.out.println();
        System.out.println(ConsoleTable.render(o.report().cells()));
        DilationCheck.Result r = check.result(o.report().cells());
        System.out.println(r.render());
        check.write(r, o.runDir());
        System.out.printf("wall time %.1f s; results in %s (dilation.json, report.html, summary.json)%n",
            o.report().wallSeconds(), o.runDir());
        return r.agree() ? 0 : 3;
      }
      RunOutcome o = execute(sc, seed, broker, t, w, runs, System.out, Clock.systemUTC());
      System.out.println();
      System.out.println(ConsoleTable.render(o.report().cells()));
      System.out.printf("wall time %.1f s; results in %s (report.html, summary.json)%n", o.report().wallSeconds(), o.runDir());
      return 0;
    }
  }

  /** --warmup: "auto" or whole seconds, 0 to 600. */
  static RunDriver.Warmup warmup(String value) {
    if (value.equals("auto")) {
      return RunDriver.Warmup.untilSettled();
    }
    int seconds;
    try {
      seconds = Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--warmup: must be auto or a number of seconds between 0 and 600, got '" + value + "'");
    }
    if (seconds < 0 || seconds > 600) {
      throw new IllegalArgumentException("--warmup: must be auto or a number of seconds between 0 and 600, got " + seconds);
    }
    return seconds == 0 ? RunDriver.Warmup.NONE : RunDriver.Warmup.fixed(Duration.ofSeconds(seconds));
  }

  /**
   * Checks the flags every scenario-running command shares and resolves the scenario (a built-in
   * name or a file), with the cell duration overridden when {@code duration} is set.
   */
  static Scenario resolve(String scenario, Duration duration, String kafka, int warmupSeconds) {
    if (kafka != null && !kafka.matches("[^:\\s]+:\\d{1,5}")) {
      throw new IllegalArgumentException("--kafka: must be HOST:PORT, got '" + kafka + "'");
    }
    if (warmupSeconds < 0 || warmupSeconds > 600) {
      throw new IllegalArgumentException("--warmup: must be between 0 and 600 seconds, got " + warmupSeconds);
    }
    // the scheduling variables the run's services and threads read, checked before anything starts
    dev.splicelab.common.time.Realtime.priorityFromEnvironment();
    dev.splicelab.common.time.Realtime.dataPathNiceFromEnvironment();
    Scenario sc = ScenarioLoader.resolve(scenario);
    if (duration != null) {
      sc = sc.withCellDuration(duration);
    }
    return sc;
  }

  /** The run's report and where it was written. */
  public record RunOutcome(RunReport report, Path runDir) {}

  /**
   * Where the services of a run are: started here as processes (local), or the containers of a
   * running compose stack, with Toxiproxy's API URL (null: none).
   */
  public record Target(boolean compose, String host, String project, String toxiproxy) {
    public static final Target LOCAL = new Target(false, null, null, null);

    /** Validates the run flags that choose the target; errors name the flag. */
    static Target of(String target, String host, String project, String toxiproxy) {
      if (!target.equals("local") && !target.equals("compose")) {
        throw new IllegalArgumentException("--target: must be local or compose, got '" + target + "'");
      }
      if (!target.equals("compose")) {
        if (toxiproxy != null) {
          throw new IllegalArgumentException("--toxiproxy: only applies with --target compose");
        }
        return LOCAL;
      }
      if (!host.matches("[A-Za-z0-9._-]+|\\[[0-9a-fA-F:]+\\]")) {
        throw new IllegalArgumentException("--compose-host: must be a host name or address, got '" + host + "'");
      }
      if (!project.matches("[a-z0-9][a-z0-9_-]*")) {
        throw new IllegalArgumentException("--compose-project: must be a compose project name ([a-z0-9][a-z0-9_-]*), got '"
            + project + "'");
      }
      String url = toxiproxy == null ? "http://" + host + ":8474" : toxiproxy.equals("none") ? null : toxiproxy;
      return new Target(true, host, project, url);
    }
  }

  /** Runs a resolved scenario end to end on local processes; used by the integration tests. */
  public static RunOutcome execute(Scenario sc, long seed, String kafka, Duration warmup, Path runsDir, PrintStream out,
      Clock clock)
      throws IOException {
    return execute(sc, seed, kafka, Target.LOCAL, RunDriver.Warmup.fixed(warmup), runsDir, out, clock);
  }

  /** What a run does with its started fleet: the cells it measures. */
  @FunctionalInterface
  public interface Body {
    List<CellResult> run(RunDriver driver, String runId, long seed, RunDriver.Warmup warmup);
  }

  /** Runs a resolved scenario end to end on {@code target}; used by `run`. */
  public static RunOutcome execute(Scenario sc, long seed, String kafka, Target target, RunDriver.Warmup warmup, Path runsDir,
      PrintStream out, Clock clock)
      throws IOException {
    return execute(sc, seed, kafka, target, warmup, runsDir, out, clock, (d, id, s, w) -> d.run(sc, id, s, w));
  }

  /**
   * The run's lifecycle around {@code body}: its directory and resolved scenario, Kafka, the
   * fleet, the history recorded from Kafka, the verdicts, the report and runs/latest.
   */
  public static RunOutcome execute(Scenario sc, long seed, String kafka, Target target, RunDriver.Warmup warmup, Path runsDir,
      PrintStream out, Clock clock, Body body)
      throws IOException {
    Instant startedAt = clock.instant();
    String stamp = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(startedAt);
    Path runDir = runsDir.resolve(sc.name()).resolve(stamp);
    for (int i = 1; Files.exists(runDir); i++) {
      runDir = runsDir.resolve(sc.name()).resolve(stamp + "-" + i);
    }
    Files.createDirectories(runDir);
    Files.writeString(runDir.resolve("scenario.yaml"), ScenarioLoader.toYaml(sc));
    String runId = sc.name() + "-" + runDir.getFileName();
    long t0 = System.nanoTime();
    boolean interactive = System.console() != null && out == System.out;
    int cellCount = RunDriver.cells(sc).size();
    out.printf("splicelab: scenario %s, seed %d, %d cells of %d s (about %d s with start-up and at most %d s of warm-up); "
        + "run %s%n", sc.name(), seed, cellCount, sc.dilated().cellDuration().toSeconds(),
        cellCount * (sc.dilated().cellDuration().toSeconds() + 3) + 25, warmup.max().toSeconds(), runDir);
    out.println(kafka == null ? "starting embedded Kafka (KRaft)..." : "using Kafka at " + kafka + "...");
    List<CellResult> cells;
    String kafkaInfo;
    try (KafkaBroker broker = KafkaBroker.start(kafka)) {
      kafkaInfo = broker.describe();
      long s0 = System.nanoTime();
      try (Fleet fleet = startFleet(target, broker, runDir, out)) {
        out.printf("services healthy after %.1f s (%s): %s%n", (System.nanoTime() - s0) / 1e9, fleet.describe(), fleet.endpoints());
        try (RunDriver driver = new RunDriver(fleet, out, interactive)) {
          cells = body.run(driver, runId, seed, warmup);
        }
      }
      out.printf("recording the run's history from Kafka into %s...%n", runDir.resolve("events"));
      out.printf("recorded %s%n", HistoryRecorder.record(broker.bootstrap(), runId, runDir));
    }
    writeVerdicts(runDir, runId, cells);
    RunReport report = new RunReport(runId, sc.name(), sc.description(), seed, startedAt, (System.nanoTime() - t0) / 1e9,
        kafkaInfo, System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
        System.getProperty("os.name") + " " + System.getProperty("os.version") + ", " + Runtime.getRuntime().availableProcessors() + " cores, "
            + dev.splicelab.launcher.fleet.TimerSlack.describe(),
        cells);
    ReportWriter.write(report, runDir);
    Path latest = runsDir.resolve("latest");
    Files.deleteIfExists(latest);
    try {
      Files.createSymbolicLink(latest, runsDir.relativize(runDir));
    } catch (UnsupportedOperationException | IOException e) {
      Files.writeString(latest, runDir.toString());
    }
    return new RunOutcome(report, runDir);
  }

  private static Fleet startFleet(Target target, KafkaBroker broker, Path runDir, PrintStream out) {
    if (!target.compose()) {
      out.printf("Kafka ready (%s); starting 5 services (logs in %s)...%n", broker.describe(), runDir.resolve("logs"));
      return ServiceFleet.start(home(), broker.bootstrap(), runDir.resolve("logs"), runDir.resolve("storage"), Duration.ofSeconds(180));
    }
    NetworkFaults network = null;
    if (target.toxiproxy() != null) {
      network = NetworkFaults.probe(target.toxiproxy()).orElse(null);
      out.println(network != null ? "Toxiproxy at " + target.toxiproxy() + ": network faults become toxics"
          : "no Toxiproxy answers at " + target.toxiproxy() + ": network faults fall back to the services' own fault interceptors,"
              + " bandwidth and slicer faults are not applied");
    }
    out.printf("Kafka ready (%s); waiting for the compose services of project %s on %s (logs: docker compose logs)...%n",
        broker.describe(), target.project(), target.host());
    return ComposeFleet.connect(target.host(), target.project(), network, Duration.ofSeconds(180));
  }

  /** verdicts.json: per cell and model, "VERDICT/CLASS" -> count, as the live checker judged. */
  public static void writeVerdicts(Path runDir, String runId, List<CellResult> cells) throws IOException {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("run_id", runId);
    Map<String, Object> byCell = new LinkedHashMap<>();
    for (CellResult c : cells) {
      byCell.put(Integer.toString(c.cell()), c.verdictsByModel());
    }
    root.put("cells", byCell);
    Files.writeString(runDir.resolve("verdicts.json"), JsonMapper.builder().build().writerWithDefaultPrettyPrinter()
        .writeValueAsString(root));
  }

  @Command(name = "check", mixinStandardHelpOptions = true,
      description = "Re-check a finished run from its recorded Kafka history alone (RUN_DIR/events) and compare the "
          + "verdict counts with those of the run (RUN_DIR/verdicts.json). Exit code 0 when they are the same.")
  static final class Check implements Callable<Integer> {
    @CommandLine.Parameters(paramLabel = "RUN_DIR", description = "A run directory, e.g. runs/latest.")
    Path runDir;

    @Option(names = "--repeat", paramLabel = "K", defaultValue = "1",
        description = "Feed the history K times end to end (1 to 100000), each copy on ids and times of its own, and "
            + "expect K times every recorded count: the checker's scale test (default ${DEFAULT-VALUE}).")
    int repeat;

    @Override
    public Integer call() throws Exception {
      Path dir = runDir.isAbsolute() || Files.exists(runDir) ? runDir : home().resolve(runDir);
      Path verdicts = dir.resolve("verdicts.json");
      if (!Files.isRegularFile(verdicts)) {
        throw new IllegalArgumentException("RUN_DIR: " + dir + " has no verdicts.json (is it a run directory?)");
      }
      JsonNode recorded = JsonMapper.builder().build().readTree(Files.readString(verdicts));
      String runId = recorded.get("run_id").asString();
      long t0 = System.nanoTime();
      long[] stats = new long[4];
      Map<Integer, Map<String, Map<String, Long>>> again = Recheck.run(dir, runId, stats, repeat,
          n -> System.err.printf("  %,d records fed (%.0f s)%n", n, (System.nanoTime() - t0) / 1e9));
      double seconds = (System.nanoTime() - t0) / 1e9;
      boolean same = true;
      long transfers = 0;
      System.out.printf("%-6s %-10s %-44s %-44s %s%n", "cell", "model", "run", "re-check", "");
      for (Map.Entry<String, JsonNode> cell : recorded.get("cells").properties()) {
        int idx = Integer.parseInt(cell.getKey());
        for (Map.Entry<String, JsonNode> model : cell.getValue().properties()) {
          Map<String, Long> was = new java.util.TreeMap<>();
          model.getValue().properties().forEach(e -> was.put(e.getKey(), e.getValue().asLong() * repeat));
          if (model.getKey().equals("SNAPSHOT")) {
            transfers += was.values().stream().mapToLong(Long::longValue).sum();
          }
          Map<String, Long> now = again.getOrDefault(idx, Map.of()).getOrDefault(model.getKey(), Map.of());
          boolean eq = was.equals(now);
          same &= eq;
          System.out.printf("%-6d %-10s %-44s %-44s %s%n", idx, model.getKey(), was, now, eq ? "same" : "DIFFERENT");
        }
      }
      System.out.printf("re-checked %d cells from %s%s in %.1f s: %s%n", again.size(), dir.resolve("events"),
          repeat == 1 ? "" : " (" + repeat + " copies)", seconds,
          same ? "same verdict counts as the run" : "verdict counts DIFFER from the run");
      System.out.printf("judged %,d transfers (%,.0f/s), %,d of them in the reported cells, from %,d records; the verifier "
          + "held at most %,d transfers and %,d mutation records; JVM heap in use at the end %d MiB%n", stats[3],
          stats[3] / seconds, transfers, stats[0], stats[1], stats[2],
          (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20);
      return same ? 0 : 1;
    }
  }

  /** `load` runs from the load-tests module's classpath (the ./testbed script dispatches it); this names it in the help. */
  @Command(name = "load", description = "Measure the testbed's own machinery: the raw gRPC baseline, the data path per "
      + "strategy and the kernel's path, interleaved (./testbed load --help; it runs from load-tests/).")
  static final class LoadHint implements Callable<Integer> {
    @CommandLine.Unmatched
    List<String> ignored;

    @Override
    public Integer call() {
      System.err.println("testbed: load runs from the load-tests module: use ./testbed load (it builds what is missing)");
      return 2;
    }
  }

  @Command(name = "scenarios", mixinStandardHelpOptions = true, description = "List the built-in scenarios.")
  static final class Scenarios implements Callable<Integer> {
    @Override
    public Integer call() {
      for (String name : ScenarioLoader.builtInNames()) {
        Scenario s = ScenarioLoader.builtIn(name);
        System.out.printf("%-12s %d cells of %d s: %s x %s x %s x %s%n  %s%n", name, RunDriver.cells(s).size(),
            s.cellDuration().toSeconds(), s.strategies(), s.senderModes(),
            s.faultProfiles().stream().map(Scenario.FaultProfile::name).toList(),
            s.workloads().stream().map(Scenario.Workload::name).toList(), s.description());
      }
      return 0;
    }
  }

  /** Parses 500ms, 10s, 2m, 1h (1 s to 1 h). */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    private static final Pattern P = Pattern.compile("(\\d+)(ms|s|m|h)");

    @Override
    public Duration convert(String value) {
      Matcher m = P.matcher(value.trim());
      if (!m.matches()) {
        throw new CommandLine.TypeConversionException("must be a number followed by ms, s, m or h (e.g. 30s), got '" + value + "'");
      }
      long n = Long.parseLong(m.group(1));
      Duration d = switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        default -> Duration.ofHours(n);
      };
      if (d.compareTo(Duration.ofSeconds(1)) < 0 || d.compareTo(Duration.ofHours(1)) > 0) {
        throw new CommandLine.TypeConversionException("must be between 1s and 1h, got '" + value + "'");
      }
      return d;
    }
  }
}
