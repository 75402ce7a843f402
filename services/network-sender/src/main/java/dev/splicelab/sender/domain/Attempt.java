package dev.splicelab.sender.domain;

import dev.splicelab.proto.AttemptOutcome;
import dev.splicelab.proto.Transmission;
import dev.splicelab.proto.UnpinRequest;
import java.util.ArrayList;
import java.util.List;

/**
 * One splice attempt of a transfer, from its drain until it ends: every segment acknowledged,
 * abandoned (a segment out of attempts, or the workload stopping), a failed confirm, or an aborted
 * connection. It holds the pins of its pages meanwhile (the retransmit queue). Mutable state is
 * guarded by its monitor; {@link #finish} decides the outcome once.
 */
final class Attempt {
  final Job job;
  final Connection connection;
  /** Splice attempt number, from 0. */
  final int number;
  final long version;
  final long cookie;
  final long length;
  /** When the pages were pinned, epoch nanos (storage clock): the start of the race window. */
  final long spliceAtNanos;
  final List<OutboundSegment> segments;
  /** The pins (and splice-time holds) to drop when the attempt ends. */
  final UnpinRequest unpin;
  /** Page-cache pages pinned (copies excluded), for the pinned-bytes cost. */
  final int pinnedPages;
  /**
   * The drain of the attempt's buffers: true when the pipe handed over exactly the buffers spliced
   * (their pins are then the attempt's to drop); false or failed otherwise (the pipe keeps them).
   */
  volatile java.util.concurrent.CompletableFuture<Boolean> drained =
      java.util.concurrent.CompletableFuture.completedFuture(true);

  /** Guarded by this. */
  private final List<Transmission> transmissions = new ArrayList<>();
  private int acked;
  private AttemptOutcome outcome;
  /** A release of acknowledged segments' stable holds is queued. */
  boolean releaseQueued;
  /** Epoch nanos: when the scenario says buffers leave the pipe (splice + residency + send-buffer wait). */
  long idealPostNanos;
  /** Epoch nanos of the latest read of the attempt's bytes for the wire, as measured and as implied. */
  long lastReadNanos;
  long idealLastReadNanos;
  /**
   * Epoch nanos: when the splice-in's reply reached the application thread, when the thread woke
   * from the residency, and when it had scheduled the DMA (0 until then); nanos it waited for
   * send-buffer space. For the overhead's breakdown.
   */
  long repliedNanos;
  long wokeNanos;
  long postedNanos;
  long blockedNanos;

  Attempt(Job job, Connection connection, int number, long version, long cookie, long length, long spliceAtNanos,
      List<OutboundSegment> segments, UnpinRequest unpin, int pinnedPages) {
    this.job = job;
    this.connection = connection;
    this.number = number;
    this.version = version;
    this.cookie = cookie;
    this.length = length;
    this.spliceAtNanos = spliceAtNanos;
    this.segments = segments;
    this.unpin = unpin;
    this.pinnedPages = pinnedPages;
  }

  synchronized boolean done() {
    return outcome != null;
  }

  synchronized AttemptOutcome outcome() {
    return outcome;
  }

  /** Sets the outcome if none is set yet; true for the caller that set it. */
  synchronized boolean finish(AttemptOutcome o) {
    if (outcome != null) {
      return false;
    }
    outcome = o;
    return true;
  }

  /** Records one transmission and the reads it made (epoch nanos; 0 for none). */
  /**
   * Records one transmission and the reads it made (epoch nanos; 0 for none). An ideal time of 0
   * marks a transmission the scenario does not imply (a retransmission after an ack the testbed
   * delayed): its read widens the measured window only.
   */
  synchronized void transmitted(Transmission t, long readNanos, long idealReadNanos) {
    transmissions.add(t);
    if (readNanos > 0) {
      lastReadNanos = Math.max(lastReadNanos, readNanos);
      idealLastReadNanos = Math.max(idealLastReadNanos, idealReadNanos);
    }
  }

  /** The receiver rejected the latest transmission of segment seq (a bad checksum): its RTO is the scenario's. */
  synchronized void rejected(int seq) {
    if (seq >= 0 && seq < segments.size()) {
      segments.get(seq).rejected = true;
    }
  }

  synchronized List<Transmission> transmissions() {
    return List.copyOf(transmissions);
  }

  /**
   * The round trip an ack of transmission {@code tx} of segment {@code seq} measures, nanos; -1 when
   * it measures none (Karn's rule: a segment ever retransmitted gives no sample, its ack is
   * ambiguous; nor does a segment already acknowledged).
   */
  synchronized long roundTripNanos(int seq, int tx, long nowNanos) {
    OutboundSegment s = seq >= 0 && seq < segments.size() ? segments.get(seq) : null;
    if (s == null || s.acked || tx != 0 || s.transmissions != 1 || s.sentNanos == 0) {
      return -1;
    }
    return Math.max(0, nowNanos - s.sentNanos);
  }

  /** Marks a segment acknowledged; true when it was the last one. */
  synchronized boolean acked(int seq) {
    OutboundSegment s = seq >= 0 && seq < segments.size() ? segments.get(seq) : null;
    if (outcome != null || s == null || s.acked) {
      return false;
    }
    s.acked = true;
    return ++acked == segments.size();
  }
}
