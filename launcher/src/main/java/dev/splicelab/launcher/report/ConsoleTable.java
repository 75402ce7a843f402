package dev.splicelab.launcher.report;

import static dev.splicelab.launcher.report.Metrics.headlineModel;
import static dev.splicelab.launcher.report.Metrics.str;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * A fixed-width text table of a run's cells, printed by the launcher at the end of a run. Columns
 * whose value is the same in every row are left out and printed once above the table, so that a
 * full matrix (48 rows and more) stays narrow enough to read.
 */
public final class ConsoleTable {

  /** Failure classes that get a column (under the headline model); others go to "other". */
  static final List<String> FIXED_CLASSES =
      List.of("NEWER_VERSION", "ZEROED", "TORN", "CHECKSUM_MISMATCH", "MAC_FAILURE", "LOST");

  /** Width the "same in every row" lines wrap at, unless the table is wider. */
  private static final int MIN_WRAP = 100;

  private ConsoleTable() {}

  /** A column: its header, alignment and the value of each row. */
  private record Column(String name, boolean left, boolean dimension, List<String> values) {

    boolean constant() {
      return values.stream().distinct().count() <= 1;
    }
  }

  /**
   * Renders one row per cell: strategy, sender mode, fault profile, workload, transfers,
   * verdicts, the headline model with its violated count and rate [Wilson 95% CI], the counts of
   * NEWER_VERSION, ZEROED, TORN, CHECKSUM_MISMATCH, MAC_FAILURE and LOST (and of any other class,
   * as "other") under the headline model, silent, detected, transfers/s. With two rows or more, a
   * column whose value is the same in every row is printed once above the table instead. A
   * verdict count that differs from the transfer count is marked with '*' and explained under the
   * table; blocks of cells sharing sender mode, fault profile and workload are set apart by an
   * empty line.
   */
  public static String render(List<CellResult> cells) {
    if (cells == null || cells.isEmpty()) {
      return "(no cells)\n";
    }
    List<Column> all = columns(cells);

    List<Column> shown = new ArrayList<>();
    List<Column> constant = new ArrayList<>();
    boolean omit = cells.size() >= 2;
    for (Column col : all) {
      if (omit && col.constant()) {
        constant.add(col);
      } else {
        shown.add(col);
      }
    }
    // Rows need a label: keep the strategy when every dimension is constant, and number the
    // rows when the dimensions shown do not tell them apart.
    if (shown.stream().noneMatch(Column::dimension)) {
      Column strategy = all.get(0);
      constant.remove(strategy);
      shown.add(0, strategy);
    }
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < cells.size(); i++) {
      StringBuilder k = new StringBuilder();
      for (Column col : shown) {
        if (col.dimension()) {
          k.append(col.values().get(i)).append('\u0000');
        }
      }
      keys.add(k.toString());
    }
    if (keys.stream().distinct().count() < keys.size()) {
      shown.add(
          0,
          new Column(
              "#", false, true, cells.stream().map(c -> String.valueOf(c.cell())).toList()));
    }

    int[] width = new int[shown.size()];
    for (int j = 0; j < shown.size(); j++) {
      Column col = shown.get(j);
      width[j] = col.name().length();
      for (String v : col.values()) {
        width[j] = Math.max(width[j], v.length());
      }
    }
    int tableWidth = 0;
    for (int w : width) {
      tableWidth += w;
    }
    tableWidth += 2 * (width.length - 1);

    StringBuilder sb = new StringBuilder();
    if (!constant.isEmpty()) {
      List<String> parts = new ArrayList<>();
      for (Column col : constant) {
        parts.add(col.name() + " = " + col.values().get(0).strip());
      }
      wrap(sb, "same in every row: ", parts, ", ", Math.max(MIN_WRAP, tableWidth));
    }
    List<String> header = shown.stream().map(Column::name).toList();
    line(sb, header, shown, width);
    sb.append("-".repeat(tableWidth)).append('\n');
    boolean[] starts = ReportWriter.groupStarts(cells);
    for (int i = 0; i < cells.size(); i++) {
      if (starts[i]) {
        sb.append('\n');
      }
      int row = i;
      line(sb, shown.stream().map(col -> col.values().get(row)).toList(), shown, width);
    }
    if (cells.stream().anyMatch(c -> c.verdicts() != c.transfers())) {
      sb.append("* verdicts != transfers: some transfers were not judged or judged twice\n");
    }
    for (CellResult c : cells) {
      String why = c.timing().notRepresentative();
      if (why != null) {
        sb.append("! cell ").append(c.cell()).append(" (").append(c.strategy()).append(") is not representative: ")
            .append(why).append('\n');
      }
    }
    wrap(
        sb,
        "",
        List.of(
            "violated, rate [Wilson 95% CI] and class counts: under each cell's headline model"
                + " (WINDOW for COMPLETION_AFTER_SNAPSHOT, SNAPSHOT otherwise)",
            "silent: SNAPSHOT violations the receiver accepted",
            "detected: corruption the receiver caught (checksum, MAC)",
            "mutations/s: kept by the writers / asked by the scenario (under 90%, with no writer stalls by the strategy:"
                + " not representative)",
            "window ms: the mean race window (splice-in to the last read for the wire) the scenario implies / the one"
                + " measured; overhead: the difference as a fraction of the implied window (over 10%: not representative)."),
        "; ",
        Math.max(MIN_WRAP, tableWidth));
    return sb.toString();
  }

  private static List<Column> columns(List<CellResult> cells) {
    List<Column> cols = new ArrayList<>();
    cols.add(dim("strategy", cells, CellResult::strategy));
    cols.add(dim("sender mode", cells, CellResult::senderMode));
    cols.add(dim("fault profile", cells, CellResult::faultProfile));
    cols.add(dim("workload", cells, CellResult::workload));
    cols.add(dim("time scale", cells, c -> Metrics.scale(c.timing().timeScale())));
    cols.add(num("transfers", cells, c -> Long.toString(c.transfers())));
    cols.add(
        num(
            "verdicts",
            cells,
            c -> c.verdicts() + (c.verdicts() == c.transfers() ? " " : "*")));
    cols.add(new Column("model", true, false, map(cells, c -> headlineModel(c))));
    cols.add(num("violated", cells, c -> Long.toString(Metrics.violated(c, headlineModel(c)))));
    cols.add(num("rate [95% CI]", cells,
        c -> Metrics.rateWithCi(c, headlineModel(c)) + (c.timing().notRepresentative() != null ? "!" : " ")));
    for (String cls : FIXED_CLASSES) {
      cols.add(
          num(
              cls,
              cells,
              c -> Long.toString(Metrics.byClass(c, headlineModel(c)).getOrDefault(cls, 0L))));
    }
    List<String> other = map(cells, ConsoleTable::otherClasses);
    if (other.stream().anyMatch(v -> !"0".equals(v))) {
      cols.add(new Column("other", false, false, other));
    }
    cols.add(num("silent", cells, c -> Long.toString(c.silent())));
    cols.add(num("detected", cells, c -> Long.toString(c.detected())));
    cols.add(
        num(
            "transfers/s",
            cells,
            c -> String.format(Locale.ROOT, "%.1f", c.transfersPerSecond())));
    cols.add(num("mutations/s", cells, c -> mutationRate(c.timing().pace())));
    cols.add(num("window ms", cells, c -> window(c.timing())));
    cols.add(num("overhead", cells, c -> c.timing().measured()
        ? String.format(Locale.ROOT, "%.1f%%", 100 * c.timing().overheadFraction()) : "-"));
    return cols;
  }

  /** Kept/asked mutations per second ("122/400"), "-" when mutations are off or not measured. */
  static String mutationRate(CellResult.MutationPace p) {
    return p.askedPerSecond() > 0 ? String.format(Locale.ROOT, "%.0f/%.0f", p.achievedPerSecond(), p.askedPerSecond()) : "-";
  }

  /** Implied/measured mean race window, milliseconds. */
  static String window(CellResult.Timing t) {
    return t.measured() ? String.format(Locale.ROOT, "%.2f/%.2f", t.fidelity().getImpliedMeanUs() / 1000,
        t.fidelity().getMeasuredMeanUs() / 1000) : "-";
  }

  /** Where a cell's overhead went (TimeFidelity's parts), as "wake 120 us, post 40 us, wire 300 us". */
  public static String overheadParts(dev.splicelab.proto.TimeFidelity f) {
    return String.format(Locale.ROOT, "reply %.0f us, wake %.0f us, post %.0f us, wire %.0f us",
        f.getOverheadReplyMeanUs(), f.getOverheadWakeMeanUs(), f.getOverheadPostMeanUs(), f.getOverheadWireMeanUs());
  }

  /**
   * "mutations 122/s of 400/s asked (31%)", with a leading "; ", or "" when mutations are off;
   * "(writers stalled by the strategy: not judged)" when the strategy held writers up by design.
   */
  public static String pace(CellResult.MutationPace p) {
    if (p.askedPerSecond() <= 0) {
      return "";
    }
    return String.format(Locale.ROOT, "mutations %.0f/s of %.0f/s asked (%.0f%%%s)", p.achievedPerSecond(),
        p.askedPerSecond(), 100 * p.fraction(), p.judged() ? "" : "; writers stalled by the strategy: not judged")
        + "; ";
  }

  private static String otherClasses(CellResult c) {
    long n = 0;
    for (Map.Entry<String, Long> e : Metrics.byClass(c, headlineModel(c)).entrySet()) {
      if (!FIXED_CLASSES.contains(e.getKey())) {
        n += e.getValue();
      }
    }
    return Long.toString(n);
  }

  private static Column dim(String name, List<CellResult> cells, Function<CellResult, String> f) {
    return new Column(
        name, true, true, map(cells, c -> str(f.apply(c)).isBlank() ? "-" : str(f.apply(c))));
  }

  private static Column num(String name, List<CellResult> cells, Function<CellResult, String> f) {
    return new Column(name, false, false, map(cells, f));
  }

  private static List<String> map(List<CellResult> cells, Function<CellResult, String> f) {
    return cells.stream().map(f).toList();
  }

  /** Text columns left-aligned, numbers right-aligned, two spaces apart. */
  private static void line(StringBuilder sb, List<String> cols, List<Column> spec, int[] width) {
    StringBuilder l = new StringBuilder();
    for (int j = 0; j < cols.size(); j++) {
      if (j > 0) {
        l.append("  ");
      }
      String v = cols.get(j);
      String pad = " ".repeat(Math.max(0, width[j] - v.length()));
      l.append(spec.get(j).left() ? v + pad : pad + v);
    }
    sb.append(l.toString().stripTrailing()).append('\n');
  }

  /** Word-wraps {@code lead + String.join(sep, parts)} at {@code max}, indenting continuations. */
  private static void wrap(StringBuilder sb, String lead, List<String> parts, String sep, int max) {
    String indent = " ".repeat(lead.length());
    StringBuilder l = new StringBuilder(lead);
    boolean empty = true;
    for (String word : String.join(sep, parts).split(" ")) {
      if (!empty && l.length() + 1 + word.length() > max) {
        sb.append(l.toString().stripTrailing()).append('\n');
        l = new StringBuilder(indent);
        empty = true;
      }
      if (!empty) {
        l.append(' ');
      }
      l.append(word);
      empty = false;
    }
    sb.append(l.toString().stripTrailing()).append('\n');
  }

}
