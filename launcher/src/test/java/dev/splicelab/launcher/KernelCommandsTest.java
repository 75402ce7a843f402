package dev.splicelab.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `testbed fidelity` on the real kernel, in a temporary directory, and `testbed kernel`'s argument errors. */
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

  /** Through the whole command line, as ./testbed runs it (its error handler prints "testbed: ..."). */
  static Result testbed(String... args) {
    CommandLine cl = Testbed.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    return new Result(cl.execute(args), out.toString(), err.toString());
  }

  @Test
  void fidelityRunsOneCaseOnTheKernelAndTheModelInDetail() {
    Result r = run(new KernelCommands.FidelityCommand(), "--case", "design-pwrite-pipe", "--dir", tmp.toString(), "--out",
        tmp.resolve("out").toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("kernel " + System.getProperty("os.version"))
        .contains("case design-pwrite-pipe")
        .contains("-- kernel: NEWER_VERSION 4096 B of 16384")
        .contains("-- model: NEWER_VERSION 4096 B of 16384")
        .contains("splice(file off 65536, len 16384, SPLICE_F_NONBLOCK) -> pipe: 16384 B")
        .contains("agree: YES");
  }

  @Test
  void fidelityListsTheCases() {
    Result r = run(new KernelCommands.FidelityCommand(), "--list");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("design-pwrite-pipe").contains("design-punch-part-folio-pipe");
  }

  @Test
  void kernelNeedsAScenarioAndNoLongerTakesFidelityCases() {
    assertThat(testbed("kernel").err()).contains("Missing required option: '--scenario=NAME|FILE'");
    Result r = testbed("kernel", "--scenario", "design-pwrite-pipe", "--dir", tmp.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("testbed: design-pwrite-pipe").contains("no such built-in scenario")
        .contains("quickstart");
    assertThat(testbed("kernel", "--list").code()).isEqualTo(2);
  }

  @Test
  void kernelNamesADirectoryItCannotUse() throws Exception {
    Path file = Files.writeString(tmp.resolve("a-file"), "x");
    Result r = testbed("kernel", "--scenario", "quickstart", "--dir", file.resolve("sub").toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("testbed: --dir " + file.resolve("sub") + ": cannot create the directory");
    r = testbed("kernel", "--scenario", "quickstart", "--dir", "/proc/splicelab-kernel-test");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("--dir /proc/splicelab-kernel-test");
  }

  @Test
  void kernelRefusesAScenarioWithoutARunnableStrategy() throws Exception {
    Path yaml = Files.writeString(tmp.resolve("cow.yaml"), "name: cow\ncell_duration: 5s\nstrategies: [COW_PRIVATE_REF, STABLE_PAGES]\n");
    Result r = testbed("kernel", "--scenario", yaml.toString(), "--dir", tmp.resolve("work").toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("scenario cow has no strategy the kernel can run: [COW_PRIVATE_REF, STABLE_PAGES]; "
        + "runnable: [SHARE, COPY_AT_SPLICE]");
  }

  @Test
  void kernelValidatesItsFlags() {
    assertThat(testbed("kernel", "--scenario", "smoke", "--kafka", "nohost").err())
        .contains("--kafka: must be HOST:PORT, got 'nohost'");
    assertThat(testbed("kernel", "--scenario", "smoke", "--duration", "10x").err()).contains("--duration");
    assertThat(testbed("kernel", "--scenario", "smoke", "--warmup", "-1").err())
        .contains("--warmup: must be between 0 and 600 seconds, got -1");
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
