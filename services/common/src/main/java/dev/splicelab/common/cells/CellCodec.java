package dev.splicelab.common.cells;

import dev.splicelab.proto.CellKind;
import dev.splicelab.proto.CellRun;
import java.util.ArrayList;
import java.util.List;

/**
 * Self-describing file data (DESIGN section 4). A file is a sequence of 64-byte cells; a cell
 * written by operation {@code opId} at file offset {@code offset} of file {@code fileId} is a pure
 * function of those three values:
 *
 * <pre>
 *  0..3   magic "SPLC"            16..23 file offset of the cell (big-endian)
 *  4..7   file id (big-endian)    24..55 filler derived from (file, op, offset)
 *  8..15  op id (big-endian)      56..63 check value over bytes 0..55
 * </pre>
 *
 * The check value is a 64-bit mix of a weighted sum of the seven big-endian words of bytes 0..55,
 * each word multiplied by its own odd constant. Multiplying by an odd number is a bijection modulo
 * 2^64, so a change to any one word (any bit flip) always changes the sum and hence the check; a
 * cell torn between two writes, or between data and zeros, passes only with probability about
 * 2^-64. The seven products are independent, so a decoder computes them in parallel and pays one
 * mix per cell rather than a chain of seven: decoding runs at several GB/s per core, because every
 * delivered transfer is decoded cell by cell on the receiver's path.
 *
 * Decoding a delivered buffer therefore tells, cell by cell, which operation wrote it, or that it
 * is all zeros, or that it is torn (check fails: a mix of two writes, or of data and zeros), or
 * that it is a valid cell of another file or offset. Stateless and thread-safe.
 */
public final class CellCodec {

  public static final int CELL = 64;
  private static final int MAGIC = 0x53504C43;

  private CellCodec() {}

  /** Bytes of [offset, offset + length) as written by one operation; both multiples of CELL. */
  public static byte[] fill(int fileId, long opId, long offset, int length) {
    if (offset < 0 || offset % CELL != 0 || length % CELL != 0 || length < 0) {
      throw new IllegalArgumentException(
          "offset and length must be non-negative multiples of " + CELL + ", got " + offset + ", " + length);
    }
    byte[] out = new byte[length];
    for (int pos = 0; pos < length; pos += CELL) {
      encode(fileId, opId, offset + pos, out, pos);
    }
    return out;
  }

  private static final java.lang.invoke.VarHandle LONG =
      java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.BIG_ENDIAN);
  private static final java.lang.invoke.VarHandle INT =
      java.lang.invoke.MethodHandles.byteArrayViewVarHandle(int[].class, java.nio.ByteOrder.BIG_ENDIAN);

  /** Writes one cell into dst[pos .. pos + 64). */
  public static void encode(int fileId, long opId, long offset, byte[] dst, int pos) {
    long w0 = ((long) MAGIC << 32) | (fileId & 0xFFFFFFFFL);
    LONG.set(dst, pos, w0);
    LONG.set(dst, pos + 8, opId);
    LONG.set(dst, pos + 16, offset);
    long s = seed(fileId, opId, offset);
    long f0 = s = mix(s + 0x9E3779B97F4A7C15L);
    long f1 = s = mix(s + 0x9E3779B97F4A7C15L);
    long f2 = s = mix(s + 0x9E3779B97F4A7C15L);
    long f3 = mix(s + 0x9E3779B97F4A7C15L);
    LONG.set(dst, pos + 24, f0);
    LONG.set(dst, pos + 32, f1);
    LONG.set(dst, pos + 40, f2);
    LONG.set(dst, pos + 48, f3);
    LONG.set(dst, pos + 56, check(w0, opId, offset, f0, f1, f2, f3));
  }

  private static long seed(int fileId, long opId, long offset) {
    return mix(fileId * 0x9E3779B97F4A7C15L ^ opId * 0xC2B2AE3D27D4EB4FL ^ offset);
  }

  /** The check value over the seven words of bytes 0..55 (see the class comment). */
  private static long check(long w0, long w1, long w2, long f0, long f1, long f2, long f3) {
    return mix(0xCBF29CE484222325L + w0 * 0x9E3779B97F4A7C15L + w1 * 0xC2B2AE3D27D4EB4FL + w2 * 0x165667B19E3779F9L
        + f0 * 0xD6E8FEB86659FD93L + f1 * 0xFF51AFD7ED558CCDL + f2 * 0xC4CEB9FE1A85EC53L + f3 * 0x87C37B91114253D5L);
  }

  /** Decoded form of one cell. */
  public record Cell(CellKind kind, int fileId, long opId, long offset) {}

  /** Decodes the cell at src[pos .. pos + 64) expected to be file {@code fileId} at {@code offset}. */
  public static Cell decode(byte[] src, int pos, int fileId, long offset) {
    int k = kindAt(src, pos, fileId, offset);
    if (k == CellKind.CELL_DATA_VALUE) {
      return new Cell(CellKind.CELL_DATA, fileId, (long) LONG.get(src, pos + 8), offset);
    }
    if (k == CellKind.CELL_MISPLACED_VALUE) {
      return new Cell(CellKind.CELL_MISPLACED, (int) INT.get(src, pos + 4), (long) LONG.get(src, pos + 8),
          (long) LONG.get(src, pos + 16));
    }
    return new Cell(CellKind.forNumber(k), fileId, 0, offset);
  }

  /** The CellKind number of the cell at src[pos .. pos + 64), without allocating. */
  private static int kindAt(byte[] src, int pos, int fileId, long offset) {
    long w0 = (long) LONG.get(src, pos);
    long w1 = (long) LONG.get(src, pos + 8);
    long w2 = (long) LONG.get(src, pos + 16);
    long f0 = (long) LONG.get(src, pos + 24);
    long f1 = (long) LONG.get(src, pos + 32);
    long f2 = (long) LONG.get(src, pos + 40);
    long f3 = (long) LONG.get(src, pos + 48);
    long c = (long) LONG.get(src, pos + 56);
    if ((w0 | w1 | w2 | f0 | f1 | f2 | f3 | c) == 0) {
      return CellKind.CELL_ZERO_VALUE;
    }
    if ((int) (w0 >>> 32) != MAGIC || check(w0, w1, w2, f0, f1, f2, f3) != c) {
      return CellKind.CELL_TORN_VALUE; // the filler need not be re-derived: the check covers it
    }
    int f = (int) w0;
    return f != fileId || w2 != offset ? CellKind.CELL_MISPLACED_VALUE : CellKind.CELL_DATA_VALUE;
  }

  /**
   * Decodes a buffer holding file bytes [offset, offset + data.length) into runs of consecutive
   * cells of one kind (and one op id for data). offset and data.length must be multiples of 64.
   */
  public static List<CellRun> decodeRuns(int fileId, long offset, byte[] data) {
    if (offset < 0 || offset % CELL != 0 || data.length % CELL != 0) {
      throw new IllegalArgumentException("buffer must be cell-aligned: offset " + offset + ", length " + data.length);
    }
    List<CellRun> runs = new ArrayList<>();
    int runKind = -1;
    long runOp = 0;
    long runStart = 0;
    int runCells = 0;
    for (int pos = 0; pos < data.length; pos += CELL) {
      int k = kindAt(data, pos, fileId, offset + pos);
      long op = k == CellKind.CELL_DATA_VALUE ? (long) LONG.get(data, pos + 8) : 0;
      if (k == runKind && op == runOp) {
        runCells++;
        continue;
      }
      if (runCells > 0) {
        runs.add(CellRun.newBuilder().setOffset(runStart).setCells(runCells).setKindValue(runKind).setOpId(runOp).build());
      }
      runKind = k;
      runOp = op;
      runStart = offset + pos;
      runCells = 1;
    }
    if (runCells > 0) {
      runs.add(CellRun.newBuilder().setOffset(runStart).setCells(runCells).setKindValue(runKind).setOpId(runOp).build());
    }
    return runs;
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
