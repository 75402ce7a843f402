package dev.splicelab.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The CI smoke of `./testbed load --smoke`: the raw gRPC baseline, the model's SHARE data path and
 * the kernel's path really run (separate JVMs, an embedded broker), and only orderings are
 * asserted: baseline >= data path > 0. Never an absolute time.
 */
class LoadSmokeTest {

  @TempDir
  Path runs;

  @Test
  void theBaselineIsAtLeastTheDataPathAndBothMoveBytes() throws Exception {
    Load load = new Load();
    new CommandLine(load).parseArgs("--smoke", "--runs-dir", runs.toString());
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    Load.Outcome o = load.run(new PrintStream(text, true, StandardCharsets.UTF_8));

    assertThat(o.checks()).as(text.toString(StandardCharsets.UTF_8)).isNotEmpty().allSatisfy(c -> assertThat(c.passed())
        .as(c.text()).isTrue());
    assertThat(o.exitCode()).isZero();
    assertThat(o.measurements()).anySatisfy(m -> {
      assertThat(m.bench()).isEqualTo("grpc baseline");
      assertThat(m.transfersPerSecond()).isPositive();
    });
    assertThat(o.measurements()).anySatisfy(m -> {
      assertThat(m.bench()).isEqualTo("model SHARE capacity");
      assertThat(m.mibPerSecond()).isPositive();
    });
    assertThat(o.measurements()).anySatisfy(m -> {
      assertThat(m.path()).isEqualTo("kernel");
      assertThat(m.transfersPerSecond()).isPositive();
    });
    assertThat(Files.readString(o.runDir().resolve("load.json"))).contains("\"checks\"", "grpc baseline");
    assertThat(o.runDir().resolve("load.html")).isRegularFile();
  }
}
