package dev.splicelab.launcher;

import dev.splicelab.kernel.Environment;
import dev.splicelab.kernel.Fidelity;
import dev.splicelab.kernel.FidelityCase;
import dev.splicelab.kernel.FidelityCases;
import dev.splicelab.kernel.FidelityReport;
import dev.splicelab.kernel.FidelityRow;
import java.io.PrintWriter;
import java.nio.file.Path;
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
 * {@code testbed kernel} and {@code testbed fidelity}: the fidelity cases of module {@code kernel}
 * run on the real kernel (a file in --dir: ext4 in the work tree, or a tmpfs such as /dev/shm) and
 * on the storage model with the matching profile.
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

  static void printEnvironment(PrintWriter out, Environment env) {
    String table = FidelityReport.table(List.of(), env);
    out.print(table.substring(0, table.indexOf("\n\n") + 1));
  }

  @Command(name = "kernel", mixinStandardHelpOptions = true,
      description = "Run one fidelity case on the real kernel (a file in --dir) and on the storage model, and print "
          + "what each did (the syscalls and the model calls), the verdicts and whether they agree.")
  public static final class KernelCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--scenario", paramLabel = "NAME",
        description = "A fidelity case, e.g. design-pwrite-pipe (see --list).")
    String scenario;

    @Option(names = "--dir", paramLabel = "PATH",
        description = "Directory for the kernel-side file: ext4 (default: runs/kernel-scratch in the repository) or "
            + "a tmpfs such as /dev/shm; the model uses the matching profile.")
    Path dir;

    @Option(names = "--list", description = "List the fidelity cases and exit.")
    boolean list;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      if (list) {
        for (FidelityCase c : FidelityCases.all()) {
          out.printf("%-34s %s%n", c.name(), c.description());
        }
        out.flush();
        return 0;
      }
      if (scenario == null) {
        throw new CommandLine.ParameterException(spec.commandLine(),
            "--scenario: required, one of " + String.join(", ", FidelityCases.names()));
      }
      FidelityCase c = caseNamed(spec, "--scenario", scenario);
      Environment env = Environment.detect(dir != null ? dir : defaultDir());
      FidelityRow row = Fidelity.runCase(c, env);
      printEnvironment(out, env);
      out.println();
      out.print(FidelityReport.detail(row));
      out.flush();
      return row.agree() == FidelityRow.Agreement.ERROR ? 1 : 0;
    }
  }

  @Command(name = "fidelity", mixinStandardHelpOptions = true,
      description = "Run every fidelity case (or those named with --case) on the real kernel and on the storage model, "
          + "print the table and write fidelity.json and fidelity.html (self-contained) to --out.")
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

    @Override
    public Integer call() throws Exception {
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
      pw.printf("results in %s (fidelity.html, fidelity.json)%n", outDir);
      pw.flush();
      boolean failed = r.count(FidelityRow.Agreement.ERROR) > 0 || (strict && r.count(FidelityRow.Agreement.NO) > 0);
      return failed ? 1 : 0;
    }
  }
}
