package dev.splicelab.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.splicelab.launcher.report.CellResult;
import dev.splicelab.launcher.run.RunDriver;
import dev.splicelab.launcher.scenario.Scenario;
import dev.splicelab.launcher.scenario.ScenarioLoader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The `mechanisms` scenario (every strategy x CSUM_SOFTWARE and TLS_SW x two workloads, fixed
 * seed) on the real fleet, and what each mechanism implies, measured from the checker's verdicts
 * and causes. Nothing here is written into the code under test: a mechanism that stops working
 * makes these fail.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MechanismsIntegrationTest {

  List<CellResult> cells;

  @BeforeAll
  void run(@TempDir Path runs) throws Exception {
    Scenario sc = ScenarioLoader.builtIn("mechanisms");
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    try (PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8)) {
      // warmed up as a user's run is: on JVMs still compiling, the first cell's windows are several
      // times the scenario's (a 3 s warm-up left 14 ms of reply overhead in a 3 ms window), so what
      // the windows decide (a checksum-to-DMA race of 200 us) would measure the compiler instead
      cells = Testbed.execute(sc, 11, null, Testbed.Target.LOCAL, RunDriver.Warmup.untilSettled(), runs, out,
          Clock.systemUTC()).report().cells();
    } finally {
      System.out.println(log.toString(StandardCharsets.UTF_8));
    }
  }

  List<CellResult> of(String strategy) {
    return cells.stream().filter(c -> c.strategy().equals(strategy)).toList();
  }

  static long count(Map<String, Long> m, String prefix) {
    return m.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).mapToLong(Map.Entry::getValue).sum();
  }

  @Test
  void everyTransferIsJudgedOncePerModel() {
    for (CellResult c : cells) {
      assertThat(c.transfers()).as("cell %d %s started transfers", c.cell(), c.strategy()).isPositive();
      for (String model : List.of("SNAPSHOT", "WINDOW", "INTEGRITY")) {
        assertThat(c.verdicts(model).values().stream().mapToLong(Long::longValue).sum())
            .as("cell %d %s %s verdicts", c.cell(), c.strategy(), model).isEqualTo(c.transfers());
      }
    }
  }

  @Test
  void copyCowAndStablePagesHaveNoSnapshotViolations() {
    for (String s : List.of("COPY_AT_SPLICE", "COW_PRIVATE_REF", "STABLE_PAGES")) {
      for (CellResult c : of(s)) {
        assertThat(c.violations("SNAPSHOT")).as("%s %s %s", s, c.senderMode(), c.workload()).isZero();
      }
    }
    assertThat(of("COW_PRIVATE_REF").stream().mapToLong(c -> c.costs().foliosCopied()).sum())
        .as("COW paid with folio copies").isPositive();
    assertThat(of("STABLE_PAGES").stream().mapToLong(c -> c.writerStallMicros().get("count")).sum())
        .as("STABLE_PAGES paid with writer stalls").isPositive();
  }

  @Test
  void optimisticConfirmViolationsComeOnlyFromStoresThatDoNotBumpTheCookie() {
    for (CellResult c : of("OPTIMISTIC_CONFIRM")) {
      c.causes().forEach((key, n) -> {
        if (key.startsWith("SNAPSHOT/") && !key.startsWith("SNAPSHOT/LOST/")) {
          assertThat(key).as("%s %s: %d transfers", c.senderMode(), c.workload(), n).endsWith("/MMAP_STORE");
        }
      });
      assertThat(c.costs().confirmRetries()).as("failed confirms re-spliced").isPositive();
    }
    assertThat(of("OPTIMISTIC_CONFIRM").stream().filter(c -> c.workload().equals("gentle")).mapToLong(CellResult::transfers).sum()
        - of("OPTIMISTIC_CONFIRM").stream().filter(c -> c.workload().equals("gentle"))
            .mapToLong(c -> c.verdicts("SNAPSHOT").getOrDefault("VIOLATED/LOST", 0L)).sum())
        .as("transfers that got through their confirms under the gentle workload").isPositive();
  }

  @Test
  void completionAfterSnapshotHasNoWindowViolationFromApplicationWriters() {
    for (CellResult c : of("COMPLETION_AFTER_SNAPSHOT")) {
      assertThat(c.headlineModel()).isEqualTo("WINDOW");
      assertThat(c.causes().keySet().stream().filter(k -> k.startsWith("WINDOW/") && k.endsWith(":application")))
          .as("%s %s", c.senderMode(), c.workload()).isEmpty();
    }
  }

  @Test
  void softwareTlsNeverFailsItsMac() {
    for (CellResult c : cells) {
      if (c.senderMode().equals("TLS_SW")) {
        assertThat(c.costs().macFailures()).isZero();
        assertThat(count(c.verdicts("INTEGRITY"), "VIOLATED/MAC_FAILURE")).isZero();
      }
    }
  }

  @Test
  void shareWithSoftwareChecksumsSeesChecksumMismatchesUnderConcurrentWrites() {
    long mismatches = of("SHARE").stream().filter(c -> c.senderMode().equals("CSUM_SOFTWARE"))
        .mapToLong(c -> c.costs().checksumRejects()).sum();
    assertThat(mismatches).isPositive();
    assertThat(of("SHARE").stream().filter(c -> c.senderMode().equals("CSUM_SOFTWARE"))
        .mapToLong(c -> count(c.verdicts("INTEGRITY"), "VIOLATED/CHECKSUM_MISMATCH")).sum()).isPositive();
  }
}
