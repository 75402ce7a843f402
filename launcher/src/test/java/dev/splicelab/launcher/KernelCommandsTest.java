package dev.splicelab.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `testbed kernel` and `testbed fidelity` on the real kernel, in a temporary directory. */
class KernelCommandsTest {

  @TempDir
  Path tmp;

  record Result(int code, String out, String err) {}

  static Result run(Object command, String... args) {
    CommandLine cl = new CommandLine(command);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    return new Result(cl.execute(args), out.toString(), err.toString());
  }

  @Test
  void kernelRunsOneCaseOnTheKernelAndTheModel() {
    Result r = run(new KernelCommands.KernelCommand(), "--scenario", "design-pwrite-pipe", "--dir", tmp.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("kernel " + System.getProperty("os.version"))
        .contains("case design-pwrite-pipe")
        .contains("-- kernel: NEWER_VERSION 4096 B of 16384")
        .contains("-- model: NEWER_VERSION 4096 B of 16384")
        .contains("splice(file off 65536, len 16384, SPLICE_F_NONBLOCK) -> pipe: 16384 B")
        .contains("agree: YES");
  }

  @Test
  void unknownScenarioNamesTheOptionAndTheCases() {
    Result r = run(new KernelCommands.KernelCommand(), "--scenario", "nope", "--dir", tmp.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--scenario: unknown fidelity case 'nope'").contains("design-punch-part-folio-pipe");
    assertThat(run(new KernelCommands.KernelCommand()).err()).contains("--scenario: required");
  }

  @Test
  void fidelityWritesTheTableAndTheReports() throws Exception {
    Path out = tmp.resolve("out");
    Result r = run(new KernelCommands.FidelityCommand(), "--dir", tmp.resolve("work").toString(), "--out", out.toString(),
        "--case", "design-punch-whole-folio-pipe", "--case", "design-punch-part-folio-pipe");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("design-punch-part-folio-pipe").contains("ZEROED 1280").contains("2 cases: {YES=2");
    assertThat(Files.readString(out.resolve("fidelity.json"))).contains("\"case\": \"design-punch-whole-folio-pipe\"");
    assertThat(Files.readString(out.resolve("fidelity.html"))).contains("Real kernel beside the model");
  }

  @Test
  void fidelityRejectsAnUnknownCase() {
    Result r = run(new KernelCommands.FidelityCommand(), "--case", "nope");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--case: unknown fidelity case 'nope'");
  }
}
