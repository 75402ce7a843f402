package dev.splicelab.load.jmh;

import dev.splicelab.checker.domain.FileHistory;
import dev.splicelab.checker.domain.Judgement;
import dev.splicelab.common.cells.CellCodec;
import dev.splicelab.common.tls.TlsRecords;
import dev.splicelab.proto.CellRun;
import dev.splicelab.proto.DeliveryRecord;
import dev.splicelab.proto.MutationKind;
import dev.splicelab.proto.MutationRecord;
import dev.splicelab.proto.SpliceRecord;
import dev.splicelab.proto.Transmission;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The data path's hot code, one core each, in operations per second; {@link #BYTES} says how many
 * bytes one operation handles, so the report turns them into bytes per second per core, beside
 * System.arraycopy of a segment measured in the same run as the reference:
 *
 * <ul>
 *   <li>cell encode and decode (the mutator's data, the receiver's delivery record);
 *   <li>CRC32C of a segment (the sender's checksum, the receiver's check);
 *   <li>AES-128-GCM seal of a segment (TLS_SW, TLS_OFFLOAD);
 *   <li>judging one 136 KiB transfer under SNAPSHOT, WINDOW and INTEGRITY (the checker).
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HotCode {

  /** A segment of the quickstart (16 KiB) and its mean transfer (136 KiB). */
  public static final int SEGMENT = 16 << 10;
  public static final int TRANSFER = 136 << 10;
  public static final int CELLS = 64 << 10;

  /** Bytes one operation of each benchmark handles. */
  public static final java.util.Map<String, Integer> BYTES = java.util.Map.of("arraycopy", SEGMENT, "cellEncode", CELLS,
      "cellDecode", CELLS, "crc32c", SEGMENT, "aesGcmSeal", SEGMENT, "judgeTransfer", TRANSFER);

  private byte[] segment;
  private byte[] target;
  private byte[] cells;
  private byte[] key;
  private byte[] nonce;
  private Judgement.Evidence evidence;

  @Setup
  public void setUp() {
    segment = new byte[SEGMENT];
    new SplittableRandom(7).nextBytes(segment);
    target = new byte[SEGMENT];
    cells = CellCodec.fill(3, (1L << 40) | 5, 0, CELLS);
    key = TlsRecords.key("bench");
    nonce = TlsRecords.nonce("bench/0/0/0", 0, 0);
    evidence = transferOnAFileWithHistory();
  }

  /**
   * A 4 MiB file filled in 64 KiB writes, then 400 random writes of 4-64 KiB; a transfer of
   * 136 KiB spliced at the last version and delivered intact in 9 segments.
   */
  static Judgement.Evidence transferOnAFileWithHistory() {
    FileHistory h = new FileHistory();
    long size = 4 << 20;
    long v = 1;
    h.add(MutationRecord.newBuilder().setVersion(v).setKind(MutationKind.CREATE).setOffset(0).setLength(size).setSizeAfter(size)
        .setAtNanos(v).build());
    long op = 0;
    for (long off = 0; off < size; off += 64 << 10) {
      h.add(MutationRecord.newBuilder().setVersion(++v).setKind(MutationKind.WRITE).setOffset(off).setLength(64 << 10)
          .setOpId(++op).setSizeAfter(size).setAtNanos(v).build());
    }
    SplittableRandom r = new SplittableRandom(11);
    for (int i = 0; i < 400; i++) {
      long len = 4096 + 64 * r.nextLong((60 << 10) / 64);
      long off = 64 * r.nextLong((size - len) / 64);
      h.add(MutationRecord.newBuilder().setVersion(++v).setKind(MutationKind.WRITE).setOffset(off).setLength(len)
          .setOpId((1L << 40) | i + 1).setSizeAfter(size).setAtNanos(v).build());
    }
    long start = 1 << 20;
    SpliceRecord splice = SpliceRecord.newBuilder().setTransferId("t").setOffset(start).setLength(TRANSFER).setVersion(v)
        .setAtNanos(v).build();
    DeliveryRecord.Builder d = DeliveryRecord.newBuilder().setTransferId("t").setOffset(start).setLength(TRANSFER)
        .setAtNanos(v + 10);
    for (FileHistory.Span s : h.contents(v, start, start + TRANSFER)) {
      d.addRuns(CellRun.newBuilder().setOffset(s.start()).setCells((int) ((s.end() - s.start()) / 64))
          .setKind(s.zero() ? dev.splicelab.proto.CellKind.CELL_ZERO : dev.splicelab.proto.CellKind.CELL_DATA)
          .setOpId(s.opId()));
    }
    List<Transmission> sent = new ArrayList<>();
    for (int i = 0; i * SEGMENT < TRANSFER; i++) {
      sent.add(Transmission.newBuilder().setSeq(i).setFileOffset(start + (long) i * SEGMENT)
          .setLength(Math.min(SEGMENT, TRANSFER - i * SEGMENT)).setDmaReadNanos(v + 5).build());
    }
    return new Judgement.Evidence(splice, d.build(), sent, h, false);
  }

  @Benchmark
  public byte[] arraycopy() {
    System.arraycopy(segment, 0, target, 0, SEGMENT);
    return target;
  }

  @Benchmark
  public byte[] cellEncode() {
    return CellCodec.fill(3, (1L << 40) | 5, 0, CELLS);
  }

  @Benchmark
  public List<CellRun> cellDecode() {
    return CellCodec.decodeRuns(3, 0, cells);
  }

  @Benchmark
  public long crc32c() {
    CRC32C c = new CRC32C();
    c.update(segment, 0, SEGMENT);
    return c.getValue();
  }

  @Benchmark
  public TlsRecords.Sealed aesGcmSeal() {
    return TlsRecords.seal(key, nonce, segment);
  }

  @Benchmark
  public Object judgeTransfer() {
    return new Object[] {Judgement.snapshot(evidence), Judgement.window(evidence), Judgement.integrity(evidence)};
  }
}
