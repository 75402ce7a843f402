package dev.splicelab.launcher.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class MetricsTest {

  @TempDir Path dir;

  /** A cell as incomplete as a crashed service could leave it: every map and list null. */
  static CellResult bare(int cell, String strategy) {
    return new CellResult(cell, strategy, null, null, null, 10, 10, 10, null, null, null, null,
        0, 0, 0, null, null, 0, 0, null, null, null, null);
  }

  @Test
  void rateFormatKeepsSmallRatesVisible() {
    assertThat(Metrics.rateWithCi(120, 1000)).isEqualTo("12.0% [10.1, 14.2]");
    assertThat(Metrics.rateWithCi(2, 499)).isEqualTo("0.4% [0.1, 1.4]");
    assertThat(Metrics.rateWithCi(1, 10_000)).isEqualTo("0.01% [0.00, 0.06]");
    assertThat(Metrics.rateWithCi(0, 10_000_000)).isEqualTo("0.000% [0.000, 0.000]");
    assertThat(Metrics.rateWithCi(5, 0)).isEqualTo("n/a");
    // Inconsistent counts are clamped rather than failing the report.
    assertThat(Metrics.rateWithCi(12, 10)).isEqualTo("100.0% [72.2, 100.0]");
  }

  @Test
  void causesAreGroupedByModelAndClassLargestFirst() {
    CellResult c = ReportFixtures.share();
    Map<String, Map<String, Map<String, Long>>> causes = Metrics.causes(c);
    assertThat(causes.keySet()).containsExactly("SNAPSHOT", "WINDOW");
    assertThat(causes.get("SNAPSHOT").keySet()).containsExactly("NEWER_VERSION", "ZEROED");
    assertThat(causes.get("SNAPSHOT").get("NEWER_VERSION"))
        .containsExactly(Map.entry("WRITE", 70L), Map.entry("MMAP_STORE", 30L));

    CellResult odd =
        new CellResult(1, "SHARE", "m", "f", "w", 1, 1, 1, Map.of(), "SNAPSHOT", Map.of(),
            Map.of("SNAPSHOT/ZEROED", 3L, "SNAPSHOT/TORN/WRITE/extra", 1L), 0, 0, 0, Map.of(),
            null, 0, 0, null, null, null, null);
    Map<String, Map<String, Map<String, Long>>> parsed = Metrics.causes(odd);
    assertThat(parsed.get("SNAPSHOT").get("ZEROED")).containsExactly(Map.entry("UNSPECIFIED", 3L));
    assertThat(parsed.get("SNAPSHOT").get("TORN")).containsExactly(Map.entry("WRITE/extra", 1L));
  }

  @Test
  void labelsNameOnlyTheDimensionsThatVary() {
    List<CellResult> cells =
        List.of(ReportFixtures.share(), ReportFixtures.completion(), ReportFixtures.tlsOffload());
    assertThat(Metrics.labels(cells))
        .containsExactly(
            "SHARE / CSUM_OFFLOAD",
            "COMPLETION_AFTER_SNAPSHOT / CSUM_SOFTWARE",
            "SHARE / TLS_OFFLOAD");
    assertThat(Metrics.labels(List.of(bare(4, "SHARE"), bare(5, "SHARE"))))
        .containsExactly("SHARE #4", "SHARE #5");
  }

  @Test
  void modelsAndClassesInDesignOrder() {
    List<CellResult> cells =
        List.of(ReportFixtures.share(), ReportFixtures.completion(), ReportFixtures.tlsOffload());
    assertThat(Metrics.modelsPresent(cells)).containsExactly("SNAPSHOT", "WINDOW", "INTEGRITY");
    assertThat(Metrics.headlineClassesPresent(cells))
        .containsExactly("NEWER_VERSION", "TORN", "ZEROED", "MAC_FAILURE", "LOST");
    assertThat(Metrics.classesOccurred(cells))
        .containsExactly("NEWER_VERSION", "TORN", "ZEROED", "MAC_FAILURE", "LOST");
    assertThat(Metrics.CLASS_ORDER).endsWith("LOST", "OLDER_VERSION");
  }

  @Test
  void anIncompleteCellStillGivesAFullReport() throws Exception {
    RunReport run = ReportFixtures.run(List.of(bare(0, "SHARE"), bare(1, "COPY_AT_SPLICE")));
    ReportWriter.write(run, dir);

    JsonNode cell =
        JsonMapper.builder().build().readTree(Files.readString(dir.resolve("summary.json")))
            .get("cells").get(0);
    assertThat(cell.get("headline_model").asString()).isEqualTo("SNAPSHOT");
    assertThat(cell.get("models").get("SNAPSHOT").get("corruption_rate").isNull()).isTrue();
    assertThat(cell.get("costs").get("bytes_copied").asLong()).isZero();
    assertThat(cell.get("latency_us").size()).isZero();
    assertThat(cell.get("pinned_bytes_samples").size()).isZero();

    String html = Files.readString(dir.resolve("report.html"));
    assertThat(html).contains("n/a").contains("No failed transfers.");
    assertThat(html).contains("Pinned bytes over time: no samples were recorded.");
    assertThat(html).doesNotContain("class=\"plot-error\"");
    assertThat(Files.readString(dir.resolve("witnesses.jsonl"))).isEmpty();
    assertThat(ConsoleTable.render(run.cells())).contains("SHARE").contains("n/a");
  }
}
