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

  /** Writes one cell into dst[pos .. pos + 64). */
  public static void encode(int fileId, long opId, long offset, byte[] dst, int pos) {
    putInt(dst, pos, MAGIC);
    putInt(dst, pos + 4, fileId);
    putLong(dst, pos + 8, opId);
    putLong(dst, pos + 16, offset);
    long s = mix(fileId * 0x9E3779B97F4A7C15L ^ opId * 0xC2B2AE3D27D4EB4FL ^ offset);
    for (int i = 0; i < 4; i++) {
      s = mix(s + 0x9E3779B97F4A7C15L);
      putLong(dst, pos + 24 + 8 * i, s);
    }
    putLong(dst, pos + 56, check(dst, pos));
  }

  /** Decoded form of one cell. */
  public record Cell(CellKind kind, int fileId, long opId, long offset) {}

  /** Decodes the cell at src[pos .. pos + 64) expected to be file {@code fileId} at {@code offset}. */
  public static Cell decode(byte[] src, int pos, int fileId, long offset) {
    boolean allZero = true;
    for (int i = 0; i < CELL; i++) {
      if (src[pos + i] != 0) {
        allZero = false;
        break;
      }
    }
    if (allZero) {
      return new Cell(CellKind.CELL_ZERO, fileId, 0, offset);
    }
    if (getInt(src, pos) != MAGIC || getLong(src, pos + 56) != check(src, pos)) {
      return new Cell(CellKind.CELL_TORN, fileId, 0, offset);
    }
    int f = getInt(src, pos + 4);
    long op = getLong(src, pos + 8);
    long off = getLong(src, pos + 16);
    byte[] expect = new byte[CELL];
    encode(f, op, off, expect, 0);
    for (int i = 24; i < 56; i++) {
      if (expect[i] != src[pos + i]) {
        return new Cell(CellKind.CELL_TORN, fileId, 0, offset);
      }
    }
    if (f != fileId || off != offset) {
      return new Cell(CellKind.CELL_MISPLACED, f, op, off);
    }
    return new Cell(CellKind.CELL_DATA, f, op, off);
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
    CellRun.Builder current = null;
    for (int pos = 0; pos < data.length; pos += CELL) {
      Cell c = decode(data, pos, fileId, offset + pos);
      long op = c.kind() == CellKind.CELL_DATA ? c.opId() : 0;
      if (current != null && current.getKind() == c.kind() && current.getOpId() == op) {
        current.setCells(current.getCells() + 1);
      } else {
        if (current != null) {
          runs.add(current.build());
        }
        current = CellRun.newBuilder().setOffset(offset + pos).setCells(1).setKind(c.kind()).setOpId(op);
      }
    }
    if (current != null) {
      runs.add(current.build());
    }
    return runs;
  }

  private static long check(byte[] b, int pos) {
    long h = 0xCBF29CE484222325L;
    for (int i = 0; i < 56; i++) {
      h ^= b[pos + i] & 0xFF;
      h *= 0x100000001B3L;
    }
    return mix(h);
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  private static void putInt(byte[] b, int p, int v) {
    b[p] = (byte) (v >>> 24);
    b[p + 1] = (byte) (v >>> 16);
    b[p + 2] = (byte) (v >>> 8);
    b[p + 3] = (byte) v;
  }

  private static void putLong(byte[] b, int p, long v) {
    putInt(b, p, (int) (v >>> 32));
    putInt(b, p + 4, (int) v);
  }

  private static int getInt(byte[] b, int p) {
    return (b[p] & 0xFF) << 24 | (b[p + 1] & 0xFF) << 16 | (b[p + 2] & 0xFF) << 8 | (b[p + 3] & 0xFF);
  }

  private static long getLong(byte[] b, int p) {
    return ((long) getInt(b, p) << 32) | (getInt(b, p + 4) & 0xFFFFFFFFL);
  }
}
