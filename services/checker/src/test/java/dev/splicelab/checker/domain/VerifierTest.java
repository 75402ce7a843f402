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
import dev.splicelab.proto.SegmentRecord;
import dev.splicelab.proto.SpliceRecord;
import dev.splicelab.proto.Strategy;
import dev.splicelab.proto.Verdict;
import dev.splicelab.proto.Witness;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class VerifierTest {

  private static final String RUN = "run-v";
  private static final int CELL_NO = 1;
  private static final RunContext CTX =
      RunContext.newBuilder().setRunId(RUN).setCell(CELL_NO).setScenario("s").setStrategy(Strategy.SHARE).build();
  private static final int FILE = 5;
  private static final int CELL = CellCodec.CELL;
  private static final long MS = 1_000_000L;
  private static final long OP_A = 0xA0;
  private static final long OP_B = 0xB0;
  private static final long OP_C = 0xC0;
  private static final long OP_D = 0xD0;

  private final List<Verifier.Judged> judged = new ArrayList<>();
  private final Verifier verifier = new Verifier(judged::add);

  // --- record builders -------------------------------------------------------------------------

  private static MutationRecord mutation(long version, MutationKind kind, long offset, long length, long op, long atMs) {
    return MutationRecord.newBuilder().setContext(CTX).setFileId(FILE).setVersion(version).setKind(kind)
        .setOffset(offset).setLength(length).setOpId(op).setSizeAfter(8192).setAtNanos(atMs * MS).build();
  }

  private static final MutationRecord M1 = mutation(1, MutationKind.CREATE, 0, 8192, 0, 1);
  private static final MutationRecord M2 = mutation(2, MutationKind.WRITE, 0, 8192, OP_A, 2);
  /** Written after T1 was spliced at v2, over [256, 512) of its range. */
  private static final MutationRecord M3 = mutation(3, MutationKind.WRITE, 256, 256, OP_B, 4);

  private static SpliceRecord splice(String id, long offset, long length, long version, long atMs) {
    return SpliceRecord.newBuilder().setContext(CTX).setTransferId(id).setFileId(FILE).setOffset(offset)
        .setLength(length).setVersion(version).setPipeId(1).setAtNanos(atMs * MS).build();
  }

  private static DeliveryRecord delivery(String id, long offset, byte[] bytes, long atMs) {
    return DeliveryRecord.newBuilder().setContext(CTX).setTransferId(id).setFileId(FILE).setOffset(offset)
        .setLength(bytes.length).addAllRuns(CellCodec.decodeRuns(FILE, offset, bytes)).setAtNanos(atMs * MS).build();
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

  /** T1: [0, 1024) spliced at v2 (all A) at 3 ms; delivered at 5 ms with B over [256, 512). */
  private static final SpliceRecord T1 = splice("t1", 0, 1024, 2, 3);
  private static final DeliveryRecord D1 =
      delivery("t1", 0, concat(fill(OP_A, 0, 256), fill(OP_B, 256, 256), fill(OP_A, 512, 512)), 5);

  private void feed(Object r) {
    if (r instanceof MutationRecord m) {
      verifier.onMutation(m);
    } else if (r instanceof SpliceRecord s) {
      verifier.onSplice(s);
    } else if (r instanceof DeliveryRecord d) {
      verifier.onDelivery(d);
    } else if (r instanceof SegmentRecord g) {
      verifier.onSegment(g);
    } else {
      throw new IllegalArgumentException(String.valueOf(r));
    }
  }

  private static void assertNewerVersionOfT1(Verifier.Judged j) {
    assertThat(j.transferId()).isEqualTo("t1");
    assertThat(j.context()).isEqualTo(CTX);
    assertThat(j.verdict()).isEqualTo(Verdict.VIOLATED);
    assertThat(j.failureClass()).isEqualTo(FailureClass.NEWER_VERSION);
    assertThat(j.wrongBytes()).containsExactly(entry(FailureClass.NEWER_VERSION, 256L));
  }

  // --- tests -----------------------------------------------------------------------------------

  @Test
  void inOrderRecordsAreJudgedOnceWhenTheDeliveryArrives() {
    feed(M1);
    feed(M2);
    feed(T1);
    feed(M3);
    assertThat(judged).as("no delivery yet").isEmpty();
    feed(D1);
    assertThat(judged).singleElement().satisfies(VerifierTest::assertNewerVersionOfT1);

    CellSummary s = verifier.status(RUN, CELL_NO);
    assertThat(s.getTransfers()).isEqualTo(1);
    assertThat(s.getVerdicts()).isEqualTo(1);
    assertThat(s.getSnapshotMap()).containsExactly(entry("VIOLATED/NEWER_VERSION", 1L));
    assertThat(s.getWrongBytesMap()).containsExactly(entry("NEWER_VERSION", 256L));
    assertThat(s.getMutations()).isEqualTo(3);
    assertThat(s.getDeliveries()).isEqualTo(1);
    assertThat(s.getDeliveredBytes()).isEqualTo(1024);
    assertThat(s.getStrategy()).isEqualTo(Strategy.SHARE);

    CellSummary f = verifier.finalizeCell(RUN, CELL_NO, 5);
    assertThat(judged).as("finalize does not judge again").hasSize(1);
    assertThat(f.getVerdicts()).isEqualTo(f.getTransfers()).isEqualTo(1);
  }

  @Test
  void aDeliveryWaitsForTheMutationRecordsItNeeds() {
    feed(T1);
    feed(D1);
    assertThat(judged).as("no mutation record yet").isEmpty();
    feed(M1);
    feed(M2);
    // The log reaches the splice version, but the delivered op B is not in it yet: judging now
    // would take B for data no mutation wrote.
    assertThat(judged).as("op B still unknown").isEmpty();
    assertThat(verifier.status(RUN, CELL_NO).getVerdicts()).isZero();
    feed(M3);
    assertThat(judged).singleElement().satisfies(VerifierTest::assertNewerVersionOfT1);
  }

  @Test
  void aSpliceArrivingAfterItsDeliveryIsJudgedOnArrival() {
    feed(M1);
    feed(M2);
    DeliveryRecord ok = delivery("t9", 1024, fill(OP_A, 1024, 512), 5);
    feed(ok);
    assertThat(judged).isEmpty();
    feed(splice("t9", 1024, 512, 2, 3));
    assertThat(judged).singleElement().satisfies(j -> {
      assertThat(j.transferId()).isEqualTo("t9");
      assertThat(j.verdict()).isEqualTo(Verdict.OK);
      assertThat(j.failureClass()).isEqualTo(FailureClass.NONE);
      assertThat(j.wrongBytes()).isEmpty();
      assertThat(j.witness()).isEmpty();
    });
    assertThat(verifier.status(RUN, CELL_NO).getSnapshotMap()).containsExactly(entry("OK/NONE", 1L));
  }

  @Test
  void everyArrivalOrderGivesExactlyOneJudgementWhenTheLastNeededRecordArrives() {
    List<Object> records = List.of(M1, M2, M3, T1, D1);
    List<List<Object>> orders = new ArrayList<>();
    permutations(new ArrayList<>(records), 0, orders);
    assertThat(orders).hasSize(120);
    for (List<Object> order : orders) {
      List<Verifier.Judged> out = new ArrayList<>();
      Verifier v = new Verifier(out::add);
      for (int i = 0; i < order.size(); i++) {
        Object r = order.get(i);
        if (r instanceof MutationRecord m) {
          v.onMutation(m);
        } else if (r instanceof SpliceRecord s) {
          v.onSplice(s);
        } else {
          v.onDelivery((DeliveryRecord) r);
        }
        assertThat(out).as("judgements after %d records of order %s", i + 1, names(order))
            .hasSize(i == order.size() - 1 ? 1 : 0);
      }
      assertNewerVersionOfT1(out.get(0));
      CellSummary s = v.finalizeCell(RUN, CELL_NO, 0);
      assertThat(out).as("order %s", names(order)).hasSize(1);
      assertThat(s.getTransfers()).isEqualTo(1);
      assertThat(s.getVerdicts()).isEqualTo(1);
      assertThat(s.getMutations()).isEqualTo(3);
      assertThat(s.getSnapshotMap()).containsExactly(entry("VIOLATED/NEWER_VERSION", 1L));
    }
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
      n.add(r == M1 ? "M1" : r == M2 ? "M2" : r == M3 ? "M3" : r == T1 ? "T1" : "D1");
    }
    return n;
  }

  @Test
  void finalizeJudgesASpliceWithoutDeliveryAsLostOnce() {
    feed(M1);
    feed(M2);
    feed(splice("t2", 2048, 640, 2, 3));
    assertThat(judged).isEmpty();
    assertThat(verifier.status(RUN, CELL_NO).getVerdicts()).isZero();

    CellSummary s = verifier.finalizeCell(RUN, CELL_NO, 5);
    assertThat(judged).singleElement().satisfies(j -> {
      assertThat(j.transferId()).isEqualTo("t2");
      assertThat(j.verdict()).isEqualTo(Verdict.VIOLATED);
      assertThat(j.failureClass()).isEqualTo(FailureClass.LOST);
      assertThat(j.wrongBytes()).containsExactly(entry(FailureClass.LOST, 640L));
    });
    assertThat(s.getTransfers()).isEqualTo(1);
    assertThat(s.getVerdicts()).isEqualTo(1);
    assertThat(s.getSnapshotMap()).containsExactly(entry("VIOLATED/LOST", 1L));
    assertThat(s.getWrongBytesMap()).containsExactly(entry("LOST", 640L));
    assertThat(s.getWitnessesList()).singleElement().satisfies(w -> {
      assertThat(w.getTransferId()).isEqualTo("t2");
      assertThat(w.getFailureClass()).isEqualTo("LOST");
    });

    CellSummary again = verifier.finalizeCell(RUN, CELL_NO, 5);
    assertThat(judged).as("a second finalize judges nothing").hasSize(1);
    assertThat(again.getVerdicts()).isEqualTo(1);
    // A delivery arriving after the LOST verdict changes nothing.
    feed(delivery("t2", 2048, fill(OP_A, 2048, 640), 9));
    assertThat(judged).hasSize(1);
    assertThat(verifier.status(RUN, CELL_NO).getVerdicts()).isEqualTo(1);
  }

  @Test
  void finalizeJudgesEveryPendingTransferAndCountsClassesApart() {
    feed(M1);
    feed(M2);
    feed(T1);
    feed(D1); // waits for M3
    feed(splice("ok", 4096, 256, 2, 3));
    feed(delivery("ok", 4096, fill(OP_A, 4096, 256), 4));
    feed(splice("lost", 6144, 128, 2, 3));
    feed(delivery("orphan", 0, fill(OP_A, 0, 64), 4)); // no splice record: never judged
    assertThat(judged).extracting(Verifier.Judged::transferId).containsExactly("ok");

    CellSummary s = verifier.finalizeCell(RUN, CELL_NO, 10);
    assertThat(judged).extracting(Verifier.Judged::transferId).containsExactlyInAnyOrder("ok", "t1", "lost");
    assertThat(s.getTransfers()).isEqualTo(3);
    assertThat(s.getVerdicts()).isEqualTo(3);
    assertThat(s.getDeliveries()).isEqualTo(3);
    // Without M3 op B is unknown to the log: the finalizer can only call it torn.
    assertThat(s.getSnapshotMap()).containsOnly(
        entry("OK/NONE", 1L), entry("VIOLATED/TORN", 1L), entry("VIOLATED/LOST", 1L));
    assertThat(s.getWrongBytesMap()).containsOnly(entry("TORN", 256L), entry("LOST", 128L));
    assertThat(s.getWitnessesList()).extracting(Witness::getTransferId).containsExactlyInAnyOrder("t1", "lost");
    assertThat(verifier.finalizeCell(RUN, CELL_NO, 0).getWitnessesList()).isEmpty();
  }

  @Test
  void duplicateRecordsAreNotCountedTwice() {
    feed(M1);
    feed(M1);
    feed(M2);
    feed(T1);
    feed(T1);
    feed(D1);
    feed(D1);
    feed(M2);
    feed(M3);
    feed(M3);
    feed(T1);
    feed(D1);
    assertThat(judged).singleElement().satisfies(VerifierTest::assertNewerVersionOfT1);
    CellSummary s = verifier.finalizeCell(RUN, CELL_NO, 5);
    assertThat(judged).hasSize(1);
    assertThat(s.getTransfers()).isEqualTo(1);
    assertThat(s.getVerdicts()).isEqualTo(1);
    assertThat(s.getMutations()).isEqualTo(3);
    assertThat(s.getDeliveries()).isEqualTo(1);
    assertThat(s.getDeliveredBytes()).isEqualTo(1024);
    assertThat(s.getWrongBytesMap()).containsExactly(entry("NEWER_VERSION", 256L));
    assertThat(s.getSnapshotMap()).containsExactly(entry("VIOLATED/NEWER_VERSION", 1L));
    assertThat(s.getWitnessesList()).hasSize(1);
  }

  @Test
  void aDeliveryForAFileWithoutAnyMutationRecordIsFinalizedAsMalformed() {
    feed(T1);
    feed(delivery("t1", 0, fill(OP_A, 0, 1024), 5));
    assertThat(judged).isEmpty();
    CellSummary s = verifier.finalizeCell(RUN, CELL_NO, 5);
    assertThat(judged).singleElement().satisfies(j -> assertThat(j.verdict()).isEqualTo(Verdict.VIOLATED));
    assertThat(s.getVerdicts()).isEqualTo(s.getTransfers()).isEqualTo(1);
    assertThat(s.getMalformedRecords()).isEqualTo(1);
  }

  @Test
  void cellsOfOneRunAreKeptApart() {
    RunContext other = CTX.toBuilder().setCell(CELL_NO + 1).build();
    feed(M1);
    feed(M2);
    feed(T1);
    verifier.onSplice(T1.toBuilder().setContext(other).build());
    verifier.onDelivery(D1.toBuilder().setContext(other).build()); // the other cell has no log
    feed(M3);
    feed(D1);
    assertThat(judged).singleElement().satisfies(VerifierTest::assertNewerVersionOfT1);
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
    feed(M1);
    feed(M2);
    feed(T1); // 3 ms
    // A segment DMA read (3.5 ms) that happened before the mutation (4 ms) but is fed after it.
    feed(M3); // v3 at 4 ms over [256, 512): the cause
    feed(mutation(4, MutationKind.WRITE, 4096, 64, OP_C, 4)); // v4 outside the range
    verifier.onSegment(SegmentRecord.newBuilder().setContext(CTX).setTransferId("t1").setFileId(FILE).setSeq(0)
        .setAttempt(0).setFileOffset(0).setLength(1024).setCsumReadNanos(3_400_000).setDmaReadNanos(3_500_000).build());
    feed(mutation(5, MutationKind.WRITE, 0, 64, OP_D, 6)); // v5 after the delivery
    feed(D1); // 5 ms

    assertThat(judged).hasSize(1);
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
    assertThat(lines.get(verdict)).contains("SNAPSHOT").contains("NEWER_VERSION");
    assertThat(lines).noneMatch(l -> l.contains("MUTATION  v4")).noneMatch(l -> l.contains("MUTATION  v5"))
        .noneMatch(l -> l.contains("MUTATION  v1")).noneMatch(l -> l.contains("MUTATION  v2"));

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
}
