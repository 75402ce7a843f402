package dev.splicelab.launcher.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.splicelab.launcher.report.Metrics.StrategyAgg;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
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

  private JsonNode summary() throws Exception {
    ReportWriter.write(ReportFixtures.report(), dir);
    return JSON.readTree(Files.readString(dir.resolve("summary.json")));
  }

  private static void assertCi(JsonNode ci, double low, double high) {
    assertThat(ci.isArray()).isTrue();
    assertThat(ci.size()).isEqualTo(2);
    assertThat(ci.get(0).asDouble()).isCloseTo(low, within(1e-4));
    assertThat(ci.get(1).asDouble()).isCloseTo(high, within(1e-4));
  }

  @Test
  void summaryJsonHasRunIdentityAndOneRowPerCell() throws Exception {
    JsonNode root = summary();
    assertThat(root.get("run_id").asString()).isEqualTo("20250101-120000");
    assertThat(root.get("scenario").asString()).isEqualTo("matrix-race");
    assertThat(root.get("seed").asLong()).isEqualTo(42L);
    assertThat(root.get("started_at").asString()).isEqualTo("2025-01-01T12:00:00Z");
    assertThat(root.get("wall_seconds").asDouble()).isEqualTo(83.5);
    assertThat(root.get("kafka").asString()).isEqualTo("embedded 127.0.0.1:34567");

    JsonNode cells = root.get("cells");
    assertThat(cells.isArray()).isTrue();
    assertThat(cells.size()).isEqualTo(3);
    List<String> fields = new ArrayList<>(cells.get(0).propertyNames());
    assertThat(fields)
        .containsExactly(
            "cell",
            "strategy",
            "sender_mode",
            "fault_profile",
            "workload",
            "transfers",
            "verdicts",
            "sender_transfers_started",
            "verdicts_equal_transfers",
            "headline_model",
            "models",
            "causes",
            "silent",
            "detected",
            "wrong_bytes",
            "costs",
            "writer_stall_us",
            "latency_us",
            "pinned_bytes_samples",
            "mutations",
            "time_fidelity",
            "throughput");
  }

  @Test
  void shareCellHasRatesIntervalsClassesAndCausesPerModel() throws Exception {
    JsonNode share = summary().get("cells").get(0);
    assertThat(share.get("strategy").asString()).isEqualTo("SHARE");
    assertThat(share.get("sender_mode").asString()).isEqualTo("CSUM_OFFLOAD");
    assertThat(share.get("verdicts_equal_transfers").asBoolean()).isTrue();
    assertThat(share.get("headline_model").asString()).isEqualTo("SNAPSHOT");

    JsonNode models = share.get("models");
    assertThat(new ArrayList<>(models.propertyNames()))
        .containsExactly("SNAPSHOT", "WINDOW", "INTEGRITY");
    JsonNode snapshot = models.get("SNAPSHOT");
    assertThat(snapshot.get("ok").asLong()).isEqualTo(880);
    assertThat(snapshot.get("violated").asLong()).isEqualTo(120);
    assertThat(snapshot.get("by_class").size()).isEqualTo(2);
    assertThat(snapshot.get("by_class").get("NEWER_VERSION").asLong()).isEqualTo(100);
    assertThat(snapshot.get("by_class").get("ZEROED").asLong()).isEqualTo(20);
    assertThat(snapshot.get("corruption_rate").asDouble()).isCloseTo(0.12, within(1e-12));
    assertCi(snapshot.get("corruption_rate_ci95"), 0.10130, 0.14161);

    JsonNode window = models.get("WINDOW");
    assertThat(window.get("violated").asLong()).isEqualTo(10);
    assertThat(window.get("by_class").get("TORN").asLong()).isEqualTo(10);
    assertThat(window.get("corruption_rate").asDouble()).isCloseTo(0.01, within(1e-12));
    assertCi(window.get("corruption_rate_ci95"), 0.00544, 0.01831);

    JsonNode integrity = models.get("INTEGRITY");
    assertThat(integrity.get("ok").asLong()).isEqualTo(1000);
    assertThat(integrity.get("violated").asLong()).isZero();
    assertThat(integrity.get("by_class").size()).isZero();
    assertThat(integrity.get("corruption_rate").asDouble()).isZero();
    assertCi(integrity.get("corruption_rate_ci95"), 0, 0.00383);

    JsonNode causes = share.get("causes");
    assertThat(causes.get("SNAPSHOT").get("NEWER_VERSION").get("WRITE").asLong()).isEqualTo(70);
    assertThat(causes.get("SNAPSHOT").get("NEWER_VERSION").get("MMAP_STORE").asLong())
        .isEqualTo(30);
    assertThat(new ArrayList<>(causes.get("SNAPSHOT").get("ZEROED").propertyNames()))
        .as("causes sorted by count")
        .containsExactly("PUNCH_HOLE", "TRUNCATE");
    assertThat(causes.get("WINDOW").get("TORN").get("WRITE").asLong()).isEqualTo(10);
    assertThat(causes.has("INTEGRITY")).isFalse();

    assertThat(share.get("silent").asLong()).isEqualTo(120);
    assertThat(share.get("detected").asLong()).isZero();
    assertThat(share.get("wrong_bytes").get("ZEROED").asLong()).isEqualTo(81_920);

    JsonNode costs = share.get("costs");
    assertThat(costs.get("retransmissions").asLong()).isEqualTo(3);
    assertThat(costs.get("peak_pinned_bytes").asLong()).isEqualTo(8L << 20);
    assertThat(costs.get("bytes_copied_per_delivered_byte").asDouble()).isZero();
    assertThat(new ArrayList<>(costs.propertyNames()))
        .contains(
            "bytes_copied",
            "folios_copied",
            "write_protect_faults",
            "confirm_retries",
            "confirm_gave_up",
            "retransmissions",
            "checksum_rejects",
            "mac_failures",
            "stable_timeouts_failed",
            "stable_timeouts_let_through",
            "peak_pinned_bytes",
            "bytes_copied_per_delivered_byte")
        .hasSize(12);

    assertThat(new ArrayList<>(share.get("latency_us").propertyNames()))
        .containsExactly("p50", "p90", "p99", "p999", "max", "count");
    assertThat(share.get("latency_us").get("p99").asLong()).isEqualTo(4_200);
    assertThat(share.get("latency_us").get("p999").asLong()).isEqualTo(8_000);
    assertThat(share.get("writer_stall_us").get("count").asLong()).isZero();
    assertThat(share.get("pinned_bytes_samples").size()).isEqualTo(5);
    assertThat(share.get("pinned_bytes_samples").get(3).asLong()).isEqualTo(8L << 20);
    assertThat(share.get("mutations").get("total").asLong()).isEqualTo(250);
    assertThat(share.get("mutations").get("by_kind").get("TRUNCATE").asLong()).isEqualTo(10);
    JsonNode throughput = share.get("throughput");
    assertThat(throughput.get("transfers_per_second").asDouble()).isEqualTo(100.0);
    assertThat(throughput.get("delivered_bytes").asLong()).isEqualTo(4_096_000);
    assertThat(throughput.get("delivered_mib_per_second").asDouble())
        .isCloseTo(4_096_000 / 1048576.0 / 10.0, within(1e-9));
    assertThat(throughput.get("active_seconds").asDouble()).isEqualTo(10.0);
  }

  @Test
  void completionCellIsJudgedByWindow() throws Exception {
    JsonNode c = summary().get("cells").get(1);
    assertThat(c.get("strategy").asString()).isEqualTo("COMPLETION_AFTER_SNAPSHOT");
    assertThat(c.get("headline_model").asString()).isEqualTo("WINDOW");
    assertThat(c.get("verdicts_equal_transfers").asBoolean()).isFalse();
    assertThat(c.get("verdicts").asLong()).isEqualTo(499);
    assertThat(c.get("sender_transfers_started").asLong()).isEqualTo(500);

    JsonNode window = c.get("models").get("WINDOW");
    assertThat(window.get("ok").asLong()).isEqualTo(497);
    assertThat(window.get("violated").asLong()).isEqualTo(2);
    assertThat(window.get("corruption_rate").asDouble()).isCloseTo(2 / 499.0, within(1e-12));
    assertCi(window.get("corruption_rate_ci95"), 0.00110, 0.01449);
    // The rate is over verdicts (499), not transfers (500).
    JsonNode snapshot = c.get("models").get("SNAPSHOT");
    assertThat(snapshot.get("corruption_rate").asDouble()).isCloseTo(50 / 499.0, within(1e-12));

    JsonNode causes = c.get("causes");
    assertThat(causes.get("WINDOW").get("NEWER_VERSION").get("WRITE:foreign").asLong())
        .isEqualTo(2);
    assertThat(causes.get("SNAPSHOT").get("NEWER_VERSION").get("WRITE:application").asLong())
        .isEqualTo(48);

    assertThat(c.get("costs").get("bytes_copied").asLong()).isEqualTo(1_024_000);
    assertThat(c.get("costs").get("folios_copied").asLong()).isEqualTo(250);
    assertThat(c.get("costs").get("bytes_copied_per_delivered_byte").asDouble()).isEqualTo(0.5);
    assertThat(c.get("writer_stall_us").get("p99").asLong()).isEqualTo(2_500);
    assertThat(c.get("writer_stall_us").get("count").asLong()).isEqualTo(120);
  }

  @Test
  void tlsOffloadCellCountsMacFailuresAsDetected() throws Exception {
    JsonNode c = summary().get("cells").get(2);
    assertThat(c.get("sender_mode").asString()).isEqualTo("TLS_OFFLOAD");
    assertThat(c.get("detected").asLong()).isEqualTo(30);
    assertThat(c.get("silent").asLong()).isEqualTo(10);
    assertThat(c.get("costs").get("mac_failures").asLong()).isEqualTo(30);
    assertThat(c.get("costs").get("retransmissions").asLong()).isEqualTo(40);

    JsonNode integrity = c.get("models").get("INTEGRITY");
    assertThat(integrity.get("violated").asLong()).isEqualTo(30);
    assertThat(integrity.get("by_class").get("MAC_FAILURE").asLong()).isEqualTo(30);
    assertThat(integrity.get("corruption_rate").asDouble()).isCloseTo(30 / 800.0, within(1e-12));
    assertCi(integrity.get("corruption_rate_ci95"), 0.02639, 0.05303);

    JsonNode snapshot = c.get("models").get("SNAPSHOT");
    assertThat(snapshot.get("violated").asLong()).isEqualTo(41);
    assertThat(new ArrayList<>(snapshot.get("by_class").propertyNames()))
        .as("classes in DESIGN order")
        .containsExactly("TORN", "MAC_FAILURE", "LOST");
    assertCi(snapshot.get("corruption_rate_ci95"), 0.03800, 0.06879);
    assertThat(c.get("causes").get("INTEGRITY").get("MAC_FAILURE").get("WRITE").asLong())
        .isEqualTo(20);
  }

  @Test
  void aModelWithoutVerdictsHasNoRate() throws Exception {
    CellResult s = ReportFixtures.share();
    CellResult noWindow =
        new CellResult(s.cell(), s.strategy(), s.senderMode(), s.faultProfile(), s.workload(),
            s.transfers(), s.verdicts(), s.senderTransfersStarted(),
            Map.of("SNAPSHOT", s.verdicts("SNAPSHOT")), null, s.wrongBytes(), null, s.silent(),
            s.detected(), s.mutations(), s.mutationsByKind(), null, s.bytesDelivered(),
            s.activeSeconds(), null, null, null, null);
    Map<String, Object> json = ReportWriter.cellJson(noWindow);
    assertThat(json.get("headline_model")).isEqualTo("SNAPSHOT");
    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> models = (Map<String, Map<String, Object>>) json.get("models");
    assertThat(models.get("WINDOW").get("corruption_rate")).isNull();
    assertThat(models.get("WINDOW").get("corruption_rate_ci95")).isNull();
    assertThat((Double) models.get("SNAPSHOT").get("corruption_rate")).isCloseTo(0.12, within(1e-12));
    // Still writes a complete report.
    ReportWriter.write(ReportFixtures.run(List.of(noWindow)), dir);
    assertThat(Files.readString(dir.resolve("report.html"))).contains("n/a");
  }

  @Test
  void headlineModelDefaultsByStrategy() {
    CellResult c = ReportFixtures.completion();
    CellResult unnamed =
        new CellResult(c.cell(), c.strategy(), c.senderMode(), c.faultProfile(), c.workload(),
            c.transfers(), c.verdicts(), c.senderTransfersStarted(), c.verdictsByModel(), null,
            c.wrongBytes(), c.causes(), c.silent(), c.detected(), c.mutations(),
            c.mutationsByKind(), c.costs(), c.bytesDelivered(), c.activeSeconds(),
            c.latencyMicros(), c.writerStallMicros(), c.pinnedBytesSamples(), c.witnesses());
    assertThat(Metrics.headlineModel(unnamed)).isEqualTo("WINDOW");
    assertThat(Metrics.headlineModel(ReportFixtures.share())).isEqualTo("SNAPSHOT");
  }

  @Test
  void strategiesAreAggregatedOverTheirCellsUnderTheHeadlineModel() {
    List<StrategyAgg> aggs =
        Metrics.byStrategy(List.of(ReportFixtures.share(), ReportFixtures.completion(),
            ReportFixtures.tlsOffload()));
    assertThat(aggs).extracting(StrategyAgg::strategy)
        .containsExactly("SHARE", "COMPLETION_AFTER_SNAPSHOT");
    StrategyAgg share = aggs.get(0);
    assertThat(share.cells()).isEqualTo(2);
    assertThat(share.verdicts()).isEqualTo(1800);
    assertThat(share.violated()).isEqualTo(161);
    assertThat(share.byClass())
        .containsExactly(
            Map.entry("NEWER_VERSION", 100L),
            Map.entry("TORN", 10L),
            Map.entry("ZEROED", 20L),
            Map.entry("MAC_FAILURE", 30L),
            Map.entry("LOST", 1L));
    assertThat(share.rate()).isCloseTo(161 / 1800.0, within(1e-12));
    assertThat(share.ci()[0]).isCloseTo(0.07712, within(1e-4));
    assertThat(share.ci()[1]).isCloseTo(0.10352, within(1e-4));
    assertThat(share.label()).isEqualTo("SHARE");
    // Worst cell per percentile; mean pinned bytes second by second.
    assertThat(share.latencyMicros().get("p99")).isEqualTo(5_000);
    assertThat(share.latencyMicros().get("max")).isEqualTo(10_000);
    assertThat(share.pinnedMean().get(1)).isEqualTo((1.0 + 3.0) / 2 * (1 << 20));
    assertThat(share.pinnedMean()).hasSize(5);

    StrategyAgg completion = aggs.get(1);
    assertThat(completion.headlineModels()).containsExactly("WINDOW");
    assertThat(completion.label()).isEqualTo("COMPLETION_AFTER_SNAPSHOT [WINDOW]");
    assertThat(completion.verdicts()).isEqualTo(499);
    assertThat(completion.violated()).isEqualTo(2);
    assertThat(completion.byClass()).containsExactly(Map.entry("NEWER_VERSION", 2L));

    Metrics.CostAxis axis = Metrics.costAxis(aggs);
    assertThat(axis.bytesCopied()).isTrue();
    assertThat(axis.of(completion)).isEqualTo(0.5);
    assertThat(axis.of(share)).isZero();
  }

  @Test
  void costAxisFallsBackToCostEventsWhenNothingWasCopied() {
    List<StrategyAgg> aggs =
        Metrics.byStrategy(List.of(ReportFixtures.share(), ReportFixtures.tlsOffload()));
    Metrics.CostAxis axis = Metrics.costAxis(aggs);
    assertThat(axis.bytesCopied()).isFalse();
    assertThat(axis.title()).contains("per 1,000 transfers");
    // 3 + 40 retransmissions over 1800 transfers.
    assertThat(axis.of(aggs.get(0))).isCloseTo(1000.0 * 43 / 1800, within(1e-9));
  }

  @Test
  void witnessesJsonlHasOneLinePerWitnessWithItsModel() throws Exception {
    ReportWriter.write(ReportFixtures.report(), dir);

    List<String> lines = Files.readAllLines(dir.resolve("witnesses.jsonl"));
    assertThat(lines).hasSize(6);
    JsonNode w = JSON.readTree(lines.get(0));
    assertThat(w.get("cell").asInt()).isEqualTo(1);
    assertThat(w.get("strategy").asString()).isEqualTo("SHARE");
    assertThat(w.get("model").asString()).isEqualTo("SNAPSHOT");
    assertThat(w.get("headline").asBoolean()).isTrue();
    assertThat(w.get("transfer_id").asString()).isEqualTo("t-0042");
    assertThat(w.get("verdict").asString()).isEqualTo("VIOLATED");
    assertThat(w.get("class").asString()).isEqualTo("ZEROED");
    assertThat(w.get("events").size()).isEqualTo(5);
    assertThat(w.get("events").get(1).asString()).contains("<while pinned>");
    JsonNode torn = JSON.readTree(lines.get(2));
    assertThat(torn.get("model").asString()).isEqualTo("WINDOW");
    assertThat(torn.get("headline").asBoolean()).isFalse();
  }

  @Test
  void reportHtmlIsSelfContainedWithMatrixPlotsAndEscapedWitnesses() throws Exception {
    ReportWriter.write(ReportFixtures.report(), dir);

    Path file = dir.resolve("report.html");
    assertThat(file).exists();
    String html = Files.readString(file, StandardCharsets.UTF_8);

    assertThat(html).contains("SHARE").contains("COMPLETION_AFTER_SNAPSHOT");
    assertThat(html).contains("matrix-race").contains("Writers race &lt;splice&gt; &amp; sendfile");
    assertThat(html).contains("embedded 127.0.0.1:34567");

    // Matrix: one row per cell, a rate per model, the headline one emphasized.
    String matrix = between(html, "id=\"matrix-table\"", "</table>");
    assertThat(count(matrix, "<tr")).isEqualTo(1 + 3);
    assertThat(matrix).contains("SNAPSHOT<br>rate [95% CI]", "WINDOW<br>rate [95% CI]",
        "INTEGRITY<br>rate [95% CI]");
    assertThat(count(matrix, "class=\"num headline")).isEqualTo(3);
    assertThat(matrix).containsPattern("class=\"num headline bad\"[^>]*>12\\.0% \\[10\\.1, 14\\.2\\]<");
    assertThat(matrix).containsPattern("class=\"num headline bad\"[^>]*>0\\.4% \\[0\\.1, 1\\.4\\]<");
    // The completion cell's SNAPSHOT rate is shown but not emphasized.
    assertThat(matrix).containsPattern("class=\"num bad\"[^>]*>10\\.0% \\[");
    assertThat(matrix).contains("&#10003;").contains("&#10007; 499");
    assertThat(matrix).contains("TLS_OFFLOAD").contains("lan").contains("mixed");

    // Violations by class under the headline model, with causes.
    String classes = between(html, "id=\"class-table\"", "</table>");
    assertThat(classes).contains(">NEWER_VERSION</th>", ">ZEROED</th>", ">TORN</th>",
        ">MAC_FAILURE</th>", ">LOST</th>");
    assertThat(classes).doesNotContain(">CHECKSUM_MISMATCH</th>");
    assertThat(classes).contains("WRITE:foreign 2").contains("PUNCH_HOLE 15, TRUNCATE 5");
    assertThat(classes).doesNotContain("WRITE:application"); // a SNAPSHOT cause, not WINDOW's

    List<byte[]> images = pngImages(html);
    assertThat(images).hasSizeGreaterThanOrEqualTo(4);
    for (byte[] png : images) {
      assertThat(Arrays.copyOf(png, PNG_SIGNATURE.length)).isEqualTo(PNG_SIGNATURE);
    }
    assertThat(images).hasSize(5);
    assertThat(html).doesNotContain("class=\"plot-error\"");

    // Witnesses: one per class that occurred, as a timeline with the time in its own column.
    String witnesses = html.substring(html.indexOf("<section id=\"witnesses\">"));
    assertThat(count(witnesses, "<div class=\"witness\"")).isEqualTo(4);
    // NEWER_VERSION: cell 1's witness comes first among those under a headline model.
    assertThat(witnesses).contains("t-0042").contains("t-0007").doesNotContain("t-0500");
    assertThat(witnesses)
        .contains(
            "<span class=\"at\">+0.102 ms</span>"
                + "<span class=\"ev\">MUTATION  v2 TRUNCATE [0, EOF) op 7 &lt;while pinned&gt;</span>");
    assertThat(witnesses).contains("4096 bytes, 0 checksum rejects &amp; zero page");
    assertThat(witnesses)
        .contains("<li class=\"verdict\"><span class=\"at\"></span>"
            + "<span class=\"ev\">VERDICT SNAPSHOT ZEROED 4096</span></li>");
    assertThat(html).doesNotContain("<while pinned>");
    // TORN: the headline-model witness (cell 3) is preferred over cell 1's WINDOW one.
    assertThat(witnesses).contains("t-0802").doesNotContain("t-0099");
    assertThat(witnesses).contains("MAC_FAILURE</span> under SNAPSHOT (headline)");
    // LOST occurred without a witness.
    assertThat(witnesses).contains("<strong>LOST</strong>: no witness recorded (violations: SNAPSHOT 1)");

    // Self-contained: nothing to fetch.
    assertThat(html).doesNotContain("http://").doesNotContain("https://");
    assertThat(html).doesNotContainPattern("(?i)<(link|script|iframe)\\b");
    assertThat(html).doesNotContainPattern("(?i)src=\"(?!data:)");
    assertThat(html).doesNotContainPattern("(?i)url\\(");
  }

  @Test
  void aFullMatrixRendersWithGroupSeparatorsAndACappedPinnedPlot() throws Exception {
    List<CellResult> cells = ReportFixtures.matrix48();
    ReportWriter.write(ReportFixtures.run(cells), dir);
    String html = Files.readString(dir.resolve("report.html"));
    String matrix = between(html, "id=\"matrix-table\"", "</table>");
    assertThat(count(matrix, "<tr")).isEqualTo(1 + 48);
    assertThat(count(matrix, "<tr class=\"group-start\">")).isEqualTo(7);
    assertThat(pngImages(html)).hasSize(5);
    assertThat(html).doesNotContain("class=\"plot-error\"");
    assertThat(html).contains("one line per strategy");

    Metrics.PinnedLines lines = Metrics.pinnedLines(cells, Metrics.labels(cells));
    assertThat(lines.per()).isEqualTo("strategy");
    assertThat(lines.lines()).hasSize(6);
    assertThat(lines.lines().size()).isLessThanOrEqualTo(Metrics.MAX_PINNED_LINES);
  }

  @Test
  void eventLinesAreSplitIntoTimeAndText() {
    assertThat(ReportWriter.splitEvent("   +1.234 ms  SPLICE    t-1 file 1"))
        .containsExactly("+1.234 ms", "SPLICE    t-1 file 1");
    assertThat(ReportWriter.splitEvent("+1211.061 ms  MUTATION  v899 WRITE"))
        .containsExactly("+1211.061 ms", "MUTATION  v899 WRITE");
    assertThat(ReportWriter.splitEvent("  -0.500 ms  SEGMENT   seq 0"))
        .containsExactly("-0.500 ms", "SEGMENT   seq 0");
    assertThat(ReportWriter.splitEvent("            VERDICT SNAPSHOT ZEROED 64"))
        .containsExactly("", "VERDICT SNAPSHOT ZEROED 64");
    assertThat(ReportWriter.splitEvent("4096 bytes delivered")).containsExactly("", "4096 bytes delivered");
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

  private static String between(String s, String from, String to) {
    int a = s.indexOf(from);
    assertThat(a).as("'%s' in the report", from).isNotNegative();
    int b = s.indexOf(to, a);
    assertThat(b).isGreaterThan(a);
    return s.substring(a, b);
  }

  private static int count(String s, String needle) {
    int n = 0;
    for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + needle.length())) {
      n++;
    }
    return n;
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
