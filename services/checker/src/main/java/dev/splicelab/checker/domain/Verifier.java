package dev.splicelab.checker.domain;

import dev.splicelab.proto.*;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Judges every transfer from the Kafka history alone: splices, mutations, segments, deliveries.
 * A transfer is judged as soon as its (latest) splice, its delivery, the transmission records of
 * the delivered attempt and the mutation log up to the delivery are known; FinalizeCell judges
 * the rest (no delivery: LOST). Exactly one verdict per transfer and model (SNAPSHOT, WINDOW,
 * INTEGRITY); a re-splice (OPTIMISTIC_CONFIRM) replaces the transfer's splice, it does not add a
 * transfer. Thread-safe (every method synchronizes on the verifier).
 */
public final class Verifier {

  /** A verdict about to be published and counted. */
  public record Judged(RunContext context, String transferId, String model, Verdict verdict, FailureClass failureClass,
      Map<FailureClass, Long> wrongBytes, java.util.Set<String> causes, boolean detected, List<String> witness) {
    public Judged(RunContext context, String transferId, Verdict verdict, FailureClass failureClass,
        Map<FailureClass, Long> wrongBytes, List<String> witness) {
      this(context, transferId, "SNAPSHOT", verdict, failureClass, wrongBytes, java.util.Set.of(), false, witness);
    }
  }

  public static final List<String> MODELS = List.of("SNAPSHOT", "WINDOW", "INTEGRITY");

  private static final int MAX_WITNESSES_PER_CLASS = 20;

  private final Consumer<Judged> sink;
  private final Map<String, CellState> cells = new HashMap<>();

  public Verifier(Consumer<Judged> sink) {
    this.sink = sink;
  }

  private static final class Transfer {
    /** The latest splice attempt (what a transfer without delivery is judged by). */
    SpliceRecord splice;
    /** Every splice attempt by number: a delivery is judged against the attempt it carried. */
    final Map<Integer, SpliceRecord> attempts = new HashMap<>();
    DeliveryRecord delivery;
    final List<SegmentRecord> segments = new ArrayList<>();
    boolean judged;
  }

  private static final class CellState {
    RunContext context;
    final Map<String, Transfer> transfers = new LinkedHashMap<>();
    /** Delivered but not yet judgeable (waiting for mutation records). */
    final java.util.Set<Transfer> waiting = new java.util.LinkedHashSet<>();
    final Map<Integer, FileHistory> files = new HashMap<>();
    final Map<String, Map<String, Long>> byModel = new HashMap<>();
    final Map<String, Long> wrongBytes = new TreeMap<>();
    final Map<String, Long> causes = new TreeMap<>();
    final Map<String, List<Witness>> witnesses = new TreeMap<>();
    long silent;
    long detected;
    long spliceRecords;
    long verdicts;
    long mutations;
    long deliveries;
    long deliveredBytes;
    long checksumRejects;
    long malformed;
    long firstAt = Long.MAX_VALUE;
    long lastDeliveryAt;
    /** Newest DMA read seen in the cell's segment records (one partition: they arrive in order). */
    long newestSegmentNanos;
  }

  private static String key(RunContext c) {
    return c.getRunId() + "#" + c.getCell();
  }

  private CellState cell(RunContext c) {
    CellState s = cells.computeIfAbsent(key(c), k -> new CellState());
    if (s.context == null) {
      s.context = c;
    }
    return s;
  }

  public synchronized void onMutation(MutationRecord r) {
    CellState c = cell(r.getContext());
    if (c.files.computeIfAbsent(r.getFileId(), f -> new FileHistory()).add(r)) {
      c.mutations++;
    }
    judgeReady(c);
  }

  public synchronized void onSplice(SpliceRecord r) {
    CellState c = cell(r.getContext());
    Transfer t = c.transfers.computeIfAbsent(r.getTransferId(), id -> new Transfer());
    if (t.splice != null) {
      if (!t.judged && t.attempts.putIfAbsent(r.getAttempt(), r) == null && r.getAttempt() > t.splice.getAttempt()) {
        t.splice = r; // a re-splice: the transfer's latest attempt
      }
      judge(c, t, false);
      return; // a redelivered record: already counted
    }
    t.splice = r;
    t.attempts.put(r.getAttempt(), r);
    c.spliceRecords++;
    c.firstAt = Math.min(c.firstAt, r.getAtNanos());
    judge(c, t, false);
  }

  public synchronized void onSegment(SegmentRecord r) {
    CellState c = cell(r.getContext());
    Transfer t = c.transfers.computeIfAbsent(r.getTransferId(), id -> new Transfer());
    c.newestSegmentNanos = Math.max(c.newestSegmentNanos, r.getDmaReadNanos());
    if (!t.judged) {
      t.segments.add(r);
    }
    judgeReady(c);
  }

  public synchronized void onDelivery(DeliveryRecord r) {
    CellState c = cell(r.getContext());
    Transfer t = c.transfers.computeIfAbsent(r.getTransferId(), id -> new Transfer());
    if (t.delivery != null) {
      return;
    }
    t.delivery = r;
    if (!r.getAborted()) { // an aborted connection delivered nothing
      c.deliveries++;
      c.deliveredBytes += r.getLength();
    }
    c.checksumRejects += r.getChecksumRejects();
    c.lastDeliveryAt = Math.max(c.lastDeliveryAt, r.getAtNanos());
    judge(c, t, false);
  }

  public synchronized void onMalformed(RunContext context) {
    if (context != null) {
      cell(context).malformed++;
    }
  }

  /** Judges every pending transfer of the cell; those without delivery are LOST. */
  public synchronized CellSummary finalizeCell(String runId, int cell, int witnessesPerClass) {
    CellState c = cells.get(runId + "#" + cell);
    if (c == null) {
      return CellSummary.newBuilder().setRunId(runId).setCell(cell).build();
    }
    for (Transfer t : c.transfers.values()) {
      if (t.splice != null && !t.judged) {
        judge(c, t, true);
      }
    }
    return summary(c, runId, cell, witnessesPerClass);
  }

  public synchronized CellSummary status(String runId, int cell) {
    CellState c = cells.get(runId + "#" + cell);
    return c == null ? CellSummary.newBuilder().setRunId(runId).setCell(cell).build() : summary(c, runId, cell, 0);
  }

  private CellSummary summary(CellState c, String runId, int cell, int witnessesPerClass) {
    CellSummary.Builder b = CellSummary.newBuilder().setRunId(runId).setCell(cell).setStrategy(c.context.getStrategy())
        .setTransfers(c.spliceRecords).setVerdicts(c.verdicts).putAllSnapshot(c.byModel.getOrDefault("SNAPSHOT", Map.of()))
        .putAllWindow(c.byModel.getOrDefault("WINDOW", Map.of())).putAllIntegrity(c.byModel.getOrDefault("INTEGRITY", Map.of()))
        .putAllCauses(c.causes).setSilent(c.silent).setDetected(c.detected).putAllWrongBytes(c.wrongBytes)
        .setMutations(c.mutations).setDeliveries(c.deliveries).setChecksumRejects(c.checksumRejects)
        .setMalformedRecords(c.malformed).setDeliveredBytes(c.deliveredBytes);
    if (c.lastDeliveryAt > c.firstAt) {
      b.setDeliveriesPerSecond(c.deliveries / ((c.lastDeliveryAt - c.firstAt) / 1e9));
    }
    for (List<Witness> ws : c.witnesses.values()) {
      b.addAllWitnesses(ws.subList(0, Math.min(witnessesPerClass, ws.size())));
    }
    return b.build();
  }

  private void judgeReady(CellState c) {
    for (Transfer t : new ArrayList<>(c.waiting)) {
      judge(c, t, false);
    }
  }

  private void judge(CellState c, Transfer t, boolean finalizing) {
    if (t.judged || t.splice == null) {
      return;
    }
    FileHistory h = c.files.get(t.splice.getFileId());
    if (!finalizing && !ready(t, h, c.newestSegmentNanos)) {
      if (t.delivery != null) {
        c.waiting.add(t);
      }
      return;
    }
    c.waiting.remove(t);
    if (t.delivery != null && t.attempts.containsKey(t.delivery.getSpliceAttempt())) {
      t.splice = t.attempts.get(t.delivery.getSpliceAttempt()); // what was delivered came from this splice
    }
    t.judged = true;
    c.verdicts++;
    boolean writerTypes = t.splice.getContext().getStrategy() == Strategy.COMPLETION_AFTER_SNAPSHOT;
    Map<String, Judgement.Result> results = new java.util.LinkedHashMap<>();
    if (h == null) {
      c.malformed++;
      Judgement.Result r = new Judgement.Result(FailureClass.TORN, Map.of(FailureClass.TORN, t.splice.getLength()),
          List.of("no mutation record for file " + t.splice.getFileId() + ": the log is incomplete"), java.util.Set.of("TORN/NONE"));
      MODELS.forEach(m -> results.put(m, r));
    } else {
      Judgement.Evidence e = new Judgement.Evidence(t.splice, t.delivery, t.segments, h, writerTypes);
      results.put("SNAPSHOT", Judgement.snapshot(e));
      results.put("WINDOW", Judgement.window(e));
      results.put("INTEGRITY", Judgement.integrity(e));
    }
    boolean detected = t.delivery != null && (t.delivery.getChecksumRejects() > 0 || t.delivery.getMacFailures() > 0);
    boolean delivered = t.delivery != null && !t.delivery.getAborted();
    Judgement.Result snap = results.get("SNAPSHOT");
    if (delivered && !snap.ok() && snap.failureClass() != FailureClass.LOST) {
      c.silent++;
    }
    if (detected) {
      c.detected++;
    }
    snap.wrongBytes().forEach((k, v) -> c.wrongBytes.merge(k.name(), v, Long::sum));
    for (Map.Entry<String, Judgement.Result> e : results.entrySet()) {
      String model = e.getKey();
      Judgement.Result r = e.getValue();
      Verdict verdict = r.ok() ? Verdict.OK : Verdict.VIOLATED;
      c.byModel.computeIfAbsent(model, k -> new TreeMap<>()).merge(verdict.name() + "/" + r.failureClass().name(), 1L, Long::sum);
      List<String> witness = List.of();
      if (verdict == Verdict.VIOLATED) {
        for (String cause : r.causes()) {
          c.causes.merge(model + "/" + cause, 1L, Long::sum); // cause is "CLASS/KIND" per wrong cell's class
        }
        witness = witness(t, h, r, model);
        List<Witness> ws = c.witnesses.computeIfAbsent(model + "/" + r.failureClass().name(), k -> new ArrayList<>());
        if (ws.size() < MAX_WITNESSES_PER_CLASS) {
          ws.add(Witness.newBuilder().setModel(model).setTransferId(t.splice.getTransferId()).setVerdict(verdict.name())
              .setFailureClass(r.failureClass().name()).addAllEvents(witness).build());
        }
      }
      sink.accept(new Judged(t.splice.getContext(), t.splice.getTransferId(), model, verdict, r.failureClass(), r.wrongBytes(),
          r.causes(), detected, witness));
    }
    t.segments.clear();
  }

  /** Records later than the delivery by this much must have been seen before judging online. */
  static final long SETTLE_NANOS = 500_000_000L;

  /**
   * Everything needed to judge is known: the delivery of the latest attempt, the mutation log up
   * to the delivery, and every transmission before it (the cell's segment records, which share
   * one partition, have moved SETTLE_NANOS past the delivery). A verdict depends only on records
   * up to the delivery, so re-checking from the recorded history gives the same verdicts.
   */
  private static boolean ready(Transfer t, FileHistory h, long newestSegmentNanos) {
    if (t.delivery == null || h == null) {
      return false;
    }
    SpliceRecord splice = t.attempts.get(t.delivery.getSpliceAttempt());
    if (splice == null) {
      return false;
    }
    if (h.contiguousVersion() < splice.getVersion() || !Judgement.opsKnown(t.delivery, h)) {
      return false;
    }
    if (h.at(h.contiguousVersion()).getAtNanos() < t.delivery.getAtNanos()) {
      return false; // mutations up to the delivery may still be on their way
    }
    if (t.delivery.getAborted()) {
      return true;
    }
    if (newestSegmentNanos < t.delivery.getAtNanos() + SETTLE_NANOS) {
      return false;
    }
    java.util.Set<Integer> seqs = new java.util.HashSet<>();
    int count = -1;
    for (SegmentRecord s : t.segments) {
      if (s.getSpliceAttempt() == t.delivery.getSpliceAttempt()) {
        seqs.add(s.getSeq());
        count = s.getSegmentCount();
      }
    }
    return count > 0 && seqs.size() >= count;
  }

  /** The ordered events behind a verdict, times relative to the splice. */
  private static List<String> witness(Transfer t, FileHistory h, Judgement.Result r, String model) {
    SpliceRecord s = t.splice;
    long t0 = s.getAtNanos();
    long end = s.getOffset() + s.getLength();
    List<long[]> order = new ArrayList<>();
    List<String> lines = new ArrayList<>();
    StringBuilder folios = new StringBuilder();
    s.getRefsList().stream().map(FolioRef::getFolioId).distinct().limit(8).forEach(id -> folios.append(id).append(' '));
    add(order, lines, s.getAtNanos(), String.format("SPLICE    %s file %d [%d, %d) at v%d: %s", s.getTransferId(), s.getFileId(),
        s.getOffset(), end, s.getVersion(), s.getCopied() ? "copied into the pipe"
            : s.getRefsCount() + " page refs on folios " + folios.toString().trim()));
    long until = t.delivery != null ? t.delivery.getAtNanos() : Long.MAX_VALUE;
    if (h != null) {
      for (long v = s.getVersion() + 1; v <= h.contiguousVersion(); v++) {
        MutationRecord m = h.at(v);
        if (m.getAtNanos() > until) {
          break;
        }
        long ms = m.getOffset();
        long me = m.getKind() == MutationKind.TRUNCATE ? Long.MAX_VALUE : m.getOffset() + m.getLength();
        if (ms < end && me > s.getOffset()) {
          add(order, lines, m.getAtNanos(), String.format("MUTATION  v%d %s [%d, %s) op %s%s", v, m.getKind(), ms,
              m.getKind() == MutationKind.TRUNCATE ? "EOF" : Long.toString(me), Long.toHexString(m.getOpId()),
              (m.getFoliosRemoved() > 0 ? ", " + m.getFoliosRemoved() + " folios left the mapping" : "")
                  + (m.getBytesZeroedInPlace() > 0 ? ", " + m.getBytesZeroedInPlace() + " bytes zeroed in place" : "")));
        }
      }
    }
    for (SegmentRecord g : t.segments) {
      add(order, lines, g.getDmaReadNanos(), String.format("SEGMENT   seq %d attempt %d%s [%d, %d) %s%s%s", g.getSeq(),
          g.getAttempt(), g.getSpliceAttempt() > 0 ? " (re-splice " + g.getSpliceAttempt() + ")" : "",
          g.getFileOffset(), g.getFileOffset() + g.getLength(), g.getReused() ? "resent from the sender's buffer" : "read for the wire",
          g.getChangedBetweenReads() ? ", bytes changed since the checksum read" : "", g.getLostOnLink() ? ", lost on the link" : ""));
    }
    if (t.delivery != null) {
      add(order, lines, t.delivery.getAtNanos(), t.delivery.getAborted()
          ? "ABORTED   connection aborted: " + t.delivery.getMacFailures() + " TLS record(s) failed authentication"
          : String.format("DELIVERY  %d bytes, %d checksum rejects, %d divergent duplicates", t.delivery.getLength(),
              t.delivery.getChecksumRejects(), t.delivery.getDivergentDuplicates()));
    }
    List<Integer> idx = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      idx.add(i);
    }
    idx.sort(Comparator.comparingLong(i -> order.get(i)[0]));
    List<String> out = new ArrayList<>();
    for (int i : idx) {
      out.add(String.format("%+9.3f ms  %s", (order.get(i)[0] - t0) / 1e6, lines.get(i)));
    }
    for (String w : r.firstWrongCells()) {
      out.add("            " + w);
    }
    out.add("            VERDICT " + model + " " + r.failureClass() + " " + r.wrongBytes()
        + (r.causes().isEmpty() ? "" : " caused by " + String.join(", ", r.causes())));
    return out;
  }

  private static void add(List<long[]> order, List<String> lines, long at, String line) {
    order.add(new long[] {at});
    lines.add(line);
  }
}
