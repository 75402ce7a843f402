package dev.splicelab.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Bad command lines fail fast, before any broker or service starts, with a message naming the flag. */
class TestbedCliTest {

  @TempDir
  Path tmp;

  record Result(int code, String err) {}

  static Result run(String... args) {
    CommandLine cl = Testbed.commandLine();
    StringWriter err = new StringWriter();
    cl.setErr(new PrintWriter(err));
    cl.setOut(new PrintWriter(new StringWriter()));
    return new Result(cl.execute(args), err.toString());
  }

  @Test
  void unknownScenarioListsTheBuiltIns() {
    Result r = run("run", "--scenario", "nope");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("nope").contains("quickstart").contains("smoke");
  }

  @Test
  void malformedScenarioFileNamesTheLineAndField() throws Exception {
    Path f = tmp.resolve("bad.yaml");
    Files.writeString(f, "name: bad\ncell_duration: 10s\nstrategies: [SHARE]\nlink:\n  loss: 1.5\n");
    Result r = run("run", "--scenario", f.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("bad.yaml:5: link.loss: must be");
  }

  @Test
  void badFlagsNameTheFlag() {
    assertThat(run("run", "--scenario", "quickstart", "--duration", "soon").err()).contains("--duration").contains("ms, s, m or h");
    assertThat(run("run", "--scenario", "quickstart", "--duration", "2h").err()).contains("between 1s and 1h");
    Result kafka = run("run", "--scenario", "quickstart", "--kafka", "no-port");
    assertThat(kafka.code()).isEqualTo(1);
    assertThat(kafka.err()).contains("--kafka: must be HOST:PORT");
    assertThat(run("run", "--scenario", "quickstart", "--warmup", "-1").err()).contains("--warmup: must be auto or a number of seconds between 0 and 600, got -1");
    assertThat(run("run").code()).isEqualTo(2);
  }

  @Test
  void badTargetFlagsNameTheFlag() {
    Result target = run("run", "--scenario", "quickstart", "--target", "cloud");
    assertThat(target.code()).isEqualTo(1);
    assertThat(target.err()).contains("--target: must be local or compose, got 'cloud'");
    assertThat(run("run", "--scenario", "quickstart", "--toxiproxy", "http://127.0.0.1:8474").err())
        .contains("--toxiproxy: only applies with --target compose");
    assertThat(run("run", "--scenario", "quickstart", "--target", "compose", "--compose-project", "Bad Name").err())
        .contains("--compose-project: must be a compose project name");
    assertThat(run("run", "--scenario", "quickstart", "--target", "compose", "--compose-host", "a b").err())
        .contains("--compose-host: must be a host name or address");
  }

  @Test
  void aBadScenarioPathFailsBeforeTheComposeStackIsContacted() {
    Result r = run("run", "--scenario", "deploy/local/no-such.yaml", "--target", "compose", "--compose-host", "192.0.2.1");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("deploy/local/no-such.yaml: no such scenario file");
  }
}
