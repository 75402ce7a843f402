package dev.splicelab.sender.domain;

import dev.splicelab.common.fidelity.WindowStats;
import dev.splicelab.common.kafka.EventPublisher;
import dev.splicelab.common.time.Sleeper;
import dev.splicelab.common.tls.TlsRecords;
import dev.splicelab.proto.*;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running transfer workload: its connections, the attempts in flight over all of them, what
 * happens when an attempt ends (pins dropped, holds released, the transmission record published,
 * a re-splice after a failed confirm), and its counters. Attempts end on the NIC threads, the ack
 * threads or the application threads, which do the completion work at once: it never blocks.
 * Thread-safe.
 */
final class Workload {

  private static final Logger log = LoggerFactory.getLogger(Workload.class);

  final TransferWorkload w;
  final TransferEngine.Peers peers;
  final EventPublisher events;
  final Clock clock;
  final Sleeper sleeper;
  final FolioReader reader;
  final long fileSize;
  final int cookieSlot;
  final byte[] tlsKey;
  final boolean optimistic;
  final boolean stableFromChecksum;
  final long startNanos = System.nanoTime();
  /** Link delays (segments and acks in flight on the emulated wire). */
  final ScheduledExecutorService timer;
  private final List<Connection> connections = new ArrayList<>();
  private final Map<String, Attempt> inFlight = new ConcurrentHashMap<>();
  private final TransferEngine.LatencyListener latencyListener;

  volatile boolean issuing = true;
  /** After this System.nanoTime(), attempts still in flight are abandoned. */
  volatile long abandonAfter = Long.MAX_VALUE;
  volatile String lastError = "";

  final AtomicLong started = new AtomicLong();
  final AtomicLong completed = new AtomicLong();
  final AtomicLong abandoned = new AtomicLong();
  final AtomicLong segments = new AtomicLong();
  final AtomicLong retransmissions = new AtomicLong();
  final AtomicLong checksumRejects = new AtomicLong();
  final AtomicLong bytesAcked = new AtomicLong();
  final AtomicLong shortSplices = new AtomicLong();
  final AtomicLong bytesCopied = new AtomicLong();
  final AtomicLong pinnedBytes = new AtomicLong();
  final AtomicLong peakPinned = new AtomicLong();
  final AtomicLong confirmRetries = new AtomicLong();
  final AtomicLong confirmGaveUp = new AtomicLong();
  final AtomicLong macFailures = new AtomicLong();
  final AtomicLong bytesEncrypted = new AtomicLong();
  private final Recorder latency = new Recorder(3);
  private final Histogram latencyTotal = new Histogram(3);
  private final WindowStats windows = new WindowStats();

  Workload(TransferWorkload w, TransferEngine.Peers peers, EventPublisher events, Clock clock, Sleeper sleeper,
      FolioReader reader, long fileSize, int cookieSlot, TransferEngine.LatencyListener latencyListener,
      int realtimePriority) {
    this.w = w;
    this.peers = peers;
    this.events = events;
    this.clock = clock;
    this.sleeper = sleeper;
    this.reader = reader;
    this.fileSize = fileSize;
    this.cookieSlot = cookieSlot;
    this.latencyListener = latencyListener;
    this.timing = new dev.splicelab.common.time.TimingThreads(realtimePriority,
        "the application, NIC and link-timer threads");
    this.tlsKey = TlsRecords.key(w.getContext().getRunId());
    Strategy strategy = w.getContext().getStrategy();
    this.optimistic = strategy == Strategy.OPTIMISTIC_CONFIRM;
    this.stableFromChecksum = strategy == Strategy.STABLE_PAGES && w.getStableHoldFrom() != StableHoldFrom.FROM_SPLICE;
    this.timer = Executors.newScheduledThreadPool(2, daemon("link-timer"));
    this.session = new dev.splicelab.common.grpc.StorageSession(peers.sessions());
  }

  private java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(() -> {
        keepsTime();
        r.run();
      }, name);
      t.setDaemon(true);
      return t;
    };
  }

  /** The threads that keep the scenario's time (application, NIC, link timer), and what they run under. */
  private final dev.splicelab.common.time.TimingThreads timing;

  /** Called by each thread that keeps the scenario's time as it starts (SCHED_RR where the host allows it). */
  void keepsTime() {
    timing.enter();
  }

  /** The workload's storage session: completions (unpins, hold releases, sends completed). */
  private final dev.splicelab.common.grpc.StorageSession session;

  dev.splicelab.common.grpc.StorageSession storage() {
    return session;
  }

  void start() {
    for (int c = 0; c < w.getConnections(); c++) {
      connections.add(new Connection(this, c));
    }
    connections.forEach(Connection::start);
  }

  boolean running() {
    return connections.stream().anyMatch(Connection::alive) || !inFlight.isEmpty();
  }

  /**
   * Stops issuing, waits up to {@code drainTimeoutMs} for the attempts in flight to be
   * acknowledged, abandons the rest, and releases everything.
   */
  void stop(long drainTimeoutMs) {
    issuing = false;
    abandonAfter = System.nanoTime() + drainTimeoutMs * 1_000_000;
    try {
      for (Connection c : connections) {
        c.join(drainTimeoutMs + 5000);
      }
      while (!inFlight.isEmpty() && System.nanoTime() < abandonAfter) {
        Thread.sleep(5);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Attempt a : List.copyOf(inFlight.values())) {
      end(a, AttemptOutcome.ABANDONED);
    }
    connections.forEach(Connection::close);
    try {
      // the releases sent without waiting: answered before the session closes
      session.unpinLater(UnpinRequest.getDefaultInstance()).get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("the storage session did not answer within 10 s of the stop: {}", e.toString());
    }
    session.close();
    timer.shutdownNow();
    reader.close();
  }

  /** A posted (or about to be posted) attempt: its pins now count, its acks find it. */
  void inFlight(Attempt a) {
    inFlight.put(a.job.id, a);
    long pinned = pinnedBytes.addAndGet((long) a.pinnedPages * 4096);
    peakPinned.accumulateAndGet(pinned, Math::max);
  }

  /** STABLE_PAGES from the checksum read: holds every segment's folios before the first read. */
  void hold(Attempt a) {
    List<Long> ids = new ArrayList<>();
    for (OutboundSegment s : a.segments) {
      s.refs.forEach(r -> ids.add(r.getFolioId()));
      s.stableHeld = true;
    }
    if (!ids.isEmpty()) {
      a.connection.storage.stableHold(StableHoldRequest.newBuilder().addAllFolioIds(ids).setBegin(true).build());
    }
  }

  /**
   * Ends an attempt (the first outcome wins) and does its completion work at once, on the calling
   * thread (the NIC's, an ack's, the application's): none of it blocks (the storage calls are sent
   * on the session without waiting, the record is published asynchronously).
   */
  void end(Attempt a, AttemptOutcome outcome) {
    if (a.finish(outcome)) {
      complete(a);
    }
  }

  /** Logs a storage call sent without waiting that failed. */
  private void logged(java.util.concurrent.CompletableFuture<?> f, String what) {
    f.whenComplete((r, e) -> {
      if (e != null) {
        lastError = what + " failed: " + e.getMessage();
        log.warn(lastError);
      }
    });
  }

  void onAck(Ack ack) {
    if (!ack.getAccepted()) {
      checksumRejects.incrementAndGet();
    }
    if (ack.getMacFailure()) {
      macFailures.incrementAndGet();
    }
    Attempt a = inFlight.get(ack.getTransferId());
    if (a == null || ack.getSpliceAttempt() != a.number) {
      return;
    }
    if (ack.getMacFailure()) {
      end(a, AttemptOutcome.ABORTED);
      return;
    }
    if (!ack.getAccepted()) {
      a.rejected(ack.getSeq());
      return;
    }
    long rtt = a.roundTripNanos(ack.getSeq(), ack.getAttempt(), System.nanoTime());
    if (rtt >= 0) {
      a.connection.nic.roundTrip(rtt);
    }
    if (a.acked(ack.getSeq())) {
      end(a, AttemptOutcome.ACKED);
    } else if (stableFromChecksum) {
      boolean queue;
      synchronized (a) {
        queue = !a.releaseQueued;
        a.releaseQueued = true;
      }
      if (queue) {
        releaseAckedHolds(a);
      }
    }
  }

  /** STABLE_PAGES: drops the holds of an attempt's acknowledged segments (its last ack drops the rest). */
  private void releaseAckedHolds(Attempt a) {
    List<Long> ids = new ArrayList<>();
    synchronized (a) {
      a.releaseQueued = false;
      if (a.done()) {
        return; // the completion releases them
      }
      for (OutboundSegment s : a.segments) {
        if (s.acked && s.stableHeld) {
          s.stableHeld = false;
          s.refs.forEach(r -> ids.add(r.getFolioId()));
        }
      }
    }
    if (!ids.isEmpty()) {
      logged(storage().stableHoldLater(StableHoldRequest.newBuilder().addAllFolioIds(ids).setBegin(false).build()),
          "release of stable holds of " + a.job.id);
    }
  }

  /** Completion work of an ended attempt (non-blocking). */
  private void complete(Attempt a) {
    AttemptOutcome outcome = a.outcome();
    try {
      List<Long> held = new ArrayList<>();
      synchronized (a) {
        for (OutboundSegment s : a.segments) {
          if (s.stableHeld) {
            s.stableHeld = false;
            s.refs.forEach(r -> held.add(r.getFolioId()));
          }
        }
      }
      if (!held.isEmpty()) {
        logged(storage().stableHoldLater(StableHoldRequest.newBuilder().addAllFolioIds(held).setBegin(false).build()),
            "release of stable holds of " + a.job.id);
      }
      if (a.unpin.getFolioIdsCount() + a.unpin.getPrivateFolioIdsCount() + a.unpin.getStableFolioIdsCount() > 0) {
        // after the releases (one session, in order), and once the pins are ours: after the drain
        a.drained.whenComplete((asSpliced, e) -> {
          if (e == null && asSpliced) {
            logged(storage().unpinLater(a.unpin), "unpin of " + a.job.id);
          } else {
            lastError = "drain of " + a.job.id + (e != null ? " failed: " + e : " handed over other buffers than spliced")
                + "; its pins stay with the pipe";
            log.warn(lastError);
          }
        });
      }
    } catch (RuntimeException e) {
      lastError = "release of " + a.job.id + " failed: " + e;
      log.warn(lastError);
    } finally {
      pinnedBytes.addAndGet(-(long) a.pinnedPages * 4096);
      inFlight.remove(a.job.id, a);
      a.connection.release(a.length);
    }
    long measured = 0;
    long implied = 0;
    long reply = 0;
    long wake = 0;
    long post = 0;
    synchronized (a) {
      if (a.lastReadNanos > 0) {
        measured = (a.lastReadNanos - a.spliceAtNanos) / 1000;
        implied = (a.idealLastReadNanos - a.spliceAtNanos) / 1000;
        long residencyEnd = a.spliceAtNanos + a.job.residencyMicros * 1000;
        reply = Math.max(0, Math.min(a.repliedNanos, a.wokeNanos) - residencyEnd) / 1000;
        wake = Math.max(0, a.wokeNanos - Math.max(residencyEnd, a.repliedNanos)) / 1000;
        post = a.postedNanos == 0 ? 0 : Math.max(0, (a.postedNanos - a.wokeNanos - a.blockedNanos) / 1000);
      }
    }
    if (measured > 0 || implied > 0) {
      windows.record(implied, measured, reply, wake, post);
    }
    events.publish(Topics.TRANSMISSIONS, w.getFileId(), TransmissionRecord.newBuilder().setContext(w.getContext())
        .setTransferId(a.job.id).setFileId(w.getFileId()).setSpliceAttempt(a.number).setSegmentCount(a.segments.size())
        .addAllTransmissions(a.transmissions()).setOutcome(outcome).setMeasuredWindowUs(measured)
        .setImpliedWindowUs(implied).setOverheadReplyUs(reply).setOverheadWakeUs(wake).setOverheadPostUs(post).build());
    switch (outcome) {
      case ACKED -> {
        completed.incrementAndGet();
        bytesAcked.addAndGet(a.length);
        long micros = Math.max(1, (System.nanoTime() - a.job.startNanos) / 1000);
        latency.recordValue(micros);
        latencyListener.transferred(w.getContext().getStrategy(), micros);
        endJob(a.job);
      }
      case CONFIRM_FAILED -> {
        confirmRetries.incrementAndGet();
        if (a.number >= w.getMaxConfirmRetries() || !issuing) {
          gaveUp(a.job);
        } else {
          a.connection.resplice(a.job);
        }
      }
      default -> {
        abandoned.incrementAndGet();
        endJob(a.job);
      }
    }
  }

  /** OPTIMISTIC_CONFIRM: a transfer whose confirm kept failing (or that would need a new attempt while stopping). */
  void gaveUp(Job job) {
    confirmGaveUp.incrementAndGet();
    abandoned.incrementAndGet();
    endJob(job);
  }

  /** COMPLETION_AFTER_SNAPSHOT: the transfer is over; its send completes (the application's writers may go). */
  void endJob(Job job) {
    if (job.sendRegistered) {
      job.sendRegistered = false;
      logged(storage().sendRangeLater(SendRangeRequest.newBuilder().setFileId(w.getFileId()).setSendId(job.id)
          .setBegin(false).build()), "completion of send " + job.id);
    }
  }

  SenderStatus status() {
    long inFlightNow = inFlight.size();
    synchronized (latencyTotal) {
      latencyTotal.add(latency.getIntervalHistogram());
      return SenderStatus.newBuilder().setRunning(running()).setTransfersStarted(started.get())
          .setTransfersCompleted(completed.get()).setTransfersAbandoned(abandoned.get())
          .setSegmentsSent(segments.get()).setRetransmissions(retransmissions.get())
          .setChecksumRejects(checksumRejects.get()).setBytesAcked(bytesAcked.get())
          .setShortSplices(shortSplices.get()).setBytesCopied(bytesCopied.get())
          .setLatencyP50Us(latencyTotal.getValueAtPercentile(50)).setLatencyP99Us(latencyTotal.getValueAtPercentile(99))
          .setLatencyMaxUs(latencyTotal.getMaxValue()).setPeakPinnedBytes(peakPinned.get())
          .setLatencyP90Us(latencyTotal.getValueAtPercentile(90)).setLatencyP999Us(latencyTotal.getValueAtPercentile(99.9))
          .setLatencyCount(latencyTotal.getTotalCount()).setConfirmRetries(confirmRetries.get())
          .setConfirmGaveUp(confirmGaveUp.get()).setMacFailures(macFailures.get()).setBytesEncrypted(bytesEncrypted.get())
          .setLastError(lastError).setDataPath(reader.describe()).setScheduling(timing.record()).setFidelity(windows.snapshot()).setInFlight(inFlightNow)
          .build();
    }
  }
}
