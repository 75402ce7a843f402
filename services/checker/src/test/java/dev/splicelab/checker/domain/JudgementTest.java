package dev.splicelab.checker.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.splicelab.common.cells.CellCodec;
import dev.splicelab.proto.DeliveryRecord;
import dev.splicelab.proto.FailureClass;
import dev.splicelab.proto.MutationKind;
import dev.splicelab.proto.MutationRecord;
import dev.splicelab.proto.RunContext;
import dev.splicelab.proto.SpliceRecord;
import dev.splicelab.proto.Strategy;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class JudgementTest {

  private static final RunContext CTX =
      RunContext.newBuilder().setRunId("run-1").setCell(2).setStrategy(Strategy.SHARE).build();
  private static final int FILE = 11;
  private static final int CELL = CellCodec.CELL;
  private static final long OP_A = 0x100;
  private static final long OP_B = 0x200;
  private static final long OP_UNLOGGED = 0x999;

  private FileHistory history;

  private static MutationRecord rec(long version, MutationKind kind, long offset, long length, long opId) {
    return MutationRecord.newBuilder().setContext(CTX).setFileId(FILE).setVersion(version).setKind(kind)
        .setOffset(offset).setLength(length).setOpId(opId).setSizeAfter(8192).build();
  }

  /** v1 CREATE 8 KiB, v2 WRITE A [0, 8K), v3 WRITE B [256, 512), v4 PUNCH [512, 768). */
  @BeforeEach
  void buildHistory() {
    history = new FileHistory();
    history.add(rec(1, MutationKind.CREATE, 0, 8192, 0));
    history.add(rec(2, MutationKind.WRITE, 0, 8192, OP_A));
    history.add(rec(3, MutationKind.WRITE, 256, 256, OP_B));
    history.add(rec(4, MutationKind.PUNCH_HOLE, 512, 256, 0));
    assertThat(history.contiguousVersion()).isEqualTo(4);
  }

  private static SpliceRecord splice(long offset, long length, long version) {
    return SpliceRecord.newBuilder().setContext(CTX).setTransferId("t-1").setFileId(FILE).setOffset(offset)
        .setLength(length).setVersion(version).build();
  }

  private static DeliveryRecord delivery(long offset, byte[] bytes) {
    return DeliveryRecord.newBuilder().setContext(CTX).setTransferId("t-1").setFileId(FILE).setOffset(offset)
        .setLength(bytes.length).addAllRuns(CellCodec.decodeRuns(FILE, offset, bytes)).build();
  }

  private static byte[] a(long offset, int length) {
    return CellCodec.fill(FILE, OP_A, offset, length);
  }

  private static byte[] b(long offset, int length) {
    return CellCodec.fill(FILE, OP_B, offset, length);
  }

  private static byte[] zeros(int length) {
    return new byte[length];
  }

  private static byte[] torn(long offset) {
    byte[] c = a(offset, CELL);
    System.arraycopy(b(offset, CELL), 32, c, 32, 32);
    return c;
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private Judgement.Result judge(long spliceVersion, byte[] delivered) {
    return Judgement.snapshot(splice(0, 1024, spliceVersion), delivery(0, delivered), history);
  }

  @Test
  void exactMatchIsNone() {
    Judgement.Result r = judge(2, a(0, 1024));
    assertThat(r.failureClass()).isEqualTo(FailureClass.NONE);
    assertThat(r.wrongBytes()).isEmpty();
    assertThat(r.firstWrongCells()).isEmpty();
  }

  @Test
  void exactMatchOfALaterVersionWithDataAndZerosIsNone() {
    byte[] atV4 = concat(a(0, 256), b(256, 256), zeros(256), a(768, 256));
    Judgement.Result r = judge(4, atV4);
    assertThat(r.failureClass()).isEqualTo(FailureClass.NONE);
    assertThat(r.wrongBytes()).isEmpty();
  }

  @Test
  void cellsOfAnOpWrittenAfterTheSpliceAreNewerVersion() {
    byte[] got = concat(a(0, 256), b(256, 256), a(512, 512));
    Judgement.Result r = judge(2, got);
    assertThat(r.failureClass()).isEqualTo(FailureClass.NEWER_VERSION);
    assertThat(r.wrongBytes()).containsExactly(entry(FailureClass.NEWER_VERSION, 256L));
    assertThat(r.firstWrongCells()).hasSize(4);
    assertThat(r.firstWrongCells().get(0)).startsWith("cell @256:").endsWith("NEWER_VERSION");
  }

  @Test
  void dataWhereTheSpliceVersionHadZerosIsNewerVersion() {
    // At v1 the file is all zeros; A (v2) arrived later.
    Judgement.Result r = judge(1, concat(zeros(512), a(512, 512)));
    assertThat(r.failureClass()).isEqualTo(FailureClass.NEWER_VERSION);
    assertThat(r.wrongBytes()).containsExactly(entry(FailureClass.NEWER_VERSION, 512L));
  }

  @Test
  void cellsOfAnOpOverwrittenBeforeTheSpliceAreOlderVersion() {
    // At v3 [256, 512) holds B, the delivery still has A there.
    Judgement.Result r = judge(3, a(0, 1024));
    assertThat(r.failureClass()).isEqualTo(FailureClass.OLDER_VERSION);
    assertThat(r.wrongBytes()).containsExactly(entry(FailureClass.OLDER_VERSION, 256L));
  }

  @Test
  void zerosWhereDataWasExpectedAreZeroed() {
    byte[] got = concat(a(0, 512), zeros(256), a(768, 256));
    Judgement.Result r = judge(2, got);
    assertThat(r.failureClass()).isEqualTo(FailureClass.ZEROED);
    assertThat(r.wrongBytes()).containsExactly(entry(FailureClass.ZEROED, 256L));
  }

  @Test
  void aTornCellIsTorn() {
    byte[] got = concat(a(0, 640), torn(640), a(704, 320));
    assertThat(got).hasSize(1024);
    Judgement.Result r = judge(2, got);
    assertThat(r.failureClass()).isEqualTo(FailureClass.TORN);
    assertThat(r.wrongBytes()).containsExactly(entry(FailureClass.TORN, 64L));
    assertThat(r.firstWrongCells()).singleElement().asString().startsWith("cell @640:");
  }

  @Test
  void dataOfAnOpTheLogNeverWroteIsTorn() {
    byte[] got = concat(a(0, 960), CellCodec.fill(FILE, OP_UNLOGGED, 960, 64));
    Judgement.Result r = judge(2, got);
    assertThat(r.failureClass()).isEqualTo(FailureClass.TORN);
    assertThat(r.wrongBytes()).containsExactly(entry(FailureClass.TORN, 64L));
  }

  @Test
  void aCellOfAnotherOffsetIsWrong() {
    byte[] got = concat(a(0, 128), a(0, 64), a(192, 832)); // the cell of offset 0 delivered at 128
    Judgement.Result r = judge(2, got);
    assertThat(r.failureClass()).isNotEqualTo(FailureClass.NONE);
    assertThat(r.wrongBytes().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(64L);
  }

  @Test
  void aDeliveryCoveringPartOfTheRangeLosesTheRest() {
    Judgement.Result r = Judgement.snapshot(splice(0, 1024, 2), delivery(0, a(0, 384)), history);
    assertThat(r.failureClass()).isEqualTo(FailureClass.LOST);
    assertThat(r.wrongBytes()).containsExactly(entry(FailureClass.LOST, 640L));
  }

  @Test
  void anEmptyDeliveryLosesEverything() {
    Judgement.Result r = Judgement.snapshot(splice(0, 1024, 2), delivery(0, new byte[0]), history);
    assertThat(r.failureClass()).isEqualTo(FailureClass.LOST);
    assertThat(r.wrongBytes()).containsExactly(entry(FailureClass.LOST, 1024L));
  }

  @Test
  void cellsOutsideTheSplicedRangeAreIgnored() {
    // Splice [256, 768) at v4 (B then zeros); the delivery carries a cell before and after it.
    byte[] got = concat(a(192, 64), b(256, 256), zeros(256), a(768, 64));
    Judgement.Result r = Judgement.snapshot(splice(256, 512, 4), delivery(192, got), history);
    assertThat(r.failureClass()).isEqualTo(FailureClass.NONE);
    assertThat(r.wrongBytes()).isEmpty();
  }

  @Test
  void severalClassesAreCountedApartAndTheWorstNamesTheVerdict() {
    // 2 newer cells, 3 zeroed cells, 1 torn cell, and the last 4 cells missing.
    byte[] got = concat(
        a(0, 256), b(256, 128), a(384, 128), // [256, 384) B: newer at v2
        zeros(192), a(704, 64), // [512, 704) zeros: zeroed at v2
        torn(768), a(832, 64)); // ends at 896: [896, 1024) lost
    assertThat(got).hasSize(896);
    Judgement.Result r = judge(2, got);
    assertThat(r.failureClass()).isEqualTo(FailureClass.ZEROED);
    assertThat(r.wrongBytes()).containsOnly(
        entry(FailureClass.NEWER_VERSION, 128L),
        entry(FailureClass.ZEROED, 192L),
        entry(FailureClass.TORN, 64L),
        entry(FailureClass.LOST, 128L));
    assertThat(r.firstWrongCells()).hasSize(5);
    assertThat(r.firstWrongCells().get(0)).startsWith("cell @256:");
  }

  @Test
  void wrongCellsOutrankLost() {
    byte[] got = concat(a(0, 256), b(256, 64));
    Judgement.Result r = judge(2, got);
    assertThat(r.failureClass()).isEqualTo(FailureClass.NEWER_VERSION);
    assertThat(r.wrongBytes()).containsOnly(entry(FailureClass.NEWER_VERSION, 64L), entry(FailureClass.LOST, 704L));
  }

  @Test
  void opsKnownOnlyWhenEveryDataOpIsInTheLog() {
    assertThat(Judgement.opsKnown(delivery(0, concat(a(0, 256), zeros(64), torn(320), b(384, 64))), history)).isTrue();
    assertThat(Judgement.opsKnown(delivery(0, concat(a(0, 256), CellCodec.fill(FILE, OP_UNLOGGED, 256, 64))), history))
        .isFalse();
  }

  private Judgement.Evidence evidence(long spliceVersion, byte[] delivered) {
    return new Judgement.Evidence(splice(0, 1024, spliceVersion), delivery(0, delivered), java.util.List.of(), history, false);
  }

  @Test
  void windowAcceptsEveryVersionFromTheSpliceToTheDeliveryIncludingZeros() {
    // Every record of this history is applied at 0 ns, the delivery too: the window is v2..v4.
    assertThat(Judgement.window(evidence(2, a(0, 1024))).ok()).as("v2").isTrue();
    assertThat(Judgement.window(evidence(2, concat(a(0, 256), b(256, 256), a(512, 512)))).ok()).as("v3").isTrue();
    assertThat(Judgement.window(evidence(2, concat(a(0, 256), b(256, 256), zeros(256), a(768, 256)))).ok()).as("v4").isTrue();
  }

  @Test
  void windowRejectsAStateNoVersionHad() {
    // v4's hole without v3's B: v2 and v4 mixed.
    Judgement.Result r = Judgement.window(evidence(2, concat(a(0, 512), zeros(256), a(768, 256))));
    assertThat(r.failureClass()).isEqualTo(FailureClass.ZEROED);
    assertThat(r.wrongBytes()).containsExactly(entry(FailureClass.ZEROED, 256L));
    assertThat(Judgement.snapshot(evidence(2, concat(a(0, 512), zeros(256), a(768, 256)))).failureClass())
        .isEqualTo(FailureClass.ZEROED);
  }
}
