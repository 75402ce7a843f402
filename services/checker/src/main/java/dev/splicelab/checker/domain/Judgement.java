package dev.splicelab.checker.domain;

import dev.splicelab.common.cells.CellCodec;
import dev.splicelab.proto.CellKind;
import dev.splicelab.proto.CellRun;
import dev.splicelab.proto.DeliveryRecord;
import dev.splicelab.proto.FailureClass;
import dev.splicelab.proto.SpliceRecord;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The SNAPSHOT judgement of one delivered transfer: every delivered cell is compared with what
 * the file held at the splice-in version, as rebuilt from the mutation log. Pure function.
 */
public final class Judgement {

  /** Outcome: the class (NONE when equal), wrong bytes per class and the first wrong cells. */
  public record Result(FailureClass failureClass, Map<FailureClass, Long> wrongBytes, List<String> firstWrongCells) {}

  /** Severity order when a transfer has several kinds of wrong cells. */
  private static final List<FailureClass> PRIORITY =
      List.of(FailureClass.ZEROED, FailureClass.TORN, FailureClass.OLDER_VERSION, FailureClass.NEWER_VERSION);

  private Judgement() {}

  public static Result snapshot(SpliceRecord splice, DeliveryRecord delivery, FileHistory history) {
    long start = splice.getOffset();
    int cells = (int) (splice.getLength() / CellCodec.CELL);
    long version = splice.getVersion();
    boolean[] expZero = new boolean[cells];
    long[] expOp = new long[cells];
    for (FileHistory.Span s : history.contents(version, start, start + splice.getLength())) {
      for (long off = s.start(); off < s.end(); off += CellCodec.CELL) {
        int i = (int) ((off - start) / CellCodec.CELL);
        expZero[i] = s.zero();
        expOp[i] = s.opId();
      }
    }
    Map<FailureClass, Long> wrong = new EnumMap<>(FailureClass.class);
    List<String> first = new ArrayList<>();
    int covered = 0;
    for (CellRun run : delivery.getRunsList()) {
      for (int k = 0; k < run.getCells(); k++) {
        long off = run.getOffset() + (long) k * CellCodec.CELL;
        int i = (int) ((off - start) / CellCodec.CELL);
        if (i < 0 || i >= cells) {
          continue;
        }
        covered++;
        FailureClass c = classify(run, expZero[i], expOp[i], version, history);
        if (c != FailureClass.NONE) {
          wrong.merge(c, (long) CellCodec.CELL, Long::sum);
          if (first.size() < 5) {
            first.add(describe(off, run, expZero[i], expOp[i], history) + " -> " + c);
          }
        }
      }
    }
    if (covered < cells) {
      wrong.merge(FailureClass.LOST, (long) (cells - covered) * CellCodec.CELL, Long::sum);
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
    return new Result(verdictClass, wrong, first);
  }

  private static FailureClass classify(CellRun run, boolean expZero, long expOp, long version, FileHistory h) {
    return switch (run.getKind()) {
      case CELL_ZERO -> expZero ? FailureClass.NONE : FailureClass.ZEROED;
      case CELL_DATA -> {
        if (!expZero && run.getOpId() == expOp) {
          yield FailureClass.NONE;
        }
        long v = h.versionOf(run.getOpId());
        if (v < 0) {
          yield FailureClass.TORN; // data no mutation in the log ever wrote
        }
        yield v > version ? FailureClass.NEWER_VERSION : FailureClass.OLDER_VERSION;
      }
      default -> FailureClass.TORN;
    };
  }

  private static String describe(long off, CellRun run, boolean expZero, long expOp, FileHistory h) {
    String got = switch (run.getKind()) {
      case CELL_ZERO -> "zeros";
      case CELL_DATA -> "op " + Long.toHexString(run.getOpId()) + " (v" + h.versionOf(run.getOpId()) + ")";
      case CELL_MISPLACED -> "a cell of another file/offset";
      default -> "a torn cell";
    };
    String want = expZero ? "zeros" : "op " + Long.toHexString(expOp) + " (v" + h.versionOf(expOp) + ")";
    return "cell @" + off + ": delivered " + got + ", expected " + want;
  }

  /** True if the delivery's data cells all name ops the log already knows. */
  public static boolean opsKnown(DeliveryRecord d, FileHistory h) {
    for (CellRun r : d.getRunsList()) {
      if (r.getKind() == CellKind.CELL_DATA && h.versionOf(r.getOpId()) < 0) {
        return false;
      }
    }
    return true;
  }
}
