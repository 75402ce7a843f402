package dev.splicelab.checker.domain;

import dev.splicelab.common.fidelity.WindowStats;
import dev.splicelab.proto.*;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Judges every transfer from the Kafka history alone: splices, mutations, transmissions,
 * deliveries. A transfer is judged as soon as its (latest) splice, its delivery, the transmission
 * record of the delivered attempt and the mutation log up to the delivery are known; FinalizeCell
 * judges the rest (no delivery: LOST). Exactly one verdict per transfer and model (SNAPSHOT,
 * WINDOW, INTEGRITY); a re-splice (OPTIMISTIC_CONFIRM) replaces the transfer's splice, it does not
 * add a transfer.
 *
 * <p>Cost: ingest is linear in the records. A transfer that waits only for the mutation log to
 * pass its delivery sits in its file's queue ordered by delivery time, and a mutation record looks
 * only at the head of that queue; a judged transfer's records are dropped at once (a compact set
 * remembers that it was judged); a file's history keeps only the versions an unjudged transfer can
 * still need ({@link FileHistory#compactTo}); a finalized cell keeps only its summary. Memory
 * therefore grows with the transfers in flight and the live versions, not with the history.
 * Thread-safe (every method synchronizes on the verifier).
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
  /**
   * Versions applied this long (storage clock) before the newest known one are kept although no
   * transfer waits for them: a splice record may reach the checker after later mutation records
   * (different producers, different partitions), and must still find its version.
   */
  static final long RETAIN_NANOS = 30_000_000_000L;
  /** Compaction runs every this many mutation records of a file. */
  private static final int COMPACT_EVERY = 256;
  /** Files idle for RETAIN_NANOS are swept (folded to their latest version) every this many mutation records. */
  private static final int SWEEP_EVERY = 16_384;

  private final Consumer<List<Judged>> sink;
  private final Map<String, CellState> cells = new HashMap<>();
  /** Newest mutation time seen (storage clock), and mutation records since the last idle sweep. */
  private long newestMutationNanos;
  private int sinceSweep;
  /** Summaries of finalized cells (their state is gone). */
  private final Map<String, CellSummary> finalized = new java.util.LinkedHashMap<>();

  /** One call per judged model (SNAPSHOT, WINDOW, INTEGRITY, in that order). */
  public Verifier(Consumer<Judged> sink) {
    this(list -> list.forEach(sink), 0);
  }

  /** One call per judged transfer, with its three models' verdicts in order. */
  public static Verifier perTransfer(Consumer<List<Judged>> sink) {
    return new Verifier(sink, 0);
  }

  private Verifier(Consumer<List<Judged>> sink, int perTransfer) {
    this.sink = sink;
  }

  private static final class Transfer {
    final String id;
    /** The latest splice attempt (what a transfer without delivery is judged by). */
    SpliceRecord splice;
    /** Every splice attempt by number: a delivery is judged against the attempt it carried. */
    final Map<Integer, SpliceRecord> attempts = new HashMap<>(2);
    DeliveryRecord delivery;
    /** Transmission records by splice attempt. */
    final Map<Integer, TransmissionRecord> transmissions = new HashMap<>(2);
    /** In its file's queue, waiting for the mutation log to pass its delivery. */
    boolean queued;

    Transfer(String id) {
      this.id = id;
    }

    /** Lowest version any of its attempts was spliced at (what its file's history must keep). */
    long minVersion() {
      long v = Long.MAX_VALUE;
      for (SpliceRecord s : attempts.values()) {
        v = Math.min(v, s.getVersion());
      }
      return v;
    }
  }

  private static final class FileState {
    final FileHistory history = new FileHistory();
    /** Transfers waiting only for the log to pass their delivery, by delivery time. */
    final PriorityQueue<Transfer> byDelivery = new PriorityQueue<>(Comparator.comparingLong(t -> t.delivery.getAtNanos()));
    /** Versions unjudged transfers were spliced at (a multiset): the oldest bounds compaction. */
    final TreeMap<Long, Integer> needed = new TreeMap<>();
    int sinceCompaction;

    void need(long version, int delta) {
      needed.merge(version, delta, (a, b) -> a + b == 0 ? null : a + b);
    }
  }

  private static final class CellState {
    RunContext context;
    final Map<String, Transfer> transfers = new HashMap<>();
    final JudgedSet judgedIds = new JudgedSet();
    final Map<Integer, FileState> files = new HashMap<>();
    final Map<String, Map<String, Long>> byModel = new HashMap<>();
    final Map<String, Long> wrongBytes = new TreeMap<>();
    final Map<String, Long> causes = new TreeMap<>();
    final Map<String, List<Witness>> witnesses = new TreeMap<>();
    final WindowStats windows = new WindowStats();
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

    FileState file(int id) {
      return files.computeIfAbsent(id, k -> new FileState());
    }
  }

  private static String key(RunContext c) {
    return c.getRunId() + "#" + c.getCell();
  }

  /** The live state of a record's cell; null when that cell was finalized (its late records are ignored). */
  private CellState cell(RunContext c) {
    String k = key(c);
    if (finalized.containsKey(k)) {
      return null;
    }
    CellState s = cells.computeIfAbsent(k, x -> new CellState());
    if (s.context == null) {
      s.context = c;
    }
    return s;
  }

  /** A transfer's state, unless it was judged already (then its records are dropped). */
  private static Transfer transfer(CellState c, String id) {
    if (c.judgedIds.contains(id)) {
      return null;
    }
    return c.transfers.computeIfAbsent(id, Transfer::new);
  }

  public synchronized void onMutation(MutationRecord r) {
    CellState c = cell(r.getContext());
    if (c == null) {
      return;
    }
    FileState f = c.file(r.getFileId());
    long before = f.history.contiguousVersion();
    if (f.history.add(r)) {
      c.mutations++;
    }
    if (f.history.contiguousVersion() == before) {
      return;
    }
    long passed = f.history.contiguousAtNanos();
    List<Transfer> due = new ArrayList<>();
    while (!f.byDelivery.isEmpty() && f.byDelivery.peek().delivery.getAtNanos() <= passed) {
      Transfer t = f.byDelivery.poll();
      t.queued = false;
      due.add(t);
    }
    for (Transfer t : due) {
      judge(c, t, false); // one still short of its splice version (or of an op) queues again for the next advance
    }
    if (++f.sinceCompaction >= COMPACT_EVERY) {
      f.sinceCompaction = 0;
      compact(f);
    }
    newestMutationNanos = Math.max(newestMutationNanos, r.getAtNanos());
    if (++sinceSweep >= SWEEP_EVERY) {
      sinceSweep = 0;
      sweepIdle();
    }
  }

  /**
   * A file no longer mutated (its cell ended, or it was deleted) never compacts on its own: fold
   * every file whose last mutation is RETAIN_NANOS older than the newest one anywhere, down to the
   * oldest version an unjudged transfer still needs, so memory follows the live files, not every file ever seen.
   */
  private void sweepIdle() {
    long before = newestMutationNanos - RETAIN_NANOS;
    for (CellState c : cells.values()) {
      for (FileState f : c.files.values()) {
        if (f.history.retained() > 0 && f.history.contiguousAtNanos() < before) {
          f.history.compactTo(f.needed.isEmpty() ? f.history.contiguousVersion() : f.needed.firstKey());
        }
      }
    }
  }

  /** Folds the versions no unjudged transfer of the file can need into its base image. */
  private static void compact(FileState f) {
    FileHistory h = f.history;
    long keep = h.versionAt(h.contiguousAtNanos() - RETAIN_NANOS);
    if (!f.needed.isEmpty()) {
      keep = Math.min(keep, f.needed.firstKey());
    }
    h.compactTo(keep);
  }

  public synchronized void onSplice(SpliceRecord r) {
    CellState c = cell(r.getContext());
    Transfer t = c == null ? null : transfer(c, r.getTransferId());
    if (t == null) {
      return;
    }
    if (t.attempts.putIfAbsent(r.getAttempt(), r) != null) {
      return; // a redelivered record
    }
    FileState f = c.file(r.getFileId());
    f.need(r.getVersion(), 1);
    if (t.splice == null) {
      c.spliceRecords++;
      c.firstAt = Math.min(c.firstAt, r.getAtNanos());
      t.splice = r;
    } else if (r.getAttempt() > t.splice.getAttempt()) {
      t.splice = r; // a re-splice: the transfer's latest attempt
    }
    judge(c, t, false);
  }

  public synchronized void onTransmission(TransmissionRecord r) {
    CellState c = cell(r.getContext());
    Transfer t = c == null ? null : transfer(c, r.getTransferId());
    if (t == null || t.transmissions.putIfAbsent(r.getSpliceAttempt(), r) != null) {
      return;
    }
    if (r.getMeasuredWindowUs() > 0 || r.getImpliedWindowUs() > 0) {
      c.windows.record(r.getImpliedWindowUs(), r.getMeasuredWindowUs(), Math.max(0, r.getOverheadReplyUs()),
          Math.max(0, r.getOverheadWakeUs()),
          Math.max(0, r.getOverheadPostUs()));
    }
    judge(c, t, false);
  }

  public synchronized void onDelivery(DeliveryRecord r) {
    CellState c = cell(r.getContext());
    Transfer t = c == null ? null : transfer(c, r.getTransferId());
    if (t == null || t.delivery != null) {
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
    CellState c = context == null ? null : cell(context);
    if (c != null) {
      c.malformed++;
    }
  }

  /** Keys ("RUN#CELL") of the cells finalized so far, oldest first. */
  public synchronized List<String> finalizedCells() {
    return new ArrayList<>(finalized.keySet());
  }

  /**
   * Marks cells as finalized before a restart (their summaries went with the old checker): their
   * records, re-read from a resumed position, are ignored rather than rebuilt into state no one
   * will finalize. A cell with live state here is left alone.
   */
  public synchronized void finalizedElsewhere(java.util.Collection<String> keys) {
    for (String k : keys) {
      int hash = k.lastIndexOf('#');
      if (hash > 0 && !cells.containsKey(k)) {
        finalized.putIfAbsent(k, CellSummary.newBuilder().setRunId(k.substring(0, hash))
            .setCell(Integer.parseInt(k.substring(hash + 1))).build());
      }
    }
  }

  /** The key of a record's cell, as finalizedCells names it. */
  public static String cellKey(RunContext c) {
    return key(c);
  }

  /** Judges every pending transfer of the cell (those without delivery are LOST), then keeps only its summary. */
  public synchronized CellSummary finalizeCell(String runId, int cell, int witnessesPerClass) {
    String k = runId + "#" + cell;
    CellSummary done = finalized.get(k);
    if (done != null) {
      return witnessesPerClass >= done.getWitnessesCount() ? done : trimWitnesses(done, witnessesPerClass);
    }
    CellState c = cells.get(k);
    if (c == null) {
      return CellSummary.newBuilder().setRunId(runId).setCell(cell).build();
    }
    for (Transfer t : new ArrayList<>(c.transfers.values())) {
      if (t.splice != null) {
        judge(c, t, true);
      }
    }
    CellSummary full = summary(c, runId, cell, MAX_WITNESSES_PER_CLASS);
    cells.remove(k);
    finalized.put(k, full);
    return trimWitnesses(full, witnessesPerClass);
  }

  private static CellSummary trimWitnesses(CellSummary s, int perClass) {
    Map<String, Integer> seen = new HashMap<>();
    CellSummary.Builder b = s.toBuilder().clearWitnesses();
    for (Witness w : s.getWitnessesList()) {
      if (seen.merge(w.getModel() + "/" + w.getFailureClass(), 1, Integer::sum) <= perClass) {
        b.addWitnesses(w);
      }
    }
    return b.build();
  }

  public synchronized CellSummary status(String runId, int cell) {
    String k = runId + "#" + cell;
    CellSummary done = finalized.get(k);
    if (done != null) {
      return trimWitnesses(done, 0);
    }
    CellState c = cells.get(k);
    return c == null ? CellSummary.newBuilder().setRunId(runId).setCell(cell).build() : summary(c, runId, cell, 0);
  }

  /** Transfers and retained mutation records held now, over every live cell (for tests and the checker's gauges). */
  public synchronized long[] footprint() {
    long transfers = 0;
    long records = 0;
    for (CellState c : cells.values()) {
      transfers += c.transfers.size();
      for (FileState f : c.files.values()) {
        records += f.history.retained();
      }
    }
    return new long[] {transfers, records};
  }

  private CellSummary summary(CellState c, String runId, int cell, int witnessesPerClass) {
    CellSummary.Builder b = CellSummary.newBuilder().setRunId(runId).setCell(cell).setStrategy(c.context.getStrategy())
        .setTransfers(c.spliceRecords).setVerdicts(c.verdicts).putAllSnapshot(c.byModel.getOrDefault("SNAPSHOT", Map.of()))
        .putAllWindow(c.byModel.getOrDefault("WINDOW", Map.of())).putAllIntegrity(c.byModel.getOrDefault("INTEGRITY", Map.of()))
        .putAllCauses(c.causes).setSilent(c.silent).setDetected(c.detected).putAllWrongBytes(c.wrongBytes)
        .setMutations(c.mutations).setDeliveries(c.deliveries).setChecksumRejects(c.checksumRejects)
        .setMalformedRecords(c.malformed).setDeliveredBytes(c.deliveredBytes).setFidelity(c.windows.snapshot());
    if (c.lastDeliveryAt > c.firstAt) {
      b.setDeliveriesPerSecond(c.deliveries / ((c.lastDeliveryAt - c.firstAt) / 1e9));
    }
    for (List<Witness> ws : c.witnesses.values()) {
      b.addAllWitnesses(ws.subList(0, Math.min(witnessesPerClass, ws.size())));
    }
    return b.build();
  }

  /** Why a transfer cannot be judged yet, or null when it can. */
  private enum Wait { RECORDS, LOG }

  private static Wait waitingFor(Transfer t, FileHistory h) {
    if (t.delivery == null) {
      return Wait.RECORDS;
    }
    SpliceRecord splice = t.attempts.get(t.delivery.getSpliceAttempt());
    if (splice == null) {
      return Wait.RECORDS;
    }
    if (!t.delivery.getAborted() && splice.getTransmissionsFollow()
        && !t.transmissions.containsKey(t.delivery.getSpliceAttempt())) {
      return Wait.RECORDS;
    }
    if (h == null || h.contiguousVersion() < splice.getVersion() || h.contiguousAtNanos() < t.delivery.getAtNanos()
        || !Judgement.opsKnown(t.delivery, h)) {
      return Wait.LOG; // mutations up to the delivery may still be on their way
    }
    return null;
  }

  private void judge(CellState c, Transfer t, boolean finalizing) {
    if (t.splice == null) {
      return;
    }
    FileState fs = c.files.get(t.splice.getFileId());
    FileHistory h = fs == null || fs.history.contiguousVersion() == 0 ? null : fs.history;
    if (!finalizing) {
      Wait w = waitingFor(t, h);
      if (w == Wait.LOG && !t.queued && fs != null) {
        t.queued = true;
        fs.byDelivery.add(t);
      }
      if (w != null) {
        return;
      }
    }
    if (t.queued && !finalizing) {
      fs.byDelivery.remove(t);
    }
    t.queued = false;
    if (t.delivery != null && t.attempts.containsKey(t.delivery.getSpliceAttempt())) {
      t.splice = t.attempts.get(t.delivery.getSpliceAttempt()); // what was delivered came from this splice
    }
    c.transfers.remove(t.id);
    c.judgedIds.add(t.id);
    if (fs != null) {
      for (SpliceRecord s : t.attempts.values()) {
        fs.need(s.getVersion(), -1);
      }
    }
    c.verdicts++;
    List<Transmission> sent = List.of();
    if (t.delivery != null && t.transmissions.containsKey(t.delivery.getSpliceAttempt())) {
      sent = t.transmissions.get(t.delivery.getSpliceAttempt()).getTransmissionsList();
    }
    boolean writerTypes = t.splice.getContext().getStrategy() == Strategy.COMPLETION_AFTER_SNAPSHOT;
    Map<String, Judgement.Result> results = new LinkedHashMap<>();
    if (h == null || h.baseVersion() > t.splice.getVersion()) {
      c.malformed++;
      String why = h == null ? "no mutation record for file " + t.splice.getFileId() + ": the log is incomplete"
          : "the history of file " + t.splice.getFileId() + " no longer holds v" + t.splice.getVersion()
              + " (its splice record came more than " + RETAIN_NANOS / 1_000_000_000L + " s after later mutations)";
      Judgement.Result r = new Judgement.Result(FailureClass.TORN, Map.of(FailureClass.TORN, t.splice.getLength()),
          List.of(why), java.util.Set.of("TORN/NONE"));
      MODELS.forEach(m -> results.put(m, r));
    } else {
      Judgement.Evidence e = new Judgement.Evidence(t.splice, t.delivery, sent, h, writerTypes);
      Judgement.Result[] r = Judgement.all(e);
      results.put("SNAPSHOT", r[0]);
      results.put("WINDOW", r[1]);
      results.put("INTEGRITY", r[2]);
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
    List<Judged> out = new ArrayList<>(3);
    List<String> events = null;
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
        if (events == null) {
          events = Witnesses.events(t.splice, t.delivery, sent, h);
        }
        witness = Witnesses.of(events, r, model);
        List<Witness> ws = c.witnesses.computeIfAbsent(model + "/" + r.failureClass().name(), k -> new ArrayList<>());
        if (ws.size() < MAX_WITNESSES_PER_CLASS) {
          ws.add(Witness.newBuilder().setModel(model).setTransferId(t.splice.getTransferId()).setVerdict(verdict.name())
              .setFailureClass(r.failureClass().name()).addAllEvents(witness).build());
        }
      }
      out.add(new Judged(t.splice.getContext(), t.splice.getTransferId(), model, verdict, r.failureClass(), r.wrongBytes(),
          r.causes(), detected, witness));
    }
    sink.accept(out);
  }


}
