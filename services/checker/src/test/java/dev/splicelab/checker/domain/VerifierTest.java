package dev.splicelab.checker.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.splicelab.common.cells.CellCodec;
import dev.splicelab.proto.CellSummary;
import dev.splicelab.proto.DeliveryRecord;
import dev.splicelab.proto.FailureClass;
import dev.splicelab.proto.MutationKind;
import dev.splicelab.proto.MutationRecord;
import dev.splicelab.proto.RunContext;
import dev.splicelab.proto.SpliceRecord;
import dev.splicelab.proto.Strategy;
import dev.splicelab.proto.Transmission;
import dev.splicelab.proto.TransmissionRecord;
import dev.splicelab.proto.Verdict;
import dev.splicelab.proto.Witness;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The verifier end to end: which records a transfer waits for, one verdict per transfer and model
 * (SNAPSHOT, WINDOW, INTEGRITY, in that order), what each model says and how the cell counts it.
 *
 * <p>A transfer is judged online only once its (latest) splice, its delivery, the mutation log up
 * to the delivery (newest record at or after the delivery) and, when its splice says one follows,
 * the transmission record of the delivered splice attempt ({@link #tx}: every transmission of every
 * segment, in one record) are known.
 */
class VerifierTest {

  private static final String RUN = "run-v";
  private static final int CELL_NO = 1;
  private static final RunContext CTX =
      RunContext.newBuilder().setRunId(RUN).setCell(CELL_NO).setScenario("s").setStrategy(Strategy.SHARE).build();
  private static final int FILE = 5;
  private static final int CELL = CellCodec.CELL;
  private static final long MS = 1_000_000L;
  private static final long US = 1_000L;
  private static final long OP_A = 0xA0;
  private static final long OP_B = 0xB0;
  private static final long OP_C = 0xC0;
  private static final long OP_D = 0xD0;

  private static final List<String> MODELS = List.of("SNAPSHOT", "WINDOW", "INTEGRITY");

  private final List<Verifier.Judged> judged = new ArrayList<>();
  private final Verifier verifier = new Verifier(judged::add);

  // --- record builders -------------------------------------------------------------------------

  private static MutationRecord mutation(RunContext ctx, long version, MutationKind kind, long offset, long length, long op,
      long atNanos) {
    return MutationRecord.newBuilder().setContext(ctx).setFileId(FILE).setVersion(version).setKind(kind)
        .setOffset(offset).setLength(length).setOpId(op).setSizeAfter(8192).setAtNanos(atNanos).build();
  }

  private static MutationRecord mutation(long version, MutationKind kind, long offset, long length, long op, long atMs) {
    return mutation(CTX, version, kind, offset, length, op, atMs * MS);
  }

  private static MutationRecord write(long version, long offset, long length, long op, long atMs) {
    return mutation(version, MutationKind.WRITE, offset, length, op, atMs);
  }

  private static final MutationRecord M1 = mutation(1, MutationKind.CREATE, 0, 8192, 0, 1);
  private static final MutationRecord M2 = write(2, 0, 8192, OP_A, 2);
  /** Written after T1 was spliced at v2, before its delivery, over [256, 512) of its range. */
  private static final MutationRecord M3 = write(3, 256, 256, OP_B, 4);
  /** After T1's delivery and outside its range: the record that shows the log has passed the delivery. */
  private static final MutationRecord M4 = write(4, 4096, 64, OP_C, 6);
  /** For logs without M3: v3 after the deliveries at 5 ms, outside every transfer's range. */
  private static final MutationRecord END3 = write(3, 4096, 64, OP_C, 6);

  private static SpliceRecord splice(RunContext ctx, String id, long offset, long length, long version, long atNanos) {
    return SpliceRecord.newBuilder().setContext(ctx).setTransferId(id).setFileId(FILE).setOffset(offset)
        .setLength(length).setVersion(version).setPipeId(1).setAtNanos(atNanos).setTransmissionsFollow(true).build();
  }

  private static SpliceRecord splice(String id, long offset, long length, long version, long atMs) {
    return splice(CTX, id, offset, length, version, atMs * MS);
  }

  private static DeliveryRecord delivery(RunContext ctx, String id, long offset, byte[] bytes, long atNanos) {
    return DeliveryRecord.newBuilder().setContext(ctx).setTransferId(id).setFileId(FILE).setOffset(offset)
        .setLength(bytes.length).addAllRuns(CellCodec.decodeRuns(FILE, offset, bytes)).setAtNanos(atNanos).build();
  }

  private static DeliveryRecord delivery(String id, long offset, byte[] bytes, long atMs) {
    return delivery(CTX, id, offset, bytes, atMs * MS);
  }

  /** One transmission of a segment of transfer id, splice attempt spliceAttempt, in an attempt of count segments. */
  private record Seg(RunContext ctx, String id, int spliceAttempt, int count, Transmission t) {
    Seg attempt(int transmission) {
      return new Seg(ctx, id, spliceAttempt, count, t.toBuilder().setAttempt(transmission).build());
    }

    Seg crc(int plaintextCrc) {
      return new Seg(ctx, id, spliceAttempt, count, t.toBuilder().setPlaintextCrc(plaintextCrc).build());
    }

    Seg reused() {
      return new Seg(ctx, id, spliceAttempt, count, t.toBuilder().setReused(true).build());
    }

    Seg ofAttempt(int splice) {
      return new Seg(ctx, id, splice, count, t);
    }
  }

  /** Transmission attempt 0 of segment seq of splice attempt 0; plaintext crc derived from seq. */
  private static Seg segment(RunContext ctx, String id, int seq, int count, long offset, int length, long dmaNanos) {
    return new Seg(ctx, id, 0, count, Transmission.newBuilder().setSeq(seq).setAttempt(0).setFileOffset(offset)
        .setLength(length).setCsumReadNanos(dmaNanos - 10 * US).setDmaReadNanos(dmaNanos).setPlaintextCrc(0x1000 + seq).build());
  }

  private static Seg segment(String id, int seq, int count, long offset, int length, long dmaUs) {
    return segment(CTX, id, seq, count, offset, length, dmaUs * US);
  }

  /** The transmission record of one splice attempt: the given transmissions, in order. */
  private static TransmissionRecord tx(Seg... segs) {
    TransmissionRecord.Builder b = TransmissionRecord.newBuilder().setContext(segs[0].ctx()).setTransferId(segs[0].id())
        .setFileId(FILE).setSpliceAttempt(segs[0].spliceAttempt()).setSegmentCount(segs[0].count());
    for (Seg g : segs) {
      b.addTransmissions(g.t());
    }
    return b.build();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static byte[] fill(long op, long offset, int length) {
    return CellCodec.fill(FILE, op, offset, length);
  }

  /** A cell at offset whose first half is op a's and second half op b's: torn inside the cell. */
  private static byte[] tornCell(long a, long b, long offset) {
    byte[] c = fill(a, offset, CELL);
    System.arraycopy(fill(b, offset, CELL), CELL / 2, c, CELL / 2, CELL / 2);
    return c;
  }

  /** T1: [0, 1024) spliced at v2 (all A) at 3 ms; delivered at 5 ms with B over [256, 512). */
  private static final SpliceRecord T1 = splice("t1", 0, 1024, 2, 3);
  private static final DeliveryRecord D1 =
      delivery("t1", 0, concat(fill(OP_A, 0, 256), fill(OP_B, 256, 256), fill(OP_A, 512, 512)), 5);
  /** T1's two segments, read for the wire after M3 and before the delivery, in T1's transmission record. */
  private static final Seg G0 = segment("t1", 0, 2, 0, 512, 4_500);
  private static final Seg G1 = segment("t1", 1, 2, 512, 512, 4_600);
  private static final TransmissionRecord TX1 = tx(G0, G1);
  /** T1 sent as one segment. */
  private static final Seg G = segment("t1", 0, 1, 0, 1024, 4_500);
  /** T1 sent as one segment and delivered at 4 ms, when M3 was logged: M3 is the log's last needed record. */
  private static final TransmissionRecord TX4 = tx(segment("t1", 0, 1, 0, 1024, 4_000));
  private static final DeliveryRecord D4 = D1.toBuilder().setAtNanos(4 * MS).build();

  private void feed(Object... records) {
    for (Object r : records) {
      feed(verifier, r);
    }
  }

  private static void feed(Verifier v, Object r) {
    if (r instanceof MutationRecord m) {
      v.onMutation(m);
    } else if (r instanceof SpliceRecord s) {
      v.onSplice(s);
    } else if (r instanceof DeliveryRecord d) {
      v.onDelivery(d);
    } else if (r instanceof TransmissionRecord g) {
      v.onTransmission(g);
    } else {
      throw new IllegalArgumentException(String.valueOf(r));
    }
  }

  /** The judgements of one transfer, by model. */
  private List<Verifier.Judged> of(String transferId) {
    return judged.stream().filter(j -> j.transferId().equals(transferId)).toList();
  }

  private static Verifier.Judged model(List<Verifier.Judged> js, String model) {
    return js.stream().filter(j -> j.model().equals(model)).findFirst().orElseThrow(() -> new AssertionError("no " + model + " in " + js));
  }

  private static void assertVerdicts(List<Verifier.Judged> js, String id, FailureClass snapshot, FailureClass window,
      FailureClass integrity) {
    assertThat(js).as("judgements of %s", id).extracting(Verifier.Judged::model).containsExactlyElementsOf(MODELS);
    assertThat(js).allSatisfy(j -> assertThat(j.transferId()).isEqualTo(id));
    List<FailureClass> expected = List.of(snapshot, window, integrity);
    for (int i = 0; i < 3; i++) {
      Verifier.Judged j = js.get(i);
      assertThat(j.failureClass()).as("%s %s", id, j.model()).isEqualTo(expected.get(i));
      assertThat(j.verdict()).as("%s %s", id, j.model()).isEqualTo(expected.get(i) == FailureClass.NONE ? Verdict.OK : Verdict.VIOLATED);
      if (j.verdict() == Verdict.OK) {
        assertThat(j.wrongBytes()).as("%s %s", id, j.model()).isEmpty();
        assertThat(j.causes()).as("%s %s", id, j.model()).isEmpty();
        assertThat(j.witness()).as("%s %s", id, j.model()).isEmpty();
      } else {
        assertThat(j.witness()).as("%s %s", id, j.model()).isNotEmpty().last().asString().contains("VERDICT " + j.model());
      }
    }
  }

  /** T1 (D1 equals the file at v3): NEWER_VERSION under SNAPSHOT, fine under WINDOW and INTEGRITY. */
  private static void assertT1(List<Verifier.Judged> js) {
    assertVerdicts(js, "t1", FailureClass.NEWER_VERSION, FailureClass.NONE, FailureClass.NONE);
    assertThat(js).allSatisfy(j -> {
      assertThat(j.context()).isEqualTo(CTX);
      assertThat(j.detected()).isFalse();
    });
    assertThat(js.get(0).wrongBytes()).containsExactly(entry(FailureClass.NEWER_VERSION, 256L));
    assertThat(js.get(0).causes()).containsExactly("NEWER_VERSION/WRITE");
  }

  private static void assertT1Counted(CellSummary s) {
    assertThat(s.getTransfers()).isEqualTo(1);
    assertThat(s.getVerdicts()).isEqualTo(1);
    assertThat(s.getSnapshotMap()).containsExactly(entry("VIOLATED/NEWER_VERSION", 1L));
    assertThat(s.getWindowMap()).containsExactly(entry("OK/NONE", 1L));
    assertThat(s.getIntegrityMap()).containsExactly(entry("OK/NONE", 1L));
    assertThat(s.getWrongBytesMap()).containsExactly(entry("NEWER_VERSION", 256L));
    assertThat(s.getCausesMap()).containsExactly(entry("SNAPSHOT/NEWER_VERSION/WRITE", 1L));
    assertThat(s.getSilent()).isEqualTo(1);
    assertThat(s.getDetected()).isZero();
  }

  // --- when a transfer is judged ---------------------------------------------------------------

  @Test
  void inOrderRecordsAreJudgedOnceWhenTheLastNeededRecordArrives() {
    feed(M1, M2, T1, M3);
    assertThat(judged).as("no delivery yet").isEmpty();
    feed(D1);
    assertThat(judged).as("the log has not reached the delivery's time").isEmpty();
    feed(M4);
    assertThat(judged).as("the transmission record has not come").isEmpty();
    feed(TX1);
    assertT1(judged);

    CellSummary s = verifier.status(RUN, CELL_NO);
    assertT1Counted(s);
    assertThat(s.getMutations()).isEqualTo(4);
    assertThat(s.getDeliveries()).isEqualTo(1);
    assertThat(s.getDeliveredBytes()).isEqualTo(1024);
    assertThat(s.getStrategy()).isEqualTo(Strategy.SHARE);

    CellSummary f = verifier.finalizeCell(RUN, CELL_NO, 5);
    assertThat(judged).as("finalize does not judge again").hasSize(3);
    assertThat(f.getVerdicts()).isEqualTo(f.getTransfers()).isEqualTo(1);
    assertT1Counted(f);
  }

  @Test
  void aDeliveryWaitsForTheMutationRecordsItNeeds() {
    feed(T1, TX1, D1);
    assertThat(judged).as("no mutation record yet").isEmpty();
    feed(M1, M2);
    // The log reaches the splice version, but neither the delivered op B nor the delivery's time.
    assertThat(judged).as("op B still unknown").isEmpty();
    assertThat(verifier.status(RUN, CELL_NO).getVerdicts()).isZero();
    feed(M4);
    assertThat(judged).as("v4 waits for v3: the log is not contiguous").isEmpty();
    feed(M3);
    assertT1(judged);
  }

  @Test
  void aDeliveredOpTheLogDoesNotKnowYetIsWaitedForEvenWhenTheLogHasPassedTheDeliveryTime() {
    // Clocks apart: op B is logged as v4 at 6 ms, after v3 at 5 ms and after the delivery at 5 ms.
    feed(M1, M2, T1, TX1, D1, write(3, 4096, 64, OP_C, 5));
    // Judging now would take B for data no mutation wrote (TORN).
    assertThat(judged).as("op B still unknown").isEmpty();
    feed(write(4, 256, 256, OP_B, 6));
    assertThat(judged).hasSize(3);
    assertThat(judged.get(0).failureClass()).isEqualTo(FailureClass.NEWER_VERSION);
  }

  @Test
  void aDeliveryWaitsForTheLogToReachItsSpliceVersionEvenWhenTheLogsClockIsAhead() {
    // The receiver's clock is behind: the delivery says 2 ms, v2 was applied at 2 ms, but the
    // transfer was spliced at v3, a punch hole over [256, 512) the delivery shows as zeros.
    byte[] atV3 = concat(fill(OP_A, 0, 256), new byte[256], fill(OP_A, 512, 512));
    feed(splice("p", 0, 1024, 3, 3), tx(segment("p", 0, 1, 0, 1024, 1_500)), delivery("p", 0, atV3, 2));
    feed(M1, M2);
    assertThat(judged).as("v3 unknown: judging now would call the hole ZEROED").isEmpty();
    feed(mutation(3, MutationKind.PUNCH_HOLE, 256, 256, 0, 3));
    assertVerdicts(judged, "p", FailureClass.NONE, FailureClass.NONE, FailureClass.NONE);
  }

  @Test
  void theLogMustReachTheDeliveryTimeButNotPassIt() {
    feed(M1, M2, T1, M3, TX1);
    feed(D1.toBuilder().setAtNanos(4 * MS + 1).build());
    assertThat(judged).as("v3 at 4 ms, delivery 1 ns later").isEmpty();
    feed(write(4, 4096, 64, OP_C, 0).toBuilder().setAtNanos(4 * MS + 1).build());
    assertThat(judged).as("a record at the delivery's time is enough").hasSize(3);
    assertT1(judged);
  }

  @Test
  void aSpliceArrivingAfterItsDeliveryIsJudgedOnArrival() {
    feed(M1, M2, END3);
    DeliveryRecord ok = delivery("t9", 1024, fill(OP_A, 1024, 512), 5);
    feed(ok, tx(segment("t9", 0, 1, 1024, 512, 4_000)));
    assertThat(judged).isEmpty();
    feed(splice("t9", 1024, 512, 2, 3));
    assertVerdicts(judged, "t9", FailureClass.NONE, FailureClass.NONE, FailureClass.NONE);
    CellSummary s = verifier.status(RUN, CELL_NO);
    assertThat(s.getSnapshotMap()).containsExactly(entry("OK/NONE", 1L));
    assertThat(s.getWindowMap()).containsExactly(entry("OK/NONE", 1L));
    assertThat(s.getIntegrityMap()).containsExactly(entry("OK/NONE", 1L));
    assertThat(s.getCausesMap()).isEmpty();
    assertThat(s.getSilent()).isZero();
    assertThat(s.getDetected()).isZero();
  }

  @Test
  void everyArrivalOrderGivesExactlyOneJudgementWhenTheLastNeededRecordArrives() {
    List<Object> records = List.of(M1, M2, M3, T1, TX4, D4);
    List<List<Object>> orders = new ArrayList<>();
    permutations(new ArrayList<>(records), 0, orders);
    assertThat(orders).hasSize(720);
    List<Verifier.Judged> first = null;
    CellSummary firstSummary = null;
    for (List<Object> order : orders) {
      List<Verifier.Judged> out = new ArrayList<>();
      Verifier v = new Verifier(out::add);
      for (int i = 0; i < order.size(); i++) {
        feed(v, order.get(i));
        if (out.size() != (i == order.size() - 1 ? 3 : 0)) {
          throw new AssertionError("order " + names(order) + ": " + out.size() + " judgements after " + (i + 1) + " records");
        }
      }
      CellSummary s = v.finalizeCell(RUN, CELL_NO, 0);
      if (out.size() != 3) {
        throw new AssertionError("order " + names(order) + ": finalize judged again: " + out);
      }
      if (first == null) {
        assertT1(out);
        assertT1Counted(s);
        assertThat(s.getMutations()).isEqualTo(3);
        first = out;
        firstSummary = s.toBuilder().clearWitnesses().build();
      } else if (!out.equals(first) || !s.toBuilder().clearWitnesses().build().equals(firstSummary)) {
        // every order judges alike (witness lines included)
        assertThat(out).as("order %s", names(order)).isEqualTo(first);
        assertThat(s.toBuilder().clearWitnesses().build()).as("order %s", names(order)).isEqualTo(firstSummary);
      }
    }
  }

  @Test
  void aTransmissionRecordOfAnotherAttemptOrCellOrTransferFillsNoGap() {
    SpliceRecord t = splice("t3", 0, 960, 2, 3);
    DeliveryRecord d = delivery("t3", 0, fill(OP_A, 0, 960), 5);
    Seg s0 = segment("t3", 0, 3, 0, 320, 3_100);
    Seg s1 = segment("t3", 1, 3, 320, 320, 3_200);
    Seg s2 = segment("t3", 2, 3, 640, 320, 3_300);
    feed(M1, M2, M3, M4, t, d);
    feed(tx(s0.ofAttempt(1), s1.ofAttempt(1), s2.ofAttempt(1)));
    RunContext other = CTX.toBuilder().setCell(CELL_NO + 1).build();
    feed(tx(new Seg(other, "t3", 0, 3, s0.t()), new Seg(other, "t3", 0, 3, s1.t()), new Seg(other, "t3", 0, 3, s2.t())));
    feed(tx(segment("t-later", 0, 1, 8192, CELL, 5_500)));
    assertThat(judged).as("no record of splice attempt 0 of t3 in this cell yet").isEmpty();
    feed(tx(s0, s1, s2));
    assertVerdicts(judged, "t3", FailureClass.NONE, FailureClass.NONE, FailureClass.NONE);
  }

  @Test
  void aSpliceWithNoTransmissionsToFollowIsJudgedWithoutThem() {
    // the kernel path: its TCP stack records no transmission
    feed(M1, M2, M3, M4, T1.toBuilder().setTransmissionsFollow(false).build(), D1);
    assertVerdicts(judged, "t1", FailureClass.NEWER_VERSION, FailureClass.NONE, FailureClass.NONE);
  }

  @Test
  void aJudgedTransfersStateIsDroppedAndItsLateRecordsIgnored() {
    feed(M1, M2, T1, M3, M4, TX1, D1);
    assertT1(judged);
    assertThat(verifier.footprint()[0]).as("transfers held after the verdict").isZero();
    feed(T1.toBuilder().setAttempt(1).build(), TX1, D1);
    assertThat(judged).hasSize(3);
    assertThat(verifier.footprint()[0]).as("late records of a judged transfer keep nothing").isZero();
    assertThat(verifier.finalizeCell(RUN, CELL_NO, 0).getTransfers()).isEqualTo(1);
  }

  private static void permutations(List<Object> items, int k, List<List<Object>> out) {
    if (k == items.size()) {
      out.add(List.copyOf(items));
      return;
    }
    for (int i = k; i < items.size(); i++) {
      java.util.Collections.swap(items, k, i);
      permutations(items, k + 1, out);
      java.util.Collections.swap(items, k, i);
    }
  }

  private static List<String> names(List<Object> order) {
    List<String> n = new ArrayList<>();
    for (Object r : order) {
      n.add(r == M1 ? "M1" : r == M2 ? "M2" : r == M3 ? "M3" : r == T1 ? "T1" : r == TX4 ? "TX4"
          : r == D4 ? "D4" : String.valueOf(r));
    }
    return n;
  }

  @Test
  void anUndeliveredTransfersWitnessListsAFewMutationsAndCountsTheRest() {
    feed(M1, M2);
    feed(splice("t2", 2048, 640, 2, 3));
    int later = Witnesses.MAX_MUTATIONS + 50;
    for (int i = 0; i < later; i++) {
      feed(write(3 + i, 2048, 64, 0x100 + i, 4 + i)); // each over t2's range, long after its splice
    }
    verifier.finalizeCell(RUN, CELL_NO, 5);
    List<String> witness = judged.stream().filter(j -> j.transferId().equals("t2")).findFirst().orElseThrow().witness();
    assertThat(witness.stream().filter(l -> l.contains("MUTATION  v"))).hasSize(Witnesses.MAX_MUTATIONS);
    assertThat(witness).anySatisfy(l -> assertThat(l).contains("... and 50 later mutations over the range"));
  }

  @Test
  void finalizeJudgesASpliceWithoutDeliveryAsLostOnce() {
    feed(M1, M2);
    feed(splice("t2", 2048, 640, 2, 3));
    assertThat(judged).isEmpty();
    assertThat(verifier.status(RUN, CELL_NO).getVerdicts()).isZero();

    CellSummary s = verifier.finalizeCell(RUN, CELL_NO, 5);
    assertVerdicts(judged, "t2", FailureClass.LOST, FailureClass.LOST, FailureClass.LOST);
    assertThat(judged).allSatisfy(j -> assertThat(j.wrongBytes()).containsExactly(entry(FailureClass.LOST, 640L)));
    assertThat(s.getTransfers()).isEqualTo(1);
    assertThat(s.getVerdicts()).isEqualTo(1);
    assertThat(s.getSnapshotMap()).containsExactly(entry("VIOLATED/LOST", 1L));
    assertThat(s.getWindowMap()).containsExactly(entry("VIOLATED/LOST", 1L));
    assertThat(s.getIntegrityMap()).containsExactly(entry("VIOLATED/LOST", 1L));
    assertThat(s.getWrongBytesMap()).as("wrong bytes are counted once, under SNAPSHOT").containsExactly(entry("LOST", 640L));
    assertThat(s.getCausesMap()).containsOnly(entry("SNAPSHOT/LOST/NONE", 1L), entry("WINDOW/LOST/NONE", 1L),
        entry("INTEGRITY/LOST/NONE", 1L));
    assertThat(s.getSilent()).as("nothing was accepted").isZero();
    assertThat(s.getWitnessesList()).hasSize(3).allSatisfy(w -> {
      assertThat(w.getTransferId()).isEqualTo("t2");
      assertThat(w.getFailureClass()).isEqualTo("LOST");
    });
    assertThat(s.getWitnessesList()).extracting(Witness::getModel).containsExactlyInAnyOrderElementsOf(MODELS);

    CellSummary again = verifier.finalizeCell(RUN, CELL_NO, 5);
    assertThat(judged).as("a second finalize judges nothing").hasSize(3);
    assertThat(again.getVerdicts()).isEqualTo(1);
    // A delivery arriving after the LOST verdict changes nothing.
    feed(delivery("t2", 2048, fill(OP_A, 2048, 640), 9), tx(segment("t2", 0, 1, 2048, 640, 8_000)), M3, M4);
    assertThat(judged).hasSize(3);
    assertThat(verifier.status(RUN, CELL_NO).getVerdicts()).isEqualTo(1);
  }

  @Test
  void finalizeJudgesEveryPendingTransferAndCountsClassesApart() {
    feed(M1, M2, END3); // no M3 in this log: op B unknown
    feed(T1, TX1, D1); // waits for op B
    feed(splice("ok", 4096, 256, 2, 3), tx(segment("ok", 0, 1, 4096, 256, 3_500)));
    feed(delivery("ok", 4096, fill(OP_A, 4096, 256), 4));
    feed(splice("lost", 6144, 128, 2, 3));
    feed(delivery("orphan", 0, fill(OP_A, 0, 64), 4)); // no splice record: never judged
    assertThat(judged).extracting(Verifier.Judged::transferId).containsExactly("ok", "ok", "ok");

    CellSummary s = verifier.finalizeCell(RUN, CELL_NO, 10);
    assertThat(judged).hasSize(9);
    assertVerdicts(of("ok"), "ok", FailureClass.NONE, FailureClass.NONE, FailureClass.NONE);
    // Without M3 op B is unknown to the log: the finalizer can only call it torn.
    assertVerdicts(of("t1"), "t1", FailureClass.TORN, FailureClass.TORN, FailureClass.TORN);
    assertVerdicts(of("lost"), "lost", FailureClass.LOST, FailureClass.LOST, FailureClass.LOST);
    assertThat(s.getTransfers()).isEqualTo(3);
    assertThat(s.getVerdicts()).isEqualTo(3);
    assertThat(s.getDeliveries()).isEqualTo(3);
    assertThat(s.getSnapshotMap()).containsOnly(
        entry("OK/NONE", 1L), entry("VIOLATED/TORN", 1L), entry("VIOLATED/LOST", 1L));
    assertThat(s.getWindowMap()).containsOnly(
        entry("OK/NONE", 1L), entry("VIOLATED/TORN", 1L), entry("VIOLATED/LOST", 1L));
    assertThat(s.getIntegrityMap()).containsOnly(
        entry("OK/NONE", 1L), entry("VIOLATED/TORN", 1L), entry("VIOLATED/LOST", 1L));
    assertThat(s.getWrongBytesMap()).containsOnly(entry("TORN", 256L), entry("LOST", 128L));
    assertThat(s.getWitnessesList()).extracting(Witness::getTransferId)
        .containsExactlyInAnyOrder("t1", "t1", "t1", "lost", "lost", "lost");
    assertThat(s.getWitnessesList()).extracting(w -> w.getModel() + "/" + w.getFailureClass()).containsExactlyInAnyOrder(
        "SNAPSHOT/TORN", "WINDOW/TORN", "INTEGRITY/TORN", "SNAPSHOT/LOST", "WINDOW/LOST", "INTEGRITY/LOST");
    assertThat(verifier.finalizeCell(RUN, CELL_NO, 0).getWitnessesList()).isEmpty();
  }

  @Test
  void duplicateRecordsAreNotCountedTwice() {
    feed(M1, M1, M2, T1, T1, D1, D1, M2, M3, M3, T1, D1, M4, TX1, M4, TX1);
    assertT1(judged);
    feed(T1, D1, TX1, M4);
    CellSummary s = verifier.finalizeCell(RUN, CELL_NO, 5);
    assertThat(judged).hasSize(3);
    assertT1Counted(s);
    assertThat(s.getMutations()).isEqualTo(4);
    assertThat(s.getDeliveries()).isEqualTo(1);
    assertThat(s.getDeliveredBytes()).isEqualTo(1024);
    assertThat(s.getWitnessesList()).singleElement().satisfies(w -> assertThat(w.getModel()).isEqualTo("SNAPSHOT"));
  }

  @Test
  void aDeliveryForAFileWithoutAnyMutationRecordIsFinalizedAsMalformed() {
    feed(T1, TX1, delivery("t1", 0, fill(OP_A, 0, 1024), 5));
    assertThat(judged).isEmpty();
    CellSummary s = verifier.finalizeCell(RUN, CELL_NO, 5);
    assertThat(judged).hasSize(3).allSatisfy(j -> assertThat(j.verdict()).isEqualTo(Verdict.VIOLATED));
    assertThat(judged).extracting(Verifier.Judged::model).containsExactlyElementsOf(MODELS);
    assertThat(s.getVerdicts()).isEqualTo(s.getTransfers()).isEqualTo(1);
    assertThat(s.getMalformedRecords()).as("one malformed transfer, not one per model").isEqualTo(1);
  }

  @Test
  void cellsOfOneRunAreKeptApart() {
    RunContext other = CTX.toBuilder().setCell(CELL_NO + 1).build();
    feed(M1, M2, T1, TX1);
    verifier.onSplice(T1.toBuilder().setContext(other).build());
    verifier.onTransmission(tx(new Seg(other, "t1", 0, 1, G.t())));
    verifier.onDelivery(D1.toBuilder().setContext(other).build()); // the other cell has no log
    feed(M3, M4, D1);
    assertT1(judged);
    assertThat(verifier.status(RUN, CELL_NO + 1).getTransfers()).isEqualTo(1);
    assertThat(verifier.status(RUN, CELL_NO + 1).getVerdicts()).isZero();
    assertThat(verifier.status(RUN, CELL_NO + 1).getMutations()).isZero();
    assertThat(verifier.status(RUN, CELL_NO).getTransfers()).isEqualTo(1);
    CellSummary unknown = verifier.status("nope", 0);
    assertThat(unknown.getRunId()).isEqualTo("nope");
    assertThat(unknown.getTransfers()).isZero();
  }

  private static final Pattern TIMED = Pattern.compile("^\\s*([+-]\\d+[.,]\\d{3}) ms  (\\S+)");

  @Test
  void aViolatedTransfersWitnessListsItsEventsInTimeOrder() {
    feed(M1, M2);
    feed(T1); // 3 ms
    // A segment DMA read (3.5 ms) that happened before the mutation (4 ms) but is fed after it.
    feed(M3); // v3 at 4 ms over [256, 512): the cause
    feed(write(4, 4096, 64, OP_C, 4)); // v4 outside the range
    verifier.onTransmission(TransmissionRecord.newBuilder().setContext(CTX).setTransferId("t1").setFileId(FILE)
        .setSegmentCount(1).addTransmissions(Transmission.newBuilder().setSeq(0).setAttempt(0).setFileOffset(0)
            .setLength(1024).setCsumReadNanos(3_400_000).setDmaReadNanos(3_500_000)).build());
    feed(tx(segment("t-later", 0, 1, 8192, CELL, 5_500))); // another transfer's, not part of the witness
    feed(write(5, 0, 64, OP_D, 6)); // v5 after the delivery
    feed(D1); // 5 ms

    assertThat(judged).hasSize(3);
    assertThat(judged.get(1).witness()).as("WINDOW is satisfied: no witness").isEmpty();
    assertThat(judged.get(2).witness()).as("INTEGRITY is satisfied: no witness").isEmpty();
    List<String> lines = judged.get(0).witness();
    assertThat(lines).as("witness %s", lines).isNotEmpty();

    int splice = indexOf(lines, "SPLICE");
    int segment = indexOf(lines, "SEGMENT");
    int cause = indexOf(lines, "MUTATION  v3 WRITE");
    int delivery = indexOf(lines, "DELIVERY");
    int verdict = indexOf(lines, "VERDICT");
    assertThat(splice).as("SPLICE in %s", lines).isZero();
    assertThat(segment).as("SEGMENT in %s", lines).isGreaterThan(splice);
    assertThat(cause).as("the causing mutation in %s", lines).isGreaterThan(segment);
    assertThat(delivery).as("DELIVERY in %s", lines).isGreaterThan(cause);
    assertThat(verdict).as("VERDICT in %s", lines).isEqualTo(lines.size() - 1);

    assertThat(lines.get(splice)).contains("t1").contains("[0, 1024)").contains("v2");
    assertThat(lines.get(cause)).contains("[256, 512)").contains(Long.toHexString(OP_B));
    assertThat(lines.get(verdict)).contains("SNAPSHOT").contains("NEWER_VERSION").contains("WRITE");
    assertThat(lines).noneMatch(l -> l.contains("MUTATION  v4")).noneMatch(l -> l.contains("MUTATION  v5"))
        .noneMatch(l -> l.contains("MUTATION  v1")).noneMatch(l -> l.contains("MUTATION  v2"))
        .noneMatch(l -> l.contains("t-later"));
    assertThat(lines.stream().filter(l -> l.contains("SEGMENT"))).hasSize(1);

    // Timed lines carry their time relative to the splice, non-decreasing.
    double previous = Double.NEGATIVE_INFINITY;
    List<Double> times = new ArrayList<>();
    for (String l : lines) {
      Matcher m = TIMED.matcher(l);
      if (m.find()) {
        double t = Double.parseDouble(m.group(1).replace(',', '.'));
        assertThat(t).as("time order of %s", lines).isGreaterThanOrEqualTo(previous);
        previous = t;
        times.add(t);
      }
    }
    assertThat(times).containsExactly(0.0, 0.5, 1.0, 2.0);

    CellSummary s = verifier.finalizeCell(RUN, CELL_NO, 5);
    assertThat(s.getWitnessesList()).singleElement().satisfies(w -> {
      assertThat(w.getModel()).isEqualTo("SNAPSHOT");
      assertThat(w.getTransferId()).isEqualTo("t1");
      assertThat(w.getVerdict()).isEqualTo("VIOLATED");
      assertThat(w.getFailureClass()).isEqualTo("NEWER_VERSION");
      assertThat(w.getEventsList()).isEqualTo(lines);
    });
  }

  private static int indexOf(List<String> lines, String token) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(token)) {
        return i;
      }
    }
    return -1;
  }

  // --- WINDOW ----------------------------------------------------------------------------------

  /** Splice w of [0, 1024) at v2 (3 ms), delivered at 5 ms as two segments; log end v_last at 6 ms. */
  private void transferW(String id, byte[] bytes, Object... more) {
    feed(splice(id, 0, 1024, 2, 3), tx(segment(id, 0, 2, 0, 512, 4_500), segment(id, 1, 2, 512, 512, 4_600)));
    feed(more);
    feed(delivery(id, 0, bytes, 5));
  }

  @Test
  void windowAcceptsTheFileAtAVersionBetweenSpliceAndDelivery() {
    // v3 B over [256, 512) at 3.5 ms, v4 C over [512, 768) at 4 ms, v5 D over [0, 64) at 6 ms.
    feed(M1, M2, write(3, 256, 256, OP_B, 0).toBuilder().setAtNanos(3_500 * US).build(), write(4, 512, 256, OP_C, 4),
        write(5, 0, 64, OP_D, 6));
    byte[] atV4 = concat(fill(OP_A, 0, 256), fill(OP_B, 256, 256), fill(OP_C, 512, 256), fill(OP_A, 768, 256));
    byte[] atV3 = concat(fill(OP_A, 0, 256), fill(OP_B, 256, 256), fill(OP_A, 512, 512));
    transferW("v4", atV4);
    transferW("v3", atV3);
    assertVerdicts(of("v4"), "v4", FailureClass.NEWER_VERSION, FailureClass.NONE, FailureClass.NONE);
    assertThat(of("v4").get(0).wrongBytes()).containsExactly(entry(FailureClass.NEWER_VERSION, 512L));
    assertVerdicts(of("v3"), "v3", FailureClass.NEWER_VERSION, FailureClass.NONE, FailureClass.NONE);
    assertThat(of("v3").get(0).wrongBytes()).containsExactly(entry(FailureClass.NEWER_VERSION, 256L));
    CellSummary s = verifier.status(RUN, CELL_NO);
    assertThat(s.getSnapshotMap()).containsExactly(entry("VIOLATED/NEWER_VERSION", 2L));
    assertThat(s.getWindowMap()).containsExactly(entry("OK/NONE", 2L));
    assertThat(s.getIntegrityMap()).containsExactly(entry("OK/NONE", 2L));
  }

  @Test
  void windowRejectsADeliveryMixingTheSpliceVersionAndALaterOne() {
    // v3 rewrites the whole range with B; the delivery has A (v2) in its first half, B (v3) in its second.
    feed(M1, M2, write(3, 0, 1024, OP_B, 4), write(4, 4096, 64, OP_C, 6));
    transferW("mix", concat(fill(OP_A, 0, 512), fill(OP_B, 512, 512)));
    transferW("all-b", fill(OP_B, 0, 1024));
    List<Verifier.Judged> mix = of("mix");
    // Each segment holds one version: INTEGRITY is satisfied, WINDOW is not.
    assertVerdicts(mix, "mix", FailureClass.NEWER_VERSION, FailureClass.NEWER_VERSION, FailureClass.NONE);
    assertThat(model(mix, "WINDOW").wrongBytes()).containsExactly(entry(FailureClass.NEWER_VERSION, 512L));
    assertThat(model(mix, "WINDOW").causes()).containsExactly("NEWER_VERSION/WRITE");
    assertThat(model(mix, "WINDOW").witness()).last().asString().contains("VERDICT WINDOW NEWER_VERSION");
    assertVerdicts(of("all-b"), "all-b", FailureClass.NEWER_VERSION, FailureClass.NONE, FailureClass.NONE);

    CellSummary s = verifier.finalizeCell(RUN, CELL_NO, 5);
    assertThat(s.getWindowMap()).containsOnly(entry("VIOLATED/NEWER_VERSION", 1L), entry("OK/NONE", 1L));
    assertThat(s.getCausesMap()).containsOnly(entry("SNAPSHOT/NEWER_VERSION/WRITE", 2L), entry("WINDOW/NEWER_VERSION/WRITE", 1L));
    assertThat(s.getWitnessesList()).filteredOn(w -> w.getModel().equals("WINDOW")).singleElement().satisfies(w -> {
      assertThat(w.getTransferId()).isEqualTo("mix");
      assertThat(w.getFailureClass()).isEqualTo("NEWER_VERSION");
    });
  }

  @Test
  void aChangeAppliedAfterTheDeliveryIsNotInTheWindow() {
    // v3 B over [256, 512) applied at 6 ms, after the delivery at 5 ms: the delivered B can not be
    // the file at any version of the window [v2, v2].
    feed(M1, M2, write(3, 256, 256, OP_B, 6));
    transferW("late", concat(fill(OP_A, 0, 256), fill(OP_B, 256, 256), fill(OP_A, 512, 512)));
    List<Verifier.Judged> late = of("late");
    assertThat(late).hasSize(3);
    assertThat(model(late, "SNAPSHOT").failureClass()).isEqualTo(FailureClass.NEWER_VERSION);
    assertThat(model(late, "WINDOW").verdict()).isEqualTo(Verdict.VIOLATED);
    assertThat(model(late, "WINDOW").failureClass()).isEqualTo(FailureClass.NEWER_VERSION);
    assertThat(model(late, "WINDOW").wrongBytes()).containsExactly(entry(FailureClass.NEWER_VERSION, 256L));
    assertThat(model(late, "INTEGRITY").failureClass()).as("segment 0 matches no version of the window")
        .isEqualTo(FailureClass.TORN);
  }

  @Test
  void aChangeAppliedAtTheDeliveryInstantIsInTheWindow() {
    feed(M1, M2, write(3, 256, 256, OP_B, 5));
    transferW("same", concat(fill(OP_A, 0, 256), fill(OP_B, 256, 256), fill(OP_A, 512, 512)));
    assertVerdicts(of("same"), "same", FailureClass.NEWER_VERSION, FailureClass.NONE, FailureClass.NONE);
  }

  // --- INTEGRITY -------------------------------------------------------------------------------

  @Test
  void checksumRejectsAreADetectedIntegrityViolationOfRightBytes() {
    feed(M1, M2, END3);
    feed(splice("cs", 0, 1024, 2, 3), tx(segment("cs", 0, 1, 0, 1024, 3_500)));
    feed(delivery("cs", 0, fill(OP_A, 0, 1024), 5).toBuilder().setChecksumRejects(2).build());
    List<Verifier.Judged> cs = of("cs");
    assertVerdicts(cs, "cs", FailureClass.NONE, FailureClass.NONE, FailureClass.CHECKSUM_MISMATCH);
    assertThat(cs).allSatisfy(j -> assertThat(j.detected()).as(j.model()).isTrue());
    assertThat(cs.get(2).causes()).containsExactly("CHECKSUM_MISMATCH/NONE");
    CellSummary s = verifier.status(RUN, CELL_NO);
    assertThat(s.getDetected()).isEqualTo(1);
    assertThat(s.getSilent()).as("the bytes accepted were right").isZero();
    assertThat(s.getChecksumRejects()).isEqualTo(2);
    assertThat(s.getSnapshotMap()).containsExactly(entry("OK/NONE", 1L));
    assertThat(s.getIntegrityMap()).containsExactly(entry("VIOLATED/CHECKSUM_MISMATCH", 1L));
    assertThat(s.getWrongBytesMap()).isEmpty();
    assertThat(s.getCausesMap()).containsExactly(entry("INTEGRITY/CHECKSUM_MISMATCH/NONE", 1L));
  }

  @Test
  void aRetransmissionWithOtherBytesIsRetransmitDivergence() {
    feed(M1, M2, END3);
    for (String id : List.of("div", "same", "dup")) {
      feed(splice(id, 0, 1024, 2, 3));
    }
    // div: seq 0 retransmitted (attempt 1) with a different plaintext; same: with the same plaintext.
    feed(tx(segment("div", 0, 2, 0, 512, 3_500), segment("div", 1, 2, 512, 512, 3_600),
        segment("div", 0, 2, 0, 512, 4_000).attempt(1).crc(0x7777)));
    feed(tx(segment("same", 0, 2, 0, 512, 3_500), segment("same", 1, 2, 512, 512, 3_600),
        segment("same", 0, 2, 0, 512, 4_000).attempt(1).reused()));
    feed(tx(segment("dup", 0, 2, 0, 512, 3_500), segment("dup", 1, 2, 512, 512, 3_600)));
    feed(delivery("div", 0, fill(OP_A, 0, 1024), 5), delivery("same", 0, fill(OP_A, 0, 1024), 5));
    // dup: the receiver saw a duplicate with different bytes.
    feed(delivery("dup", 0, fill(OP_A, 0, 1024), 5).toBuilder().setDuplicates(1).setDivergentDuplicates(1).build());
    assertVerdicts(of("div"), "div", FailureClass.NONE, FailureClass.NONE, FailureClass.RETRANSMIT_DIVERGENCE);
    assertVerdicts(of("dup"), "dup", FailureClass.NONE, FailureClass.NONE, FailureClass.RETRANSMIT_DIVERGENCE);
    assertVerdicts(of("same"), "same", FailureClass.NONE, FailureClass.NONE, FailureClass.NONE);
    CellSummary s = verifier.status(RUN, CELL_NO);
    assertThat(s.getIntegrityMap()).containsOnly(entry("VIOLATED/RETRANSMIT_DIVERGENCE", 2L), entry("OK/NONE", 1L));
    assertThat(s.getSilent()).isZero();
  }

  @Test
  void aRetransmissionReadAfterTheDeliveryCanNotHaveShapedIt() {
    feed(M1, M2, END3);
    // A spurious retransmission read at 5.2 ms, after the delivery at 5 ms, with other bytes.
    feed(splice("rto", 0, 1024, 2, 3), tx(segment("rto", 0, 1, 0, 1024, 3_500),
        segment("rto", 0, 1, 0, 1024, 5_200).attempt(1).crc(0x7777)));
    feed(delivery("rto", 0, fill(OP_A, 0, 1024), 5));
    assertVerdicts(of("rto"), "rto", FailureClass.NONE, FailureClass.NONE, FailureClass.NONE);
  }

  @Test
  void anAbortedDeliveryWithAMacFailureIsMacFailureUnderIntegrityAndLostUnderSnapshot() {
    feed(M1, M2, M3, M4, T1);
    DeliveryRecord aborted = DeliveryRecord.newBuilder().setContext(CTX).setTransferId("t1").setFileId(FILE).setOffset(0)
        .setLength(1024).setAborted(true).setMacFailures(1).setAtNanos(5 * MS).build();
    feed(aborted);
    // An aborted transfer waits for no transmission record.
    assertVerdicts(judged, "t1", FailureClass.LOST, FailureClass.LOST, FailureClass.MAC_FAILURE);
    assertThat(judged.get(0).wrongBytes()).containsExactly(entry(FailureClass.LOST, 1024L));
    assertThat(judged).allSatisfy(j -> assertThat(j.detected()).isTrue());
    assertThat(judged.get(2).causes()).as("the change in flight").containsExactly("MAC_FAILURE/WRITE");
    assertThat(judged.get(2).witness()).anyMatch(l -> l.contains("ABORTED"));
    CellSummary s = verifier.status(RUN, CELL_NO);
    assertThat(s.getSnapshotMap()).containsExactly(entry("VIOLATED/LOST", 1L));
    assertThat(s.getIntegrityMap()).containsExactly(entry("VIOLATED/MAC_FAILURE", 1L));
    assertThat(s.getDetected()).isEqualTo(1);
    assertThat(s.getSilent()).isZero();
    assertThat(s.getCausesMap()).containsEntry("INTEGRITY/MAC_FAILURE/WRITE", 1L).containsEntry("SNAPSHOT/LOST/NONE", 1L);
  }

  @Test
  void aSegmentMixingTwoVersionsIsTornWhileAWholeSegmentOfTheNewerVersionIsNot() {
    // v3 rewrites [0, 3072) with B at 4 ms; each transfer is two segments of 512 bytes.
    feed(M1, M2, write(3, 0, 3072, OP_B, 4), write(4, 4096, 64, OP_C, 6));
    for (String id : List.of("torn", "whole", "cell")) {
      long base = id.equals("torn") ? 0 : id.equals("whole") ? 1024 : 2048;
      feed(splice(id, base, 1024, 2, 3), tx(segment(id, 0, 2, base, 512, 4_500), segment(id, 1, 2, base + 512, 512, 4_600)));
    }
    // torn: segment 0 is A (v2) in its first half and B (v3) in its second.
    feed(delivery("torn", 0, concat(fill(OP_A, 0, 256), fill(OP_B, 256, 768)), 5));
    // whole: segment 0 all A (v2), segment 1 all B (v3).
    feed(delivery("whole", 1024, concat(fill(OP_A, 1024, 512), fill(OP_B, 1536, 512)), 5));
    // cell: all B but one cell torn between A and B.
    feed(delivery("cell", 2048, concat(fill(OP_B, 2048, 640), tornCell(OP_A, OP_B, 2688), fill(OP_B, 2752, 320)), 5));

    assertVerdicts(of("torn"), "torn", FailureClass.NEWER_VERSION, FailureClass.NEWER_VERSION, FailureClass.TORN);
    assertThat(model(of("torn"), "INTEGRITY").wrongBytes()).containsExactly(entry(FailureClass.TORN, 512L));
    assertThat(model(of("torn"), "INTEGRITY").causes()).containsExactly("TORN/WRITE");
    assertVerdicts(of("whole"), "whole", FailureClass.NEWER_VERSION, FailureClass.NEWER_VERSION, FailureClass.NONE);
    assertVerdicts(of("cell"), "cell", FailureClass.TORN, FailureClass.TORN, FailureClass.TORN);
    assertThat(model(of("cell"), "INTEGRITY").wrongBytes().get(FailureClass.TORN)).isGreaterThanOrEqualTo(64L);

    CellSummary s = verifier.status(RUN, CELL_NO);
    assertThat(s.getIntegrityMap()).containsOnly(entry("VIOLATED/TORN", 2L), entry("OK/NONE", 1L));
    assertThat(s.getCausesMap()).containsEntry("INTEGRITY/TORN/WRITE", 2L);
  }

  // --- re-splice -------------------------------------------------------------------------------

  private static long opOf(long v) {
    return 0x100 + v;
  }

  /** v1 CREATE, v2..v9 each rewrite [0, 1024) with op 0x100+v at v ms; v10 elsewhere at 11 ms. */
  private void resplicedLog() {
    feed(M1);
    for (long v = 2; v <= 9; v++) {
      feed(write(v, 0, 1024, opOf(v), v));
    }
    feed(write(10, 4096, 64, OP_C, 11));
  }

  private static final SpliceRecord R0 = splice("r", 0, 1024, 5, 5).toBuilder().setAtNanos(5_500 * US).build();
  private static final SpliceRecord R1 = R0.toBuilder().setAttempt(1).setVersion(9).setAtNanos(9_500 * US).build();

  private static Seg rSegment(int spliceAttempt, int seq, int count, long offset, int length, long dmaUs) {
    return segment("r", seq, count, offset, length, dmaUs).ofAttempt(spliceAttempt);
  }

  @Test
  void aReSpliceReplacesTheSpliceTheTransferIsJudgedAgainst() {
    for (boolean resplicedFirst : new boolean[] {false, true}) {
      judged.clear();
      Verifier v = new Verifier(judged::add);
      List<Object> records = new ArrayList<>();
      records.add(resplicedFirst ? R1 : R0);
      records.add(resplicedFirst ? R0 : R1);
      // attempt 0 sent one segment of other bytes (op 5), and a retransmission differing from it
      records.add(tx(rSegment(0, 0, 1, 0, 1024, 6_000), rSegment(0, 0, 1, 0, 1024, 7_000).attempt(1).crc(0x5555)));
      records.add(tx(rSegment(1, 0, 2, 0, 512, 9_600), rSegment(1, 1, 2, 512, 512, 9_700)));
      records.add(delivery("r", 0, fill(opOf(9), 0, 1024), 10).toBuilder().setSpliceAttempt(1).build());
      records.add(M1);
      for (long ver = 2; ver <= 9; ver++) {
        records.add(write(ver, 0, 1024, opOf(ver), ver));
      }
      records.add(write(10, 4096, 64, OP_C, 11));
      for (Object r : records) {
        feed(v, r);
      }
      assertVerdicts(judged, "r", FailureClass.NONE, FailureClass.NONE, FailureClass.NONE);
      CellSummary s = v.finalizeCell(RUN, CELL_NO, 5);
      assertThat(judged).hasSize(3);
      assertThat(s.getTransfers()).as("a re-splice is no new transfer").isEqualTo(1);
      assertThat(s.getVerdicts()).isEqualTo(1);
      assertThat(s.getSnapshotMap()).containsExactly(entry("OK/NONE", 1L));
      assertThat(s.getIntegrityMap()).containsExactly(entry("OK/NONE", 1L));
    }
  }

  @Test
  void aDeliveryOfTheReSplicedAttemptWaitsForItsSplice() {
    resplicedLog();
    feed(R0, tx(rSegment(1, 0, 2, 0, 512, 9_600), rSegment(1, 1, 2, 512, 512, 9_700)));
    feed(delivery("r", 0, fill(opOf(9), 0, 1024), 10).toBuilder().setSpliceAttempt(1).build());
    assertThat(judged).as("the delivery is of attempt 1, the splice known of attempt 0").isEmpty();
    feed(R1);
    assertVerdicts(judged, "r", FailureClass.NONE, FailureClass.NONE, FailureClass.NONE);
    assertThat(verifier.status(RUN, CELL_NO).getTransfers()).isEqualTo(1);
  }

  @Test
  void aDeliveryOfAnEarlierAttemptIsJudgedAgainstThatAttemptsSplice() {
    // The receiver completed attempt 0 (its delayed segments came in) after the sender re-spliced.
    resplicedLog();
    feed(R0, R1, tx(rSegment(0, 0, 1, 0, 1024, 6_000)));
    feed(delivery("r", 0, fill(opOf(5), 0, 1024), 10));
    assertVerdicts(judged, "r", FailureClass.NONE, FailureClass.NONE, FailureClass.NONE);
    CellSummary s = verifier.finalizeCell(RUN, CELL_NO, 5);
    assertThat(judged).as("finalize does not judge again").hasSize(3);
    assertThat(s.getVerdicts()).isEqualTo(s.getTransfers()).isEqualTo(1);
  }

  @Test
  void aDeliveryWaitsForTheSpliceOfTheAttemptItCarries() {
    resplicedLog();
    feed(R1, tx(rSegment(0, 0, 1, 0, 1024, 6_000)));
    feed(delivery("r", 0, fill(opOf(5), 0, 1024), 10));
    assertThat(judged).as("attempt 1 is known, the delivery is of attempt 0").isEmpty();
    assertThat(verifier.status(RUN, CELL_NO).getVerdicts()).isZero();
    feed(R0);
    assertVerdicts(judged, "r", FailureClass.NONE, FailureClass.NONE, FailureClass.NONE);
    assertThat(verifier.finalizeCell(RUN, CELL_NO, 5).getTransfers()).isEqualTo(1);
    assertThat(judged).hasSize(3);
  }

  @Test
  void anUndeliveredReSplicedTransferIsLostOnceAgainstItsLatestSplice() {
    resplicedLog();
    feed(R1, R0); // out of order: attempt 1 stays the latest
    CellSummary s = verifier.finalizeCell(RUN, CELL_NO, 5);
    assertVerdicts(judged, "r", FailureClass.LOST, FailureClass.LOST, FailureClass.LOST);
    assertThat(judged.get(0).witness().get(0)).contains("SPLICE").contains("at v9");
    assertThat(s.getTransfers()).isEqualTo(1);
    assertThat(s.getVerdicts()).isEqualTo(1);
  }

  // --- causes ----------------------------------------------------------------------------------

  @Test
  void newerVersionFromAnMmapStoreIsCountedUnderItsKind() {
    feed(M1, M2, mutation(3, MutationKind.MMAP_STORE, 256, 256, OP_B, 4), M4, T1, TX1, D1);
    assertVerdicts(judged, "t1", FailureClass.NEWER_VERSION, FailureClass.NONE, FailureClass.NONE);
    assertThat(judged.get(0).causes()).containsExactly("NEWER_VERSION/MMAP_STORE");
    assertThat(judged.get(0).witness()).last().asString().contains("MMAP_STORE");
    assertThat(verifier.status(RUN, CELL_NO).getCausesMap()).containsExactly(entry("SNAPSHOT/NEWER_VERSION/MMAP_STORE", 1L));
  }

  @Test
  void underCompletionAfterSnapshotTheCauseNamesTheWritersSide() {
    RunContext cas = RunContext.newBuilder().setRunId("run-cas").setCell(3).setScenario("s")
        .setStrategy(Strategy.COMPLETION_AFTER_SNAPSHOT).build();
    // v3: a foreign mmap store over [256, 512); v4: the application's write over [512, 768).
    feed(mutation(cas, 1, MutationKind.CREATE, 0, 8192, 0, 1 * MS), mutation(cas, 2, MutationKind.WRITE, 0, 8192, OP_A, 2 * MS),
        mutation(cas, 3, MutationKind.MMAP_STORE, 256, 256, OP_B, 4 * MS),
        mutation(cas, 4, MutationKind.WRITE, 512, 256, OP_C, 4 * MS).toBuilder().setHonorsSends(true).build(),
        mutation(cas, 5, MutationKind.WRITE, 4096, 64, OP_D, 6 * MS).toBuilder().setHonorsSends(true).build());
    feed(splice(cas, "c", 0, 1024, 2, 3 * MS), tx(segment(cas, "c", 0, 1, 0, 1024, 4_500 * US)));
    feed(delivery(cas, "c", 0, concat(fill(OP_A, 0, 256), fill(OP_B, 256, 256), fill(OP_C, 512, 256), fill(OP_A, 768, 256)),
        5 * MS));
    assertVerdicts(judged, "c", FailureClass.NEWER_VERSION, FailureClass.NONE, FailureClass.NONE);
    assertThat(judged.get(0).causes())
        .containsExactlyInAnyOrder("NEWER_VERSION/MMAP_STORE:foreign", "NEWER_VERSION/WRITE:application");
    CellSummary s = verifier.status("run-cas", 3);
    assertThat(s.getStrategy()).isEqualTo(Strategy.COMPLETION_AFTER_SNAPSHOT);
    assertThat(s.getCausesMap()).containsOnly(entry("SNAPSHOT/NEWER_VERSION/MMAP_STORE:foreign", 1L),
        entry("SNAPSHOT/NEWER_VERSION/WRITE:application", 1L));
  }
}
