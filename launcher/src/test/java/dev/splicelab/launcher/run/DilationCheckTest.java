package dev.splicelab.launcher.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.splicelab.launcher.report.CellResult;
import dev.splicelab.launcher.scenario.Scenario;
import dev.splicelab.launcher.scenario.ScenarioLoader;
import dev.splicelab.proto.TimeFidelity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The dilation check's decision, without running services (the CLI exits 3 when Result.agree() is false). */
class DilationCheckTest {

  private static final String SCENARIO = """
      name: t
      cell_duration: 5s
      strategies: [SHARE, COPY_AT_SPLICE]
      sender_modes: [TLS_SW, CSUM_OFFLOAD]
      time_scale: 2
      """;

  private static DilationCheck check() {
    return DilationCheck.of(ScenarioLoader.parse(SCENARIO, "t.yaml"));
  }

  /** A SHARE cell with {@code verdicts} judged, SNAPSHOT violations by class as given. */
  private static CellResult cell(int index, double timeScale, long verdicts, Map<String, Long> violationsByClass) {
    Map<String, Long> snapshot = new LinkedHashMap<>();
    long violated = violationsByClass.values().stream().mapToLong(Long::longValue).sum();
    snapshot.put("OK/NONE", verdicts - violated);
    violationsByClass.forEach((k, v) -> snapshot.put("VIOLATED/" + k, v));
    return new CellResult(index, "SHARE", "TLS_SW", "lan", "mixed", verdicts, verdicts, verdicts,
        Map.of("SNAPSHOT", snapshot), "SNAPSHOT", Map.of(), Map.of(), 0, 0, 0, Map.of(),
        new CellResult.Costs(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), 0, 1.0, Map.of(), Map.of(), List.of(), List.of(),
        new CellResult.Timing(TimeFidelity.getDefaultInstance(), "", -1, timeScale));
  }

  private static void assertDiff(long x1, long n1, long x2, long n2, double lo, double hi) {
    double[] d = DilationCheck.row("all", n1, x1, n2, x2).diff();
    assertThat(d[0]).as("low of %d/%d - %d/%d", x1, n1, x2, n2).isCloseTo(lo, within(1e-4));
    assertThat(d[1]).as("high of %d/%d - %d/%d", x1, n1, x2, n2).isCloseTo(hi, within(1e-4));
  }

  /** Newcombe (1998), Statistics in Medicine 17:873, Table II, method 10 (hybrid score). */
  @Test
  void differenceIntervalIsNewcombesHybridScoreInterval() {
    assertDiff(56, 70, 48, 80, 0.0524, 0.3339);
    assertDiff(9, 10, 3, 10, 0.1705, 0.8090);
    assertDiff(6, 7, 2, 7, 0.0582, 0.8062);
    assertDiff(5, 56, 0, 29, -0.0381, 0.1926);
  }

  @Test
  void ratesAgreeWhenTheDifferenceIntervalContainsZero() {
    DilationCheck.Row same = DilationCheck.row("all", 1000, 100, 1000, 100);
    assertThat(same.agree()).isTrue();
    assertThat(same.diff()[0]).isNegative().isCloseTo(-same.diff()[1], within(1e-12));
    assertThat(same.ci1()).containsExactly(same.ci2());
    assertThat(DilationCheck.row("all", 56, 5, 29, 0).agree()).as("apart, but within the noise").isTrue();
  }

  @Test
  void ratesDifferWhenTheDifferenceIntervalExcludesZero() {
    DilationCheck.Row lower = DilationCheck.row("all", 1000, 100, 1000, 150);
    assertThat(lower.agree()).isFalse();
    assertThat(lower.diff()[1]).isNegative();
    DilationCheck.Row higher = DilationCheck.row("all", 1000, 100, 1000, 50);
    assertThat(higher.agree()).isFalse();
    assertThat(higher.diff()[0]).isPositive();
    assertThat(DilationCheck.row("all", 1000, 100, 1000, 130).agree()).as("just outside").isFalse();
  }

  @Test
  void theVerdictRestsOnTheTotalRateAlone() {
    DilationCheck c = check();
    DilationCheck.Result agree = c.result(List.of(
        cell(0, 2, 1000, Map.of("NEWER_VERSION", 100L)),
        cell(1, 8, 1000, Map.of("NEWER_VERSION", 50L, "ZEROED", 50L))));
    assertThat(agree.scale1()).isEqualTo(2);
    assertThat(agree.scale2()).isEqualTo(8);
    assertThat(agree.rows()).extracting(DilationCheck.Row::what).containsExactly("all", "NEWER_VERSION", "ZEROED");
    assertThat(agree.rows()).extracting(DilationCheck.Row::agree).containsExactly(true, false, false);
    assertThat(agree.rows().get(2).x1()).as("a class one cell lacks counts 0 there").isZero();
    assertThat(agree.agree()).as("classes differing do not fail the check").isTrue();
    assertThat(agree.render()).contains("DIFFER").contains("the rates agree");

    DilationCheck.Result differ = c.result(List.of(
        cell(0, 2, 1000, Map.of("NEWER_VERSION", 100L)),
        cell(1, 8, 1000, Map.of("NEWER_VERSION", 200L))));
    assertThat(differ.agree()).isFalse();
    assertThat(differ.render()).contains("the rates DIFFER").contains("time_scale 2");
  }

  @Test
  void theCheckRunsTheFirstSenderModeOfShareAtTheScenariosScale() {
    Scenario base = check().scenario();
    assertThat(base.name()).isEqualTo("t-dilation");
    assertThat(base.strategies()).containsExactly("SHARE");
    assertThat(base.senderModes()).containsExactly("TLS_SW");
    assertThat(base.faultProfiles()).hasSize(1);
    assertThat(base.workloads()).hasSize(1);
    assertThat(base.timeScale()).isEqualTo(2);
    assertThat(base.description()).contains("time_scale 2 and 8");
  }

  @Test
  void writeRecordsTheVerdictAndEveryRow(@TempDir Path dir) throws Exception {
    DilationCheck c = check();
    DilationCheck.Result r = c.result(List.of(
        cell(0, 2, 1000, Map.of("TORN", 10L)),
        cell(1, 8, 500, Map.of("TORN", 40L))));
    c.write(r, dir);
    JsonNode json = JsonMapper.builder().build().readTree(Files.readString(dir.resolve("dilation.json")));
    assertThat(json.get("agree").asBoolean()).isFalse();
    assertThat(json.get("time_scales").get(1).asDouble()).isEqualTo(8.0);
    assertThat(json.get("rows")).hasSize(2);
    JsonNode all = json.get("rows").get(0);
    assertThat(all.get("class").asString()).isEqualTo("all");
    assertThat(all.get("transfers").get(1).asLong()).isEqualTo(500);
    assertThat(all.get("violations").get(1).asLong()).isEqualTo(40);
    assertThat(all.get("rates").get(1).asDouble()).isEqualTo(0.08);
    assertThat(all.get("difference_ci95").get(1).asDouble()).isNegative();
  }
}
