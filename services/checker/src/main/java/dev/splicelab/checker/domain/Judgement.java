package dev.splicelab.checker.domain;

import dev.splicelab.common.cells.CellCodec;
import dev.splicelab.proto.CellKind;
import dev.splicelab.proto.CellRun;
import dev.splicelab.proto.DeliveryRecord;
import dev.splicelab.proto.FailureClass;
import dev.splicelab.proto.MutationKind;
import dev.splicelab.proto.MutationRecord;
import dev.splicelab.proto.Transmission;
import dev.splicelab.proto.SpliceRecord;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The judgement of one transfer under the three consistency models of DESIGN section 6, from the
 * history alone. Pure functions of their evidence.
 *
 * <ul>
 *   <li>SNAPSHOT: every delivered cell equals the file at the splice-in version.
 *   <li>WINDOW: the delivered bytes equal the file at one single version between splice-in and
 *       completion (the delivery).
 *   <li>INTEGRITY: no torn cell, no segment mixing versions, no checksum rejects, no MAC failure,
 *       retransmissions identical to first transmissions.
 * </ul>
 */
public final class Judgement {

  /**
   * Outcome under one model: the class (NONE when satisfied), wrong bytes, evidence, and causes as
   * "CLASS/CAUSE" (each wrong cell's own class and the mutation kind behind it).
   */
  public record Result(FailureClass failureClass, Map<FailureClass, Long> wrongBytes, List<String> firstWrongCells,
      Set<String> causes) {
    public Result(FailureClass failureClass, Map<FailureClass, Long> wrongBytes, List<String> firstWrongCells) {
      this(failureClass, wrongBytes, firstWrongCells, Set.of());
    }

    public boolean ok() {
      return failureClass == FailureClass.NONE;
    }
  }

  /**
   * What the models look at for one transfer. delivery may be null (never completed); transmissions
   * are those of the delivered splice attempt (empty where none are recorded: the kernel path);
   * writerTypes suffixes causes with the writer's side of the completion contract.
   */
  public record Evidence(SpliceRecord splice, DeliveryRecord delivery, List<Transmission> transmissions,
      FileHistory history, boolean writerTypes) {}

  /** Severity order when a transfer has several kinds of wrong cells. */
  private static final List<FailureClass> PRIORITY =
      List.of(FailureClass.ZEROED, FailureClass.TORN, FailureClass.OLDER_VERSION, FailureClass.NEWER_VERSION);

  private static final byte DATA = 0;
  private static final byte ZERO = 1;
  private static final byte BAD = 2;

  private Judgement() {}

  /** SNAPSHOT against the splice-in version, without segment evidence (convenience for tests). */
  public static Result snapshot(SpliceRecord splice, DeliveryRecord delivery, FileHistory history) {
    return snapshot(new Evidence(splice, delivery, List.of(), history, false));
  }

  public static Result snapshot(Evidence e) {
    return all(e)[0];
  }

  public static Result window(Evidence e) {
    return all(e)[1];
  }

  public static Result integrity(Evidence e) {
    return all(e)[2];
  }

  /**
   * SNAPSHOT, WINDOW and INTEGRITY, in that order: the same results as one call each, with the
   * delivered cells and the file's contents at the splice version worked out once for all three.
   */
  public static Result[] all(Evidence e) {
    if (delivered(e) && deliveredAsAtSplice(e)) {
      // every cell is what the file held at the splice version: SNAPSHOT and WINDOW hold, and so do
      // INTEGRITY's cell checks (no torn cell; every segment is one version); only its checks of
      // the transmissions remain. Worked out on runs and spans, not per cell: most transfers.
      return new Result[] {ok(), ok(), integrity(e, null, null)};
    }
    Delivered d = null;
    Expected x = null;
    if (delivered(e)) {
      d = delivered(e.delivery(), e.splice());
      x = expectedAt(e.history(), e.splice().getVersion(), d.start, d.n);
    }
    return new Result[] {snapshot(e, d, x), window(e, d, x), integrity(e, d, x)};
  }

  private static Result snapshot(Evidence e, Delivered d, Expected x) {
    if (d == null) {
      return lost(e);
    }
    return matches(d, x, 0, d.n) ? ok() : classify(e, d, x);
  }

  private static Result window(Evidence e, Delivered d, Expected x) {
    if (d == null) {
      return lost(e);
    }
    if (matches(d, x, 0, d.n)) {
      return ok();
    }
    Expected later = x.copy();
    long vc = completionVersion(e);
    for (long v = e.splice().getVersion() + 1; v <= vc; v++) {
      if (overlay(e.history(), v, later, d.start, d.n) && matches(d, later, 0, d.n)) {
        return ok();
      }
    }
    return classify(e, d, x);
  }

  private static Result integrity(Evidence e, Delivered delivered, Expected atSplice) {
    DeliveryRecord del = e.delivery();
    Map<FailureClass, Long> wrong = new EnumMap<>(FailureClass.class);
    List<String> notes = new ArrayList<>();
    if (del != null && del.getMacFailures() > 0) {
      wrong.put(FailureClass.MAC_FAILURE, e.splice().getLength());
      notes.add("a TLS record failed authentication at the receiver: connection aborted");
      return new Result(FailureClass.MAC_FAILURE, wrong, notes, changesDuring(e, FailureClass.MAC_FAILURE));
    }
    if (!delivered(e)) {
      return lost(e);
    }
    Map<Integer, Transmission> first = new HashMap<>();
    Map<Integer, Transmission> ranges = new TreeMap<>();
    boolean divergent = del.getDivergentDuplicates() > 0;
    for (Transmission s : e.transmissions()) {
      if (s.getDmaReadNanos() > del.getAtNanos()) {
        continue; // only what was on the wire before the delivery can have shaped it
      }
      ranges.putIfAbsent(s.getSeq(), s);
      Transmission f = first.putIfAbsent(s.getSeq(), s);
      if (f != null && f.getPlaintextCrc() != s.getPlaintextCrc()) {
        divergent = true;
        if (notes.size() < 5) {
          notes.add("segment " + s.getSeq() + ": attempt " + s.getAttempt() + " carried different bytes than attempt " + f.getAttempt());
        }
      }
    }
    Delivered d = delivered; // null: every cell is known to match the splice version
    long torn = 0;
    for (int i = 0; d != null && i < d.n; i++) {
      if (d.kind[i] == BAD) {
        torn += CellCodec.CELL;
      }
    }
    long mixed = 0;
    long vc = completionVersion(e);
    for (Transmission s : d == null ? List.<Transmission>of() : ranges.values()) {
      int from = (int) ((s.getFileOffset() - d.start) / CellCodec.CELL);
      int to = Math.min(d.n, from + s.getLength() / CellCodec.CELL);
      if (from < 0 || from >= to || matches(d, atSplice, from, to)
          || consistentAtOneVersion(e.history(), e.splice().getVersion(), vc, d, from, to)) {
        continue;
      }
      mixed += (long) (to - from) * CellCodec.CELL;
      if (notes.size() < 5) {
        notes.add("segment " + s.getSeq() + " [" + s.getFileOffset() + ", " + (s.getFileOffset() + s.getLength())
            + ") mixes versions: no single version between v" + e.splice().getVersion() + " and v" + vc + " matches it");
      }
    }
    if (divergent) {
      wrong.put(FailureClass.RETRANSMIT_DIVERGENCE, 0L);
    }
    if (torn + mixed > 0) {
      wrong.put(FailureClass.TORN, torn + mixed);
    }
    if (del.getChecksumRejects() > 0) {
      wrong.put(FailureClass.CHECKSUM_MISMATCH, 0L);
      notes.add(del.getChecksumRejects() + " segments dropped by the receiver for a bad checksum, then retransmitted");
    }
    for (FailureClass c : List.of(FailureClass.RETRANSMIT_DIVERGENCE, FailureClass.TORN, FailureClass.CHECKSUM_MISMATCH)) {
      if (wrong.containsKey(c)) {
        return new Result(c, wrong, notes, changesDuring(e, c));
      }
    }
    return ok();
  }

  /**
   * True when the delivery's cell runs cover the spliced range exactly and equal, cell for cell,
   * the file's spans at the splice version (zeros where it held zeros, each op where it held that
   * op): the per-cell comparison of {@link #matches}, done as one walk over runs and spans.
   */
  static boolean deliveredAsAtSplice(Evidence e) {
    SpliceRecord splice = e.splice();
    long start = splice.getOffset();
    long end = start + (splice.getLength() / CellCodec.CELL) * CellCodec.CELL;
    List<CellRun> runs = e.delivery().getRunsList();
    List<FileHistory.Span> spans = e.history().contents(splice.getVersion(), start, end);
    int si = 0;
    long pos = start;
    for (CellRun r : runs) {
      long rs = r.getOffset();
      long re = rs + (long) r.getCells() * CellCodec.CELL;
      if (re <= pos) {
        continue;
      }
      if (rs > pos) {
        return false; // a gap: cells missing
      }
      int kind = r.getKindValue();
      if (kind != CellKind.CELL_DATA_VALUE && kind != CellKind.CELL_ZERO_VALUE) {
        return false;
      }
      long upTo = Math.min(re, end);
      while (pos < upTo) {
        while (si < spans.size() && spans.get(si).end() <= pos) {
          si++;
        }
        if (si == spans.size() || spans.get(si).start() > pos) {
          return false; // the image does not say what the file held here
        }
        FileHistory.Span sp = spans.get(si);
        boolean ok = sp.zero() ? kind == CellKind.CELL_ZERO_VALUE : kind == CellKind.CELL_DATA_VALUE && r.getOpId() == sp.opId();
        if (!ok) {
          return false;
        }
        pos = Math.min(upTo, sp.end());
      }
      if (pos >= end) {
        return true;
      }
    }
    return pos >= end;
  }

  /** True if the delivery's data cells all name ops the log already knows. */
  public static boolean opsKnown(DeliveryRecord d, FileHistory h) {
    for (CellRun r : d.getRunsList()) {
      if (r.getKindValue() == CellKind.CELL_DATA_VALUE && h.versionOf(r.getOpId()) < 0) {
        return false;
      }
    }
    return true;
  }

  // ------------------------------------------------------------------ mechanics

  private static Result ok() {
    return OK;
  }

  private static final Result OK = new Result(FailureClass.NONE, Map.of(), List.of(), Set.of());

  private static boolean delivered(Evidence e) {
    return e.delivery() != null && !e.delivery().getAborted();
  }

  private static Result lost(Evidence e) {
    return new Result(FailureClass.LOST, Map.of(FailureClass.LOST, e.splice().getLength()),
        List.of(e.delivery() == null ? "never delivered" : "connection aborted before delivery"), Set.of("LOST/NONE"));
  }

  /** The newest version whose change could be in the delivered bytes. */
  static long completionVersion(Evidence e) {
    FileHistory h = e.history();
    long vc = e.delivery() != null ? h.versionAt(e.delivery().getAtNanos()) : h.contiguousVersion();
    return Math.max(e.splice().getVersion(), Math.min(vc, h.contiguousVersion()));
  }

  /** Delivered cells of the spliced range: kind and op id per cell. */
  private static final class Delivered {
    long start;
    int n;
    byte[] kind;
    long[] op;
  }

  private static final class Expected {
    boolean[] zero;
    long[] op;

    Expected copy() {
      Expected c = new Expected();
      c.zero = zero.clone();
      c.op = op.clone();
      return c;
    }
  }

  private static Delivered delivered(DeliveryRecord del, SpliceRecord splice) {
    Delivered d = new Delivered();
    d.start = splice.getOffset();
    d.n = (int) (splice.getLength() / CellCodec.CELL);
    d.kind = new byte[d.n];
    d.op = new long[d.n];
    java.util.Arrays.fill(d.kind, (byte) -1);
    for (CellRun run : del.getRunsList()) {
      for (int k = 0; k < run.getCells(); k++) {
        int i = (int) ((run.getOffset() - d.start) / CellCodec.CELL) + k;
        if (i < 0 || i >= d.n) {
          continue;
        }
        int kind = run.getKindValue();
        d.kind[i] = kind == CellKind.CELL_DATA_VALUE ? DATA : kind == CellKind.CELL_ZERO_VALUE ? ZERO : BAD;
        d.op[i] = run.getOpId();
      }
    }
    return d;
  }

  private static Expected expectedAt(FileHistory h, long version, long start, int n) {
    Expected x = new Expected();
    x.zero = new boolean[n];
    x.op = new long[n];
    for (FileHistory.Span s : h.contents(version, start, start + (long) n * CellCodec.CELL)) {
      for (long off = s.start(); off < s.end(); off += CellCodec.CELL) {
        int i = (int) ((off - start) / CellCodec.CELL);
        x.zero[i] = s.zero();
        x.op[i] = s.opId();
      }
    }
    return x;
  }

  /** Applies version v on top of x; false if it does not touch the range. */
  private static boolean overlay(FileHistory h, long v, Expected x, long start, int n) {
    FileHistory.Effect m = h.effect(v);
    if (m == null) {
      return false;
    }
    long end = start + (long) n * CellCodec.CELL;
    long s = Math.max(start, m.start());
    long e = Math.min(end, m.end());
    if (s >= e) {
      return false;
    }
    for (long off = s - (s - start) % CellCodec.CELL; off < e; off += CellCodec.CELL) {
      int i = (int) ((off - start) / CellCodec.CELL);
      x.zero[i] = m.zero();
      x.op[i] = m.opId();
    }
    return true;
  }

  private static boolean matches(Delivered d, Expected x, int from, int to) {
    for (int i = from; i < to; i++) {
      boolean ok = x.zero[i] ? d.kind[i] == ZERO : d.kind[i] == DATA && d.op[i] == x.op[i];
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static boolean consistentAtOneVersion(FileHistory h, long from, long to, Delivered d, int a, int b) {
    long start = d.start + (long) a * CellCodec.CELL;
    int n = b - a;
    Delivered sub = new Delivered();
    sub.start = start;
    sub.n = n;
    sub.kind = java.util.Arrays.copyOfRange(d.kind, a, b);
    sub.op = java.util.Arrays.copyOfRange(d.op, a, b);
    Expected x = expectedAt(h, from, start, n);
    if (matches(sub, x, 0, n)) {
      return true;
    }
    for (long v = from + 1; v <= to; v++) {
      if (overlay(h, v, x, start, n) && matches(sub, x, 0, n)) {
        return true;
      }
    }
    return false;
  }

  private static Result classify(Evidence e, Delivered d, Expected x) {
    FileHistory h = e.history();
    long version = e.splice().getVersion();
    long vc = completionVersion(e);
    Map<FailureClass, Long> wrong = new EnumMap<>(FailureClass.class);
    List<String> first = new ArrayList<>();
    Set<String> causes = new TreeSet<>();
    int missing = 0;
    for (int i = 0; i < d.n; i++) {
      if (d.kind[i] < 0) {
        missing++;
        continue;
      }
      FailureClass c = switch (d.kind[i]) {
        case ZERO -> x.zero[i] ? FailureClass.NONE : FailureClass.ZEROED;
        case DATA -> {
          if (!x.zero[i] && d.op[i] == x.op[i]) {
            yield FailureClass.NONE;
          }
          long v = h.versionOf(d.op[i]);
          if (v < 0) {
            yield FailureClass.TORN; // data no mutation in the log ever wrote
          }
          yield v > version ? FailureClass.NEWER_VERSION : FailureClass.OLDER_VERSION;
        }
        default -> FailureClass.TORN;
      };
      if (c == FailureClass.NONE) {
        continue;
      }
      long off = d.start + (long) i * CellCodec.CELL;
      wrong.merge(c, (long) CellCodec.CELL, Long::sum);
      causes.add(c.name() + "/" + cause(e, c, off, d.op[i], version, vc));
      if (first.size() < 5) {
        first.add(describe(off, d.kind[i], d.op[i], x.zero[i], x.op[i], h) + " -> " + c);
      }
    }
    if (missing > 0) {
      wrong.merge(FailureClass.LOST, (long) missing * CellCodec.CELL, Long::sum);
    }
    FailureClass verdictClass = FailureClass.NONE;
    for (FailureClass c : PRIORITY) {
      if (wrong.containsKey(c)) {
        verdictClass = c;
        break;
      }
    }
    if (verdictClass == FailureClass.NONE && wrong.containsKey(FailureClass.LOST)) {
      verdictClass = FailureClass.LOST;
    }
    return new Result(verdictClass, wrong, first, verdictClass == FailureClass.NONE ? Set.of() : causes);
  }

  /** The mutation kind (and writer side) behind one wrong cell. */
  private static String cause(Evidence e, FailureClass c, long off, long op, long version, long vc) {
    FileHistory h = e.history();
    MutationRecord m = null;
    if (c == FailureClass.NEWER_VERSION || c == FailureClass.OLDER_VERSION) {
      long v = h.versionOf(op);
      m = v > 0 ? h.at(v) : null;
    } else {
      for (long v = vc; v > version && m == null; v--) {
        FileHistory.Effect eff = h.effect(v);
        if (eff != null && eff.start() <= off && eff.end() > off && (c != FailureClass.ZEROED || eff.zero())) {
          m = h.at(v);
        }
      }
    }
    return m == null ? "NONE" : label(m, e.writerTypes());
  }

  private static String label(MutationRecord m, boolean writerTypes) {
    return m.getKind().name() + (writerTypes ? (m.getHonorsSends() ? ":application" : ":foreign") : "");
  }

  /** Kinds of the mutations over the transfer's range between splice-in and completion. */
  private static Set<String> changesDuring(Evidence e, FailureClass c) {
    Set<String> out = new TreeSet<>();
    FileHistory h = e.history();
    long start = e.splice().getOffset();
    long end = start + e.splice().getLength();
    long vc = completionVersion(e);
    for (long v = e.splice().getVersion() + 1; v <= vc; v++) {
      FileHistory.Effect eff = h.effect(v);
      if (eff != null && eff.start() < end && eff.end() > start && h.at(v).getKind() != MutationKind.CREATE) {
        out.add(c.name() + "/" + label(h.at(v), e.writerTypes()));
      }
    }
    if (out.isEmpty()) {
      out.add(c.name() + "/NONE");
    }
    return out;
  }

  private static String describe(long off, byte kind, long op, boolean expZero, long expOp, FileHistory h) {
    String got = switch (kind) {
      case ZERO -> "zeros";
      case DATA -> "op " + Long.toHexString(op) + " (v" + h.versionOf(op) + ")";
      default -> "a torn or misplaced cell";
    };
    String want = expZero ? "zeros" : "op " + Long.toHexString(expOp) + " (v" + h.versionOf(expOp) + ")";
    return "cell @" + off + ": delivered " + got + ", expected " + want;
  }
}
