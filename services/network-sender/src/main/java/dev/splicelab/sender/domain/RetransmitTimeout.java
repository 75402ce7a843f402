package dev.splicelab.sender.domain;

/**
 * The retransmission timeout of one connection, as Linux's TCP computes it (tcp_rtt_estimator and
 * tcp_set_rto, after RFC 6298): a smoothed round trip and its mean deviation, from the acks of
 * segments sent once (Karn's rule), give {@code srtt + max(4 * rttvar, min)}, where the minimum
 * is the link profile's {@code rto_us} (Linux's tcp_rto_min, 200 ms). Before the first sample the
 * RTO is the minimum. Each expiry of a segment's timer doubles that segment's next one, as
 * tcp_retransmit_timer backs off, up to TCP_RTO_MAX (120 s).
 *
 * <p>So a round trip the testbed stretches (a late ack) raises the RTO instead of firing it, as a
 * slow path raises a real connection's, and a burst of expiries backs off instead of feeding
 * itself with retransmissions. Thread-safe; times in nanoseconds.
 */
final class RetransmitTimeout {

  /** Linux's TCP_RTO_MAX. */
  static final long MAX_NANOS = 120_000_000_000L;

  private final long minNanos;
  private boolean sampled;
  private long srttNanos;
  private long rttvarNanos;

  RetransmitTimeout(long minNanos) {
    this.minNanos = Math.max(1, minNanos);
  }

  /** Takes one round-trip sample (an ack of a segment sent once). */
  synchronized void sample(long rttNanos) {
    if (rttNanos < 0) {
      return;
    }
    if (!sampled) {
      srttNanos = rttNanos;
      rttvarNanos = rttNanos / 2;
      sampled = true;
    } else {
      rttvarNanos += (Math.abs(srttNanos - rttNanos) - rttvarNanos) / 4;
      srttNanos += (rttNanos - srttNanos) / 8;
    }
  }

  /** The timer for a segment's transmission number {@code tx} (0 for its first): the RTO, backed off tx times. */
  synchronized long nanos(int tx) {
    long base = sampled ? srttNanos + Math.max(4 * rttvarNanos, minNanos) : minNanos;
    return backedOff(Math.min(base, MAX_NANOS), tx);
  }

  /** {@code base} doubled {@code tx} times, at most TCP_RTO_MAX. */
  static long backedOff(long base, int tx) {
    long t = base;
    for (int i = 0; i < tx && t < MAX_NANOS; i++) {
      t <<= 1;
    }
    return Math.min(t, MAX_NANOS);
  }
}
