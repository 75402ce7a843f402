package dev.splicelab.launcher.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ConsoleTableTest {

  private static int headerIndex(List<String> lines) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith("strategy") || lines.get(i).startsWith("#")) {
        return i;
      }
    }
    throw new AssertionError("no header line in\n" + String.join("\n", lines));
  }

  @Test
  void constantColumnsAreOmittedAndPrintedOnceAbove() {
    String table =
        ConsoleTable.render(
            List.of(
                ReportFixtures.share(), ReportFixtures.completion(), ReportFixtures.tlsOffload()));
    List<String> lines = table.lines().toList();

    // fault profile, workload and CHECKSUM_MISMATCH are the same in every row.
    assertThat(lines.get(0))
        .startsWith("same in every row: ")
        .contains("fault profile = lan", "workload = mixed", "CHECKSUM_MISMATCH = 0");
    int h = headerIndex(lines);
    String header = lines.get(h);
    assertThat(header)
        .contains("strategy", "sender mode", "transfers", "verdicts", "model", "violated")
        .contains("rate [95% CI]", "NEWER_VERSION", "ZEROED", "TORN", "MAC_FAILURE", "LOST")
        .contains("silent", "detected", "transfers/s");
    assertThat(header).doesNotContain("fault profile").doesNotContain("workload");
    assertThat(header).doesNotContain("CHECKSUM_MISMATCH");
    assertThat(lines.get(h + 1)).matches("-+");
    assertThat(lines.get(h + 1).length()).isEqualTo(header.length());

    String share = lines.get(h + 2);
    String completion = lines.get(h + 3);
    String tls = lines.get(h + 4);
    assertThat(share)
        .startsWith("SHARE ")
        .contains("CSUM_OFFLOAD", "SNAPSHOT", "12.0% [10.1, 14.2]")
        .endsWith("100.0");
    assertThat(completion)
        .startsWith("COMPLETION_AFTER_SNAPSHOT")
        .contains("CSUM_SOFTWARE", "WINDOW", "499*", "0.4% [0.1, 1.4]");
    assertThat(tls).startsWith("SHARE ").contains("TLS_OFFLOAD", "5.1% [3.8, 6.9]");
    assertThat(lines.get(h + 5)).startsWith("* verdicts != transfers");

    // Every row is as wide as the header: numbers right-aligned in fixed-width columns.
    assertThat(share.length()).isEqualTo(header.length());
    assertThat(completion.length()).isEqualTo(header.length());
    assertThat(tls.length()).isEqualTo(header.length());
    // The MAC_FAILURE count of the TLS cell ends where the header does.
    int macEnd = header.indexOf("MAC_FAILURE") + "MAC_FAILURE".length();
    assertThat(tls.substring(0, macEnd)).endsWith(" 30");
    assertThat(share.substring(0, macEnd)).endsWith(" 0");
    // detected: 30 for the TLS cell only.
    int detectedEnd = header.indexOf("detected") + "detected".length();
    assertThat(tls.substring(0, detectedEnd)).endsWith(" 30");
    assertThat(completion.substring(0, detectedEnd)).endsWith(" 0");
    // Class counts are under the headline model: the completion cell's 50 SNAPSHOT
    // NEWER_VERSION do not appear, its 2 WINDOW ones do.
    int newerEnd = header.indexOf("NEWER_VERSION") + "NEWER_VERSION".length();
    assertThat(completion.substring(0, newerEnd)).endsWith(" 2");
    assertThat(share.substring(0, newerEnd)).endsWith(" 100");
  }

  @Test
  void aSingleCellKeepsEveryColumn() {
    List<String> lines = ConsoleTable.render(List.of(ReportFixtures.share())).lines().toList();
    assertThat(lines.get(0)).startsWith("strategy").contains("fault profile", "workload", "TORN");
    assertThat(lines.get(2)).startsWith("SHARE ").contains("lan", "mixed");
  }

  @Test
  void aFullMatrixOf48RowsStaysReadable() {
    List<CellResult> cells = ReportFixtures.matrix48();
    String table = ConsoleTable.render(cells);
    List<String> lines = table.lines().toList();

    assertThat(lines.get(0))
        .startsWith("same in every row: ")
        .contains("workload = mixed", "TORN = 0", "LOST = 0", "CHECKSUM_MISMATCH = 0");
    int h = headerIndex(lines);
    String header = lines.get(h);
    assertThat(header).contains("strategy", "sender mode", "fault profile", "model");
    assertThat(header).doesNotContain("workload").doesNotContain("TORN").doesNotContain("LOST");

    List<String> rows =
        lines.subList(h + 2, lines.size()).stream()
            .filter(l -> !l.isBlank())
            .filter(l -> ReportFixtures.STRATEGIES.stream().anyMatch(l::startsWith))
            .toList();
    assertThat(rows).hasSize(48);
    // 8 blocks of 6 strategies (sender mode x fault profile), set apart by an empty line.
    long blanks = lines.subList(h + 2, lines.size()).stream().filter(String::isBlank).count();
    assertThat(blanks).isEqualTo(7);
    for (String row : rows) {
      assertThat(row.length()).isEqualTo(header.length());
    }
    assertThat(header.length()).as("width of\n%s", table).isLessThanOrEqualTo(190);
    for (String l : lines) {
      assertThat(l.length()).as("line '%s'", l).isLessThanOrEqualTo(header.length());
    }
  }

  @Test
  void noCells() {
    assertThat(ConsoleTable.render(List.of())).isEqualTo("(no cells)\n");
  }
}
