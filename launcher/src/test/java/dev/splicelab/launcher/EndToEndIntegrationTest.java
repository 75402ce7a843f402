package dev.splicelab.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.splicelab.launcher.report.CellResult;
import dev.splicelab.launcher.scenario.Scenario;
import dev.splicelab.launcher.scenario.ScenarioLoader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * All five services as separate JVMs, real gRPC over loopback TCP, an embedded KRaft broker: the
 * `smoke` scenario under SHARE and COPY_AT_SPLICE. Corruption must emerge under SHARE (including
 * NEWER_VERSION and ZEROED) and never under COPY_AT_SPLICE, with exactly one verdict per transfer.
 */
class EndToEndIntegrationTest {

  @TempDir
  Path runs;

  @Test
  void shareCorruptsAndCopyAtSpliceDoesNot() throws Exception {
    Scenario smoke = ScenarioLoader.builtIn("smoke");
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    Testbed.RunOutcome outcome;
    try (PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8)) {
      outcome = Testbed.execute(smoke, 7, null, Duration.ofSeconds(3), runs, out, Clock.systemUTC());
    } finally {
      System.out.println(log.toString(StandardCharsets.UTF_8));
    }
    String printed = log.toString(StandardCharsets.UTF_8);
    assertThat(printed).as("the scenario's transport faults fired in every cell")
        .contains("fault: grpc_latency on storage-node for 1000 ms").contains("fault: pausing pipe-broker for 500 ms")
        .contains("fault: resumed pipe-broker");
    Map<String, CellResult> byStrategy = new java.util.HashMap<>();
    outcome.report().cells().forEach(c -> byStrategy.put(c.strategy(), c));

    CellResult share = byStrategy.get("SHARE");
    CellResult copy = byStrategy.get("COPY_AT_SPLICE");
    for (CellResult c : outcome.report().cells()) {
      assertThat(c.transfers()).as("%s started transfers", c.strategy()).isGreaterThan(20);
      assertThat(c.verdicts()).as("%s: one verdict per transfer", c.strategy()).isEqualTo(c.transfers());
      assertThat(c.senderTransfersStarted()).as("%s: the checker saw every transfer the sender started", c.strategy())
          .isEqualTo(c.transfers());
      assertThat(c.verdicts("SNAPSHOT").getOrDefault("VIOLATED/LOST", 0L)).as("%s lost transfers", c.strategy()).isZero();
    }
    assertThat(share.verdicts("SNAPSHOT").getOrDefault("VIOLATED/NEWER_VERSION", 0L)).isPositive();
    assertThat(share.verdicts("SNAPSHOT").getOrDefault("VIOLATED/ZEROED", 0L)).isPositive();
    assertThat(share.witnesses()).isNotEmpty();
    assertThat(share.witnesses().get(0).events()).anyMatch(l -> l.contains("SPLICE")).anyMatch(l -> l.contains("VERDICT"));
    assertThat(copy.violations()).isZero();
    assertThat(copy.costs().bytesCopied()).isPositive();

    Path dir = outcome.runDir();
    JsonNode summary = JsonMapper.builder().build().readTree(Files.readString(dir.resolve("summary.json")));
    assertThat(summary.get("cells").size()).isEqualTo(2);
    assertThat(Files.readString(dir.resolve("report.html"))).contains("data:image/png;base64,").contains("SHARE");
    assertThat(ScenarioLoader.load(dir.resolve("scenario.yaml"))).isEqualTo(smoke);
    assertThat(Files.isSymbolicLink(runs.resolve("latest")) || Files.isRegularFile(runs.resolve("latest"))).isTrue();
    for (String svc : new String[] {"storage-node", "pipe-broker", "network-sender", "mutator", "checker"}) {
      assertThat(dir.resolve("logs").resolve(svc + ".log")).exists();
    }

    // `testbed check` re-judges the run from its recorded Kafka history alone: same counts.
    java.io.StringWriter checkOut = new java.io.StringWriter();
    picocli.CommandLine cl = Testbed.commandLine();
    java.io.PrintStream stdout = System.out;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = cl.execute("check", dir.toString());
    } finally {
      System.setOut(stdout);
    }
    String report = captured.toString(StandardCharsets.UTF_8);
    System.out.println(report);
    assertThat(report).contains("same verdict counts as the run").doesNotContain("DIFFERENT");
    assertThat(code).isZero();
  }
}
