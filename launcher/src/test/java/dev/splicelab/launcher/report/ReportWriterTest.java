package dev.splicelab.launcher.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.splicelab.launcher.report.CellResult.WitnessView;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class ReportWriterTest {

  private static final byte[] PNG_SIGNATURE = {
    (byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'
  };

  private static final JsonMapper JSON = JsonMapper.builder().build();

  @TempDir Path dir;

  /** SHARE: 1000 transfers, all judged, 100 NEWER_VERSION and 20 ZEROED violations. */
  static CellResult share() {
    Map<String, Long> snapshot = new LinkedHashMap<>();
    snapshot.put("OK/NONE", 880L);
    snapshot.put("VIOLATED/NEWER_VERSION", 100L);
    snapshot.put("VIOLATED/ZEROED", 20L);
    return new CellResult(
        1,
        "SHARE",
        "SENDFILE",
        "none",
        "small-files",
        1000,
        1000,
        1000,
        snapshot,
        Map.of("NEWER_VERSION", 409_600L, "ZEROED", 81_920L),
        250,
        Map.of("OVERWRITE", 200L, "TRUNCATE", 50L),
        0,
        3,
        0,
        8L << 20,
        4_096_000,
        10.0,
        850,
        4_200,
        9_999,
        List.of(
            new WitnessView(
                "t-0042",
                "VIOLATED",
                "ZEROED",
                List.of(
                    "000.100 splice-in file=f1 off=0 len=4096 v1",
                    "000.102 mutator truncate f1 to 0 <while pinned>",
                    "000.105 deliver t-0042 crc mismatch vs v1 & zero page"))));
  }

  /** COPY_AT_SPLICE: 500 transfers, 499 verdicts (one not judged), no violations. */
  static CellResult copyAtSplice() {
    return new CellResult(
        2,
        "COPY_AT_SPLICE",
        "SENDFILE",
        "none",
        "small-files",
        500,
        499,
        500,
        Map.of("OK/NONE", 499L),
        Map.of(),
        120,
        Map.of("OVERWRITE", 120L),
        0,
        0,
        2_048_000,
        0,
        2_048_000,
        5.0,
        1_200,
        6_000,
        12_000,
        List.of());
  }

  static RunReport report() {
    return new RunReport(
        "20250101-120000",
        "truncate-race",
        "Truncate files while they are spliced",
        42L,
        Instant.parse("2025-01-01T12:00:00Z"),
        83.5,
        "embedded 127.0.0.1:34567",
        "17.0.15",
        "Linux 6.1 x86_64, 2 cores",
        List.of(share(), copyAtSplice()));
  }

  @Test
  void summaryJsonHasCellsRatesAndClassCounts() throws Exception {
    ReportWriter.write(report(), dir);

    JsonNode root = JSON.readTree(Files.readString(dir.resolve("summary.json")));
    assertThat(root.get("run_id").asString()).isEqualTo("20250101-120000");
    assertThat(root.get("scenario").asString()).isEqualTo("truncate-race");
    assertThat(root.get("seed").asLong()).isEqualTo(42L);
    assertThat(root.get("started_at").asString()).isEqualTo("2025-01-01T12:00:00Z");
    assertThat(root.get("wall_seconds").asDouble()).isEqualTo(83.5);
    assertThat(root.get("kafka").asString()).isEqualTo("embedded 127.0.0.1:34567");

    JsonNode cells = root.get("cells");
    assertThat(cells.isArray()).isTrue();
    assertThat(cells.size()).isEqualTo(2);

    JsonNode share = cells.get(0);
    assertThat(share.get("strategy").asString()).isEqualTo("SHARE");
    assertThat(share.get("sender_mode").asString()).isEqualTo("SENDFILE");
    assertThat(share.get("verdicts_equal_transfers").asBoolean()).isTrue();
    assertThat(share.get("snapshot").get("OK").asLong()).isEqualTo(880);
    assertThat(share.get("snapshot").get("VIOLATED").asLong()).isEqualTo(120);
    JsonNode byClass = share.get("snapshot").get("by_class");
    assertThat(byClass.size()).isEqualTo(2);
    assertThat(byClass.get("NEWER_VERSION").asLong()).isEqualTo(100);
    assertThat(byClass.get("ZEROED").asLong()).isEqualTo(20);
    assertThat(share.get("corruption_rate").asDouble()).isCloseTo(0.12, within(1e-12));
    JsonNode ci = share.get("corruption_rate_ci95");
    assertThat(ci.size()).isEqualTo(2);
    assertThat(ci.get(0).asDouble()).isCloseTo(0.1013, within(1e-3));
    assertThat(ci.get(1).asDouble()).isCloseTo(0.1416, within(1e-3));
    assertThat(share.get("wrong_bytes").get("ZEROED").asLong()).isEqualTo(81_920);
    assertThat(share.get("costs").get("retransmissions").asLong()).isEqualTo(3);
    assertThat(share.get("costs").get("peak_pinned_bytes").asLong()).isEqualTo(8L << 20);
    assertThat(share.get("mutations").get("total").asLong()).isEqualTo(250);
    assertThat(share.get("mutations").get("by_kind").get("TRUNCATE").asLong()).isEqualTo(50);
    assertThat(share.get("throughput").get("transfers_per_second").asDouble()).isEqualTo(100.0);
    assertThat(share.get("throughput").get("delivered_mib_per_second").asDouble())
        .isCloseTo(4_096_000 / 1048576.0 / 10.0, within(1e-9));
    assertThat(share.get("latency_us").get("p99").asLong()).isEqualTo(4_200);

    JsonNode copy = cells.get(1);
    assertThat(copy.get("strategy").asString()).isEqualTo("COPY_AT_SPLICE");
    assertThat(copy.get("verdicts_equal_transfers").asBoolean()).isFalse();
    assertThat(copy.get("snapshot").get("OK").asLong()).isEqualTo(499);
    assertThat(copy.get("snapshot").get("VIOLATED").asLong()).isZero();
    assertThat(copy.get("snapshot").get("by_class").size()).isZero();
    assertThat(copy.get("corruption_rate").asDouble()).isZero();
    assertThat(copy.get("corruption_rate_ci95").get(0).asDouble()).isZero();
    assertThat(copy.get("corruption_rate_ci95").get(1).asDouble()).isCloseTo(0.0076, within(1e-3));
    assertThat(copy.get("costs").get("bytes_copied").asLong()).isEqualTo(2_048_000);
  }

  @Test
  void witnessesJsonlHasOneLinePerWitness() throws Exception {
    ReportWriter.write(report(), dir);

    List<String> lines = Files.readAllLines(dir.resolve("witnesses.jsonl"));
    assertThat(lines).hasSize(1);
    JsonNode w = JSON.readTree(lines.get(0));
    assertThat(w.get("cell").asInt()).isEqualTo(1);
    assertThat(w.get("strategy").asString()).isEqualTo("SHARE");
    assertThat(w.get("transfer_id").asString()).isEqualTo("t-0042");
    assertThat(w.get("verdict").asString()).isEqualTo("VIOLATED");
    assertThat(w.get("class").asString()).isEqualTo("ZEROED");
    assertThat(w.get("events").size()).isEqualTo(3);
    assertThat(w.get("events").get(1).asString()).contains("<while pinned>");
  }

  @Test
  void reportHtmlIsSelfContainedWithTablePlotsAndEscapedWitnesses() throws Exception {
    ReportWriter.write(report(), dir);

    Path file = dir.resolve("report.html");
    assertThat(file).exists();
    String html = Files.readString(file, StandardCharsets.UTF_8);

    assertThat(html).contains("SHARE").contains("COPY_AT_SPLICE");
    assertThat(html).contains("truncate-race").contains("Truncate files while they are spliced");
    assertThat(html).contains("embedded 127.0.0.1:34567");
    // Class columns for the classes present, and the rate with its interval.
    assertThat(html).contains(">NEWER_VERSION</th>").contains(">ZEROED</th>");
    assertThat(html).doesNotContain(">TORN</th>");
    assertThat(html).contains("12.0% [10.1, 14.2]");
    // One cell has verdicts == transfers, the other not.
    assertThat(html).contains("&#10003;").contains("&#10007;");

    List<byte[]> images = pngImages(html);
    assertThat(images).isNotEmpty();
    for (byte[] png : images) {
      assertThat(Arrays.copyOf(png, PNG_SIGNATURE.length)).isEqualTo(PNG_SIGNATURE);
    }
    assertThat(images).hasSizeGreaterThanOrEqualTo(2);
    assertThat(html).doesNotContain("class=\"plot-error\"");

    // Witness timeline, escaped.
    assertThat(html).contains("t-0042");
    assertThat(html).contains("000.102 mutator truncate f1 to 0 &lt;while pinned&gt;");
    assertThat(html).contains("crc mismatch vs v1 &amp; zero page");
    assertThat(html).doesNotContain("<while pinned>");

    // Self-contained: nothing to fetch.
    assertThat(html).doesNotContain("http://").doesNotContain("https://");
    assertThat(html).doesNotContainPattern("(?i)<(link|script)\\b");
    assertThat(html).doesNotContainPattern("(?i)src=\"(?!data:)");
  }

  @Test
  void aFailingPlotLeavesAVisibleNoteInstead() {
    String block =
        ReportWriter.plotBlock(
            "Broken <plot>",
            "caption",
            () -> {
              throw new IllegalStateException("no fonts <here>");
            });
    assertThat(block).contains("plot-error");
    assertThat(block).contains("IllegalStateException: no fonts &lt;here&gt;");
    assertThat(block).contains("Broken &lt;plot&gt;");
    assertThat(block).doesNotContain("data:image/png");
  }

  @Test
  void consoleTableHasOneAlignedRowPerCell() {
    String table = ConsoleTable.render(List.of(share(), copyAtSplice()));
    List<String> lines = table.lines().toList();
    assertThat(lines.get(0))
        .contains("strategy", "transfers", "verdicts", "OK", "violated")
        .contains("NEWER_VERSION", "ZEROED", "TORN", "LOST", "transfers/s");
    assertThat(lines.get(1)).matches("-+");
    assertThat(lines.get(2)).startsWith("SHARE ").contains("12.0% [10.1, 14.2]").endsWith("100.0");
    assertThat(lines.get(3)).startsWith("COPY_AT_SPLICE").contains("499*");
    assertThat(lines.get(4)).startsWith("* verdicts != transfers");
    // Right-aligned numeric columns end at the same position.
    assertThat(lines.get(2).length()).isEqualTo(lines.get(3).length());
    // "1000" and "500" (transfers) are right-aligned: both end in the same column.
    assertThat(lines.get(2).indexOf("1000") + 4).isEqualTo(lines.get(3).indexOf("500") + 3);
  }

  private static List<byte[]> pngImages(String html) {
    Matcher m = Pattern.compile("data:image/png;base64,([A-Za-z0-9+/=]+)").matcher(html);
    List<byte[]> out = new ArrayList<>();
    while (m.find()) {
      out.add(Base64.getDecoder().decode(m.group(1)));
    }
    return out;
  }
}
