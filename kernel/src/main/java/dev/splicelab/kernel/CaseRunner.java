package dev.splicelab.kernel;

import dev.splicelab.common.cells.CellCodec;
import dev.splicelab.kernel.Backend.Endpoint;
import dev.splicelab.kernel.sys.SyscallException;
import dev.splicelab.proto.CellKind;
import dev.splicelab.proto.FailureClass;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a case's steps on one backend. It keeps the shadow (what the file, or the vmsplice'd user
 * buffer, holds after each step: plain bytes, no page cache), records at each hand-off (splice,
 * sendfile, vmsplice, pipe write, file read) what the reader should get, collects what the reader
 * did get, and judges the two cell by cell with {@link CellCodec}.
 */
final class CaseRunner {

  static final int FILE_ID = 7;
  private static final int MAX = 4 << 20;
  /** Op ids of mutations start here: above every fill op, so "newer" is a larger op id. */
  private static final long MUTATION_OPS = 100;

  /** Bytes a reader should receive, with the file offset of their first byte (for decoding). */
  record Expected(long fileOffset, byte[] bytes) {}

  private CaseRunner() {}

  static Outcome run(FidelityCase c, Backend b) {
    byte[] shadow = new byte[MAX];
    long size = 0;
    List<Expected> expected = new ArrayList<>();
    ByteArrayOutputStream delivered = new ByteArrayOutputStream();
    Endpoint endpoint = Endpoint.PIPE;
    String folios = "";
    long mutationOp = MUTATION_OPS;
    List<Verdict> reads = new ArrayList<>();
    List<String> trace = b.trace();
    try {
      for (Step step : c.steps()) {
        trace.add("# " + step.describe());
        if (step instanceof Step.Fill f) {
          b.createFile();
          long op = 0;
          for (long off = 0; off < f.size(); off += f.chunk()) {
            int n = (int) Math.min(f.chunk(), f.size() - off);
            byte[] data = CellCodec.fill(FILE_ID, ++op, off, n);
            b.pwrite(off, data);
            System.arraycopy(data, 0, shadow, (int) off, n);
          }
          size = f.size();
        } else if (step instanceof Step.Mutate m) {
          long op = ++mutationOp;
          switch (m.kind()) {
            case PWRITE, MMAP_STORE, DIRECT_WRITE, USER_STORE -> {
              byte[] data = cells(op, m.offset(), (int) m.length());
              switch (m.kind()) {
                case PWRITE -> b.pwrite(m.offset(), data);
                case MMAP_STORE -> b.mmapStore(m.offset(), data);
                case DIRECT_WRITE -> b.directWrite(m.offset(), data);
                default -> b.userStore(m.offset(), data);
              }
              System.arraycopy(data, 0, shadow, (int) m.offset(), data.length);
              size = Math.max(size, m.offset() + m.length());
            }
            case PUNCH_HOLE, ZERO_RANGE, USER_DONTNEED -> {
              if (m.kind() == Step.Kind.PUNCH_HOLE) {
                b.punchHole(m.offset(), m.length());
              } else if (m.kind() == Step.Kind.ZERO_RANGE) {
                b.zeroRange(m.offset(), m.length());
              } else {
                b.userDontneed(m.offset(), m.length());
              }
              long end = Math.min(size, m.offset() + m.length());
              if (end > m.offset()) {
                Arrays.fill(shadow, (int) m.offset(), (int) end, (byte) 0);
              }
            }
            case TRUNCATE, EXTEND -> {
              b.truncate(m.offset());
              if (m.offset() < size) {
                Arrays.fill(shadow, (int) m.offset(), (int) size, (byte) 0);
              }
              size = m.offset();
            }
          }
        } else if (step instanceof Step.Evict) {
          b.evict(size);
        } else if (step instanceof Step.PipeSize p) {
          b.pipeSize(p.bytes());
        } else if (step instanceof Step.SpliceIn s) {
          long n = b.spliceIn(s.offset(), s.length());
          expected.add(new Expected(s.offset(), Arrays.copyOfRange(shadow, (int) s.offset(), (int) (s.offset() + n))));
          endpoint = Endpoint.PIPE;
          if (folios.isEmpty()) {
            folios = b.folios(s.offset(), n, size);
          }
        } else if (step instanceof Step.Tee) {
          b.tee();
          endpoint = Endpoint.TEE;
        } else if (step instanceof Step.DrainToSocket) {
          b.drainToSocket();
          endpoint = Endpoint.SOCKET;
        } else if (step instanceof Step.SendFile s) {
          long n = b.sendfile(s.offset(), s.length());
          expected.add(new Expected(s.offset(), Arrays.copyOfRange(shadow, (int) s.offset(), (int) (s.offset() + n))));
          endpoint = Endpoint.SOCKET;
          if (folios.isEmpty()) {
            folios = b.folios(s.offset(), n, size);
          }
        } else if (step instanceof Step.UserFill u) {
          byte[] data = CellCodec.fill(FILE_ID, 1, 0, u.length());
          b.userFill(data);
          System.arraycopy(data, 0, shadow, 0, data.length);
          size = u.length();
        } else if (step instanceof Step.Vmsplice v) {
          long n = b.vmsplice(v.offset(), v.length(), v.gift());
          expected.add(new Expected(v.offset(), Arrays.copyOfRange(shadow, (int) v.offset(), (int) (v.offset() + n))));
          endpoint = Endpoint.PIPE;
        } else if (step instanceof Step.PrimePipe) {
          b.primePipe();
        } else if (step instanceof Step.PipeWrite w) {
          byte[] data = cells(++mutationOp, w.fileOffset(), w.length());
          b.pipeWrite(data);
          expected.add(new Expected(w.fileOffset(), data));
        } else if (step instanceof Step.Receive r) {
          long want = r.length() >= 0 ? r.length() : expectedBytes(expected) - delivered.size();
          byte[] got = b.receive(endpoint, (int) Math.max(0, want));
          delivered.write(got, 0, got.length);
        } else if (step instanceof Step.ReadFile r) {
          byte[] want = Arrays.copyOfRange(shadow, (int) r.offset(), (int) (r.offset() + r.length()));
          reads.add(judge(List.of(new Expected(r.offset(), want)), b.readFile(r.offset(), r.length())));
        } else {
          throw new IllegalStateException("unknown step " + step);
        }
      }
      Verdict v = judge(expected, delivered.toByteArray());
      for (Verdict r : reads) {
        v = merge(v, r);
      }
      trace.add("verdict: " + v.summary());
      return new Outcome(v, null, null, folios, List.copyOf(trace));
    } catch (SyscallException e) {
      trace.add("failed: " + e.getMessage());
      if (e.unsupported()) {
        return new Outcome(null, e.getMessage(), null, folios, List.copyOf(trace));
      }
      return new Outcome(null, null, e.getMessage(), folios, List.copyOf(trace));
    } catch (RuntimeException e) {
      trace.add("failed: " + e);
      return new Outcome(null, null, e.toString(), folios, List.copyOf(trace));
    }
  }

  /** Bytes [offset, offset + length) of cells written by op (partial cells at either end allowed). */
  static byte[] cells(long op, long offset, int length) {
    long start = offset / CellCodec.CELL * CellCodec.CELL;
    long end = (offset + length + CellCodec.CELL - 1) / CellCodec.CELL * CellCodec.CELL;
    byte[] whole = CellCodec.fill(FILE_ID, op, start, (int) (end - start));
    return Arrays.copyOfRange(whole, (int) (offset - start), (int) (offset - start) + length);
  }

  private static long expectedBytes(List<Expected> expected) {
    return expected.stream().mapToLong(e -> e.bytes().length).sum();
  }

  private static final List<FailureClass> PRIORITY = List.of(FailureClass.LOST, FailureClass.ZEROED, FailureClass.TORN,
      FailureClass.OLDER_VERSION, FailureClass.NEWER_VERSION);

  /**
   * Cell by cell (64 bytes, or the shorter tail of a segment): equal to what was expected, or the
   * delivered cell decoded: all zeros -> ZEROED; a valid cell of a later op -> NEWER_VERSION (of an
   * earlier op -> OLDER_VERSION); anything else (check fails, half old half new, misplaced) -> TORN;
   * bytes never delivered -> LOST.
   */
  static Verdict judge(List<Expected> expected, byte[] delivered) {
    Map<FailureClass, Long> wrong = new LinkedHashMap<>();
    List<String> first = new ArrayList<>();
    long pos = 0;
    long total = 0;
    for (Expected e : expected) {
      byte[] x = e.bytes();
      total += x.length;
      for (int i = 0; i < x.length; ) {
        long fileOff = e.fileOffset() + i;
        int cellEnd = (int) Math.min(x.length, i + (CellCodec.CELL - fileOff % CellCodec.CELL));
        int n = cellEnd - i;
        FailureClass c;
        String what;
        if (pos + n > delivered.length) {
          long have = Math.max(0, delivered.length - pos);
          c = FailureClass.LOST;
          what = "not delivered";
          if (have > 0 && !Arrays.equals(delivered, (int) pos, (int) (pos + have), x, i, i + (int) have)) {
            c = FailureClass.TORN;
          }
        } else if (Arrays.equals(delivered, (int) pos, (int) pos + n, x, i, cellEnd)) {
          c = FailureClass.NONE;
          what = "";
        } else if (n < CellCodec.CELL || fileOff % CellCodec.CELL != 0) {
          c = allZero(delivered, (int) pos, n) ? FailureClass.ZEROED : FailureClass.TORN;
          what = "partial cell";
        } else {
          CellCodec.Cell got = CellCodec.decode(delivered, (int) pos, FILE_ID, fileOff);
          CellCodec.Cell want = CellCodec.decode(x, i, FILE_ID, fileOff);
          what = got.kind() == CellKind.CELL_DATA ? "op " + got.opId() + " instead of "
              + (want.kind() == CellKind.CELL_DATA ? "op " + want.opId() : want.kind().name()) : got.kind().name();
          if (got.kind() == CellKind.CELL_ZERO) {
            c = FailureClass.ZEROED;
          } else if (got.kind() == CellKind.CELL_DATA) {
            c = want.kind() == CellKind.CELL_DATA && got.opId() < want.opId() ? FailureClass.OLDER_VERSION
                : FailureClass.NEWER_VERSION;
          } else {
            c = FailureClass.TORN;
          }
        }
        if (c != FailureClass.NONE) {
          wrong.merge(c, (long) n, Long::sum);
          if (first.size() < 5) {
            first.add("file offset " + fileOff + ": " + c + (what.isEmpty() ? "" : " (" + what + ")"));
          }
        }
        pos += n;
        i = cellEnd;
      }
    }
    FailureClass cls = FailureClass.NONE;
    for (FailureClass p : PRIORITY) {
      if (wrong.containsKey(p)) {
        cls = p;
        break;
      }
    }
    Map<String, Long> byName = new LinkedHashMap<>();
    long sum = 0;
    for (FailureClass p : PRIORITY) {
      if (wrong.containsKey(p)) {
        byName.put(p.name(), wrong.get(p));
        sum += wrong.get(p);
      }
    }
    return new Verdict(cls, sum, byName, total, delivered.length, first);
  }

  /** Both judgements as one: bytes and wrong bytes add up, the class is the more severe. */
  static Verdict merge(Verdict a, Verdict b) {
    Map<String, Long> byName = new LinkedHashMap<>();
    for (FailureClass p : PRIORITY) {
      long n = a.wrongByClass().getOrDefault(p.name(), 0L) + b.wrongByClass().getOrDefault(p.name(), 0L);
      if (n > 0) {
        byName.put(p.name(), n);
      }
    }
    FailureClass cls = byName.isEmpty() ? FailureClass.NONE : FailureClass.valueOf(byName.keySet().iterator().next());
    List<String> first = new ArrayList<>(a.firstWrong());
    first.addAll(b.firstWrong());
    return new Verdict(cls, a.wrongBytes() + b.wrongBytes(), byName, a.expectedBytes() + b.expectedBytes(),
        a.deliveredBytes() + b.deliveredBytes(), first.subList(0, Math.min(5, first.size())));
  }

  private static boolean allZero(byte[] b, int pos, int n) {
    for (int i = pos; i < pos + n; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }
}
