package dev.splicelab.launcher.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A fixed-width text table of a run's cells, printed by the launcher at the end of a run. */
public final class ConsoleTable {

  /** Failure classes that always get a column; any other class present goes to "other". */
  static final List<String> FIXED_CLASSES = List.of("NEWER_VERSION", "ZEROED", "TORN", "LOST");

  private ConsoleTable() {}

  /**
   * Renders one row per cell: strategy (with the sender mode, fault profile or workload when
   * they vary across the run), transfers, verdicts, OK, violated, NEWER_VERSION, ZEROED, TORN,
   * LOST, [other,] corruption rate with its Wilson 95% interval, transfers/s. A verdict count
   * that differs from the transfer count is marked with '*' and explained under the table.
   */
  public static String render(List<CellResult> cells) {
    List<String> labels = ReportWriter.labels(cells);
    boolean other =
        ReportWriter.classesPresent(cells).stream().anyMatch(c -> !FIXED_CLASSES.contains(c));

    List<String> header =
        new ArrayList<>(List.of("strategy", "transfers", "verdicts", "OK", "violated"));
    header.addAll(FIXED_CLASSES);
    if (other) {
      header.add("other");
    }
    header.add("rate [95% CI]");
    header.add("transfers/s");

    boolean mismatch = false;
    List<List<String>> rows = new ArrayList<>();
    for (int i = 0; i < cells.size(); i++) {
      CellResult c = cells.get(i);
      Map<String, Long> byClass = ReportWriter.byClass(c);
      List<String> row = new ArrayList<>();
      row.add(labels.get(i));
      row.add(Long.toString(c.transfers()));
      boolean equal = c.verdicts() == c.transfers();
      mismatch |= !equal;
      row.add(c.verdicts() + (equal ? " " : "*"));
      row.add(Long.toString(ReportWriter.okCount(c)));
      row.add(Long.toString(ReportWriter.violations(c)));
      long fixed = 0;
      for (String cls : FIXED_CLASSES) {
        long n = byClass.getOrDefault(cls, 0L);
        fixed += n;
        row.add(Long.toString(n));
      }
      if (other) {
        long total = byClass.values().stream().mapToLong(Long::longValue).sum();
        row.add(Long.toString(total - fixed));
      }
      row.add(ReportWriter.rateWithCi(c));
      row.add(String.format(Locale.ROOT, "%.1f", c.transfersPerSecond()));
      rows.add(row);
    }

    int[] width = new int[header.size()];
    for (int j = 0; j < header.size(); j++) {
      width[j] = header.get(j).length();
      for (List<String> row : rows) {
        width[j] = Math.max(width[j], row.get(j).length());
      }
    }

    StringBuilder sb = new StringBuilder();
    line(sb, header, width);
    int total = 0;
    for (int w : width) {
      total += w;
    }
    sb.append("-".repeat(total + 2 * (width.length - 1))).append('\n');
    for (List<String> row : rows) {
      line(sb, row, width);
    }
    if (cells.isEmpty()) {
      sb.append("(no cells)\n");
    }
    if (mismatch) {
      sb.append("* verdicts != transfers: some transfers were not judged or judged twice\n");
    }
    return sb.toString();
  }

  /** First column left-aligned, the others right-aligned, two spaces apart. */
  private static void line(StringBuilder sb, List<String> cols, int[] width) {
    StringBuilder l = new StringBuilder();
    for (int j = 0; j < cols.size(); j++) {
      if (j > 0) {
        l.append("  ");
      }
      String v = cols.get(j);
      String pad = " ".repeat(width[j] - v.length());
      l.append(j == 0 ? v + pad : pad + v);
    }
    sb.append(l.toString().stripTrailing()).append('\n');
  }
}
