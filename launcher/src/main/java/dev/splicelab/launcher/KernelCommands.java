package dev.splicelab.launcher;

import dev.splicelab.kernel.Fidelity;
import dev.splicelab.kernel.FidelityCase;
import dev.splicelab.kernel.FidelityCases;
import dev.splicelab.kernel.FidelityReport;
import dev.splicelab.kernel.FidelityRow;
import dev.splicelab.kernel.sys.SyscallException;
import dev.splicelab.launcher.kernelrun.KernelRun;
import dev.splicelab.launcher.report.ConsoleTable;
import dev.splicelab.launcher.scenario.Scenario;
import dev.splicelab.launcher.scenario.ScenarioLoader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code testbed kernel}: a scenario's transfers and mutations on the real kernel, judged by the
 * checker's verifier ({@link KernelRun}). {@code testbed fidelity}: the fidelity cases of module
 * {@code kernel} run on the real kernel (a file in --dir: ext4 in the work tree, or a tmpfs such as
 * /dev/shm) and on the storage model with the matching profile; {@code --case NAME} alone also
 * prints what each side did.
 */
public final class KernelCommands {

  private KernelCommands() {}

  /** Where the kernel-side files go by default: the work tree, so the filesystem is the repository's. */
  static Path defaultDir() {
    return Testbed.home().resolve("runs").resolve("kernel-scratch");
  }

  static FidelityCase caseNamed(CommandSpec spec, String option, String name) {
    return FidelityCases.byName(name).orElseThrow(() -> new CommandLine.ParameterException(spec.commandLine(),
        option + ": unknown fidelity case '" + name + "'; known: " + String.join(", ", FidelityCases.names())));
  }

  @Command(name = "kernel", mixinStandardHelpOptions = true,
      description = "Run a scenario's transfers and mutations on the real kernel: a real file in --dir filled with "
          + "self-describing cells, real writers (pwrite, MAP_SHARED stores, punch hole, truncate, O_DIRECT) and, per "
          + "connection, a real pipe and loopback TCP socket (SHARE: splice file -> pipe -> socket; COPY_AT_SPLICE: read "
          + "into a buffer at splice time, write to the socket). Records go to Kafka (embedded unless --kafka) as the "
          + "services publish them, the checker's verifier judges them, and runs/<scenario>-kernel/<timestamp>/ gets "
          + "summary.json, report.html, witnesses.jsonl, events/, verdicts.json and kernel.json. Other strategies, sender "
          + "modes and fault profiles do not apply on the kernel and are reported as such.")
  public static final class KernelCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--scenario", required = true, paramLabel = "NAME|FILE",
        description = "A built-in scenario name (see `testbed scenarios`) or a path to a scenario YAML file.")
    String scenario;

    @Option(names = "--dir", paramLabel = "PATH",
        description = "Directory for the file under test; its filesystem decides the folios: ext4 (default: "
            + "runs/kernel-scratch in the repository) or a tmpfs such as /dev/shm/splicelab.")
    Path dir;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "N",
        description = "Seed of the writers' and the senders' random generators (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--duration", paramLabel = "D", converter = Testbed.DurationConverter.class,
        description = "Override the scenario's cell duration, e.g. 10s, 500ms, 2m (1s to 1h).")
    Duration duration;

    @Option(names = "--kafka", paramLabel = "HOST:PORT",
        description = "Use this external Kafka broker instead of the embedded KRaft broker.")
    String kafka;

    @Option(names = "--warmup", defaultValue = "2", paramLabel = "SECONDS",
        description = "Unmeasured load before the first cell, so no cell is measured with a cold JIT, 0 to 600 "
            + "(default: ${DEFAULT-VALUE}).")
    int warmupSeconds;

    @Option(names = "--runs-dir", defaultValue = "runs", paramLabel = "DIR",
        description = "Where run directories go, relative to the repository root (default: ${DEFAULT-VALUE}).")
    Path runsDir;

    @Override
    public Integer call() throws Exception {
      Scenario sc = Testbed.resolve(scenario, duration, kafka, warmupSeconds);
      Path runs = runsDir.isAbsolute() ? runsDir : Testbed.home().resolve(runsDir);
      Path where = dir != null ? dir.toAbsolutePath() : defaultDir();
      KernelRun.Outcome o;
      try {
        o = KernelRun.execute(sc, seed, kafka, Duration.ofSeconds(warmupSeconds), where, runs, System.out);
      } catch (SyscallException e) {
        throw new IllegalStateException("kernel: " + e.getMessage(), e);
      }
      System.out.println();
      System.out.println(ConsoleTable.render(o.report().cells()));
      for (String n : o.notes()) {
        System.out.println("note: " + n);
      }
      System.out.printf("wall time %.1f s; results in %s (report.html, summary.json, kernel.json)%n",
          o.report().wallSeconds(), o.runDir());
      return 0;
    }
  }

  @Command(name = "fidelity", mixinStandardHelpOptions = true,
      description = "Run every fidelity case (or those named with --case) on the real kernel and on the storage model, "
          + "print the table (and, for a single --case, what each side did step by step) and write fidelity.json and "
          + "fidelity.html (self-contained) to --out.")
  public static final class FidelityCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--dir", paramLabel = "PATH",
        description = "Directory for the kernel-side files: ext4 (default: runs/kernel-scratch in the repository) or "
            + "a tmpfs such as /dev/shm.")
    Path dir;

    @Option(names = "--out", paramLabel = "DIR",
        description = "Where fidelity.json and fidelity.html go (default: runs/fidelity/<timestamp>).")
    Path out;

    @Option(names = "--case", paramLabel = "NAME", description = "Run only this case (repeatable).")
    List<String> cases = new ArrayList<>();

    @Option(names = "--strict", description = "Exit 1 when the kernel and the model disagree on a case.")
    boolean strict;

    @Option(names = "--list", description = "List the fidelity cases and exit.")
    boolean list;

    @Override
    public Integer call() throws Exception {
      if (list) {
        PrintWriter pw = spec.commandLine().getOut();
        for (FidelityCase c : FidelityCases.all()) {
          pw.printf("%-34s %s%n", c.name(), c.description());
        }
        pw.flush();
        return 0;
      }
      List<FidelityCase> selected = new ArrayList<>();
      for (String n : cases) {
        selected.add(caseNamed(spec, "--case", n));
      }
      Path outDir = out != null ? out : Testbed.home().resolve("runs").resolve("fidelity")
          .resolve(DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(Instant.now()));
      Fidelity.Result r = Fidelity.run(dir != null ? dir : defaultDir(), selected.isEmpty() ? FidelityCases.all() : selected);
      FidelityReport.write(r.rows(), r.env(), outDir);
      PrintWriter pw = spec.commandLine().getOut();
      pw.print(FidelityReport.table(r.rows(), r.env()));
      if (r.rows().size() == 1) { // one case: what each side did, step by step
        pw.println();
        pw.print(FidelityReport.detail(r.rows().get(0)));
      }
      pw.printf("results in %s (fidelity.html, fidelity.json)%n", outDir);
      pw.flush();
      boolean failed = r.count(FidelityRow.Agreement.ERROR) > 0 || (strict && r.count(FidelityRow.Agreement.NO) > 0);
      return failed ? 1 : 0;
    }
  }
}
