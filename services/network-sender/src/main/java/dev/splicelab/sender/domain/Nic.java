package dev.splicelab.sender.domain;

import com.google.protobuf.UnsafeByteOperations;
import dev.splicelab.common.time.Clocks;
import dev.splicelab.common.tls.TlsRecords;
import dev.splicelab.proto.AttemptOutcome;
import dev.splicelab.proto.Segment;
import dev.splicelab.proto.SenderMode;
import dev.splicelab.proto.Transmission;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transmit path of one connection: TCP's send and retransmit queue and the NIC. A posted
 * attempt's segments are prepared at once, on the posting thread, as the kernel builds and
 * checksums its skbs in sendmsg: the checksum read (CSUM_SOFTWARE) or the encryption into the
 * sender's own buffer (TLS_SW). Each is DMAed csum_to_dma later, or when the wire is free of the
 * segments before it (at the link's bandwidth); that read is what goes out (CSUM_OFFLOAD and
 * TLS_OFFLOAD read only then). Every transmission arms an RTO (adaptive and backed off, see
 * {@link RetransmitTimeout}); an expired one prepares the segment again (a fresh read, except
 * TLS_SW, which resends its ciphertext) until the link's attempts run out. OPTIMISTIC_CONFIRM
 * confirms the cookie atomically with every read.
 *
 * <p>Alongside every time it schedules, the NIC keeps the time the scenario implies (the same
 * schedule with no time of the testbed's own: no late wake-up, no slow call), from which each
 * attempt's implied race window follows.
 *
 * <p>Threading: {@link #post} runs on the connection's application thread; every DMA and RTO runs
 * on the NIC's own thread, in due order. Thread-safe.
 */
final class Nic implements Runnable {

  private static final Logger log = LoggerFactory.getLogger(Nic.class);

  /** A DMA (or an RTO check) of one transmission of one segment, due at a System.nanoTime(). */
  private record Event(long due, long order, Attempt attempt, OutboundSegment segment, int transmission, boolean dma)
      implements Comparable<Event> {
    @Override
    public int compareTo(Event o) {
      int c = Long.compare(due, o.due);
      return c != 0 ? c : Long.compare(order, o.order);
    }
  }

  private final Workload wl;
  private final Connection conn;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  /** Guarded by lock. */
  private final PriorityQueue<Event> queue = new PriorityQueue<>();
  private long order;
  private boolean stopped;
  /** When the wire is free of what was scheduled on it: System.nanoTime(), and epoch nanos as implied. */
  private long wireFreeNanos;
  private long idealWireFreeNanos;
  private final Thread thread;
  /** The connection's RTO, from the round trips its acks measure. */
  private final RetransmitTimeout timeout;

  Nic(Workload wl, Connection conn) {
    this.wl = wl;
    this.conn = conn;
    this.timeout = new RetransmitTimeout(wl.w.getLink().getRtoUs() * 1000);
    this.thread = new Thread(this, "nic-" + conn.index);
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** An ack measured a round trip (of a segment sent once), nanos: it updates the RTO. Any thread. */
  void roundTrip(long nanos) {
    timeout.sample(nanos);
  }

  /**
   * The RTO the scenario implies for transmission {@code tx} of a segment: the minimum RTO plus
   * the link's round trip (the smoothed round trip of a connection the testbed does not slow),
   * backed off tx times.
   */
  private long impliedRtoNanos(int tx) {
    var l = wl.w.getLink();
    return RetransmitTimeout.backedOff(l.getRtoUs() * 1000 + 2 * l.getLatencyUs() * 1000, tx);
  }

  void stop() {
    lock.lock();
    try {
      stopped = true;
      queue.clear();
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Queues an attempt's segments for the wire: prepares each one's first transmission now and
   * schedules its DMA. False when a confirm failed while preparing (the attempt is then over).
   */
  boolean post(Attempt a) {
    for (OutboundSegment s : a.segments) {
      if (!prepare(a, s, a.idealPostNanos)) {
        return false;
      }
    }
    lock.lock();
    try {
      synchronized (a) {
        a.postedNanos = Clocks.epochNanos(wl.clock);
      }
      for (OutboundSegment s : a.segments) {
        scheduleDma(a, s, 0);
      }
    } finally {
      lock.unlock();
    }
    return true;
  }

  private long serializeNanos(OutboundSegment s) {
    long bw = wl.w.getLink().getBandwidthBytesPerSecond();
    return bw > 0 ? (s.length + 64L) * 1_000_000_000L / bw : 0;
  }

  /**
   * Under lock: the DMA of transmission {@code tx}, csum_to_dma after its preparation, once the wire
   * is free. A transmission the scenario does not imply (idealPrepNanos 0) keeps the ideal wire as it was.
   */
  private void scheduleDma(Attempt a, OutboundSegment s, int tx) {
    long c = wl.w.getCsumToDmaUs() * 1000;
    long ser = serializeNanos(s);
    long due = Math.max(System.nanoTime() + c, wireFreeNanos);
    wireFreeNanos = due + ser;
    if (s.idealPrepNanos > 0) {
      long ideal = Math.max(s.idealPrepNanos + c, idealWireFreeNanos);
      idealWireFreeNanos = ideal + ser;
      s.idealDmaNanos = ideal;
    } else {
      s.idealDmaNanos = 0;
    }
    add(new Event(due, order++, a, s, tx, true));
  }

  private void add(Event e) {
    queue.add(e);
    if (queue.peek() == e) {
      changed.signal();
    }
  }

  /**
   * Starts transmission number s.transmissions: the checksum read (CSUM_SOFTWARE) or the
   * encryption (TLS_SW, first transmission only). {@code idealNanos}: when the scenario implies it.
   */
  private boolean prepare(Attempt a, OutboundSegment s, long idealNanos) {
    s.transmissions++;
    s.idealPrepNanos = idealNanos;
    s.csumReadNanos = 0;
    SenderMode mode = wl.w.getSenderMode();
    if (mode == SenderMode.CSUM_SOFTWARE) {
      long crc = wl.reader.crc32c(s.refs, wl.optimistic, wl.w.getFileId(), wl.cookieSlot, a.cookie);
      s.csumReadNanos = Clocks.epochNanos(wl.clock);
      if (crc < 0) {
        return false;
      }
      s.csumCrc = (int) crc;
    } else if (mode == SenderMode.TLS_SW && s.ciphertext == null) {
      byte[] plain = read(a, s);
      s.csumReadNanos = Clocks.epochNanos(wl.clock);
      if (plain == null) {
        return false;
      }
      TlsRecords.Sealed sealed = TlsRecords.seal(wl.tlsKey, TlsRecords.nonce(a.job.id, s.seq, a.number), plain);
      s.ciphertext = sealed.ciphertext();
      s.firstTag = sealed.tag();
      s.firstCrc = crc(plain);
      wl.bytesEncrypted.addAndGet(plain.length);
    }
    return true;
  }

  /** The segment's current bytes (confirmed under OPTIMISTIC_CONFIRM: null when the confirm failed). */
  private byte[] read(Attempt a, OutboundSegment s) {
    byte[] b = new byte[s.length];
    if (wl.optimistic) {
      return wl.reader.readConfirmed(s.refs, b, wl.w.getFileId(), wl.cookieSlot, a.cookie) ? b : null;
    }
    wl.reader.read(s.refs, b);
    return b;
  }

  static int crc(byte[] b) {
    CRC32C c = new CRC32C();
    c.update(b);
    return (int) c.getValue();
  }

  @Override
  public void run() {
    wl.keepsTime();
    List<Event> due = new ArrayList<>();
    while (true) {
      due.clear();
      lock.lock();
      try {
        while (true) {
          if (stopped) {
            return;
          }
          Event head = queue.peek();
          long now = System.nanoTime();
          if (head != null && head.due <= now) {
            while (head != null && head.due <= now && due.size() < MAX_BURST) {
              due.add(queue.poll());
              head = queue.peek();
            }
            break;
          }
          changed.awaitNanos(head == null ? TimeUnit.MILLISECONDS.toNanos(100) : head.due - now);
        }
      } catch (InterruptedException ie) {
        return;
      } finally {
        lock.unlock();
      }
      List<Wire> burst = new ArrayList<>(due.size());
      for (Event e : due) {
        try {
          if (e.dma) {
            Wire w = dma(e.attempt, e.segment, e.transmission);
            if (w != null) {
              burst.add(w);
            }
          } else {
            rto(e.attempt, e.segment, e.transmission);
          }
        } catch (RuntimeException ex) {
          failed(e.attempt, e.segment, ex);
        }
      }
      if (!burst.isEmpty()) {
        send(burst);
      }
    }
  }

  private void failed(Attempt a, OutboundSegment s, RuntimeException ex) {
    wl.lastError = "conn " + conn.index + ": " + ex;
    log.warn("transmission of {} seq {} failed: {}", a.job.id, s.seq, ex.toString());
    wl.end(a, AttemptOutcome.ABANDONED);
  }

  /** Segments DMAed together leave as one burst (TSO/GRO): at most this many. */
  static final int MAX_BURST = 256;

  /** One segment read for the wire, waiting for its burst to leave. */
  private record Wire(Attempt attempt, OutboundSegment outbound, int transmission, Segment segment, Transmission.Builder record,
      long readNanos, long idealReadNanos, long serializeNanos) {}

  /** The DMA of one transmission: the read that goes out (null when nothing goes: the attempt ended, or a confirm failed). */
  private Wire dma(Attempt a, OutboundSegment s, int tx) {
    if (a.done()) {
      return null;
    }
    SenderMode mode = wl.w.getSenderMode();
    byte[] plaintext = null;
    byte[] payload;
    byte[] tag = null;
    int checksum;
    boolean changed = false;
    boolean reused = false;
    long readNanos;
    int plainCrc = 0;
    long idealRead = s.idealDmaNanos;
    switch (mode) {
      case TLS_SW -> {
        payload = s.ciphertext;
        tag = s.firstTag;
        checksum = crc(payload);
        reused = tx > 0;
        readNanos = reused ? 0 : s.csumReadNanos;
        idealRead = s.idealPrepNanos;
      }
      case TLS_OFFLOAD -> {
        plaintext = read(a, s);
        readNanos = Clocks.epochNanos(wl.clock);
        if (plaintext == null) {
          confirmFailed(a);
          return null;
        }
        TlsRecords.Sealed sealed = TlsRecords.seal(wl.tlsKey, TlsRecords.nonce(a.job.id, s.seq, a.number), plaintext);
        if (s.firstTag == null) {
          s.firstTag = sealed.tag();
        }
        payload = sealed.ciphertext();
        tag = s.firstTag; // the tag left with the first transmission; a resync re-encrypts only the data
        checksum = crc(payload);
      }
      default -> {
        plaintext = read(a, s);
        readNanos = Clocks.epochNanos(wl.clock);
        if (plaintext == null) {
          confirmFailed(a);
          return null;
        }
        if (mode == SenderMode.CSUM_SOFTWARE) {
          checksum = s.csumCrc;
          plainCrc = crc(plaintext);
          changed = plainCrc != s.csumCrc; // the bytes changed since the checksum read (CRC32C tells them apart)
        } else {
          checksum = crc(plaintext);
          plainCrc = checksum;
        }
        payload = plaintext;
      }
    }
    long dmaNanos = readNanos > 0 ? readNanos : Clocks.epochNanos(wl.clock);
    Segment.Builder seg = Segment.newBuilder().setContext(wl.w.getContext()).setTransferId(a.job.id)
        .setFileId(wl.w.getFileId()).setSeq(s.seq).setSegmentCount(a.segments.size()).setFileOffset(s.fileOffset)
        .setTransferOffset(a.job.offset).setTransferLength(a.length).setAttempt(tx)
        .setPayload(UnsafeByteOperations.unsafeWrap(payload)).setChecksum(checksum).setSpliceVersion(a.version)
        .setSpliceAttempt(a.number);
    if (tag != null) {
      seg.setTls(true).setTlsTag(UnsafeByteOperations.unsafeWrap(tag));
    }
    if (mode == SenderMode.TLS_SW) {
      plainCrc = s.firstCrc;
    } else if (mode == SenderMode.TLS_OFFLOAD) {
      plainCrc = crc(plaintext);
    }
    Transmission.Builder t = Transmission.newBuilder().setSeq(s.seq).setAttempt(tx).setFileOffset(s.fileOffset)
        .setLength(s.length).setCsumReadNanos(s.csumReadNanos > 0 ? s.csumReadNanos : dmaNanos).setDmaReadNanos(dmaNanos)
        .setChecksum(checksum).setChangedBetweenReads(changed).setPlaintextCrc(plainCrc).setReused(reused);
    s.lastDmaNanos = dmaNanos;
    s.idealLastDmaNanos = s.idealDmaNanos;
    return new Wire(a, s, tx, seg.build(), t, readNanos, idealRead, serializeNanos(s));
  }

  /** Puts a burst on the link, records each transmission and its fate, and arms each RTO. */
  private void send(List<Wire> burst) {
    List<Segment> segments = new ArrayList<>(burst.size());
    long serialize = 0;
    for (Wire w : burst) {
      segments.add(w.segment());
      serialize = Math.max(serialize, w.serializeNanos());
    }
    List<EmulatedLink.Fate> fates = conn.link.send(segments, serialize);
    long sent = System.nanoTime();
    lock.lock();
    try {
      for (int i = 0; i < burst.size(); i++) {
        Wire w = burst.get(i);
        boolean lost = fates.get(i) != EmulatedLink.Fate.SENT;
        synchronized (w.attempt()) {
          w.outbound().lost = lost;
          w.outbound().rejected = false;
          w.outbound().sentNanos = sent;
        }
        w.attempt().transmitted(w.record().setLostOnLink(lost).build(), w.readNanos(), w.idealReadNanos());
        add(new Event(sent + timeout.nanos(w.transmission()), order++, w.attempt(), w.outbound(), w.transmission(), false));
      }
    } finally {
      lock.unlock();
    }
    wl.segments.addAndGet(burst.size());
    for (Wire w : burst) {
      if (w.transmission() > 0) {
        wl.retransmissions.incrementAndGet();
      }
    }
  }

  /** An RTO expired: retransmit the segment unless it was acknowledged meanwhile. */
  private void rto(Attempt a, OutboundSegment s, int tx) {
    synchronized (a) {
      if (a.done() || s.acked || s.transmissions != tx + 1) {
        return;
      }
    }
    if (s.transmissions >= wl.w.getLink().getMaxAttempts()) {
      wl.end(a, AttemptOutcome.ABANDONED);
      return;
    }
    boolean implied;
    long impliedRto = impliedRtoNanos(tx);
    synchronized (a) {
      implied = s.lost || s.rejected || roundTripNanos(s) >= impliedRto;
    }
    long idealPrep = implied && s.idealLastDmaNanos > 0 ? s.idealLastDmaNanos + impliedRto : 0;
    if (!prepare(a, s, idealPrep)) {
      confirmFailed(a);
      return;
    }
    lock.lock();
    try {
      scheduleDma(a, s, s.transmissions - 1);
    } finally {
      lock.unlock();
    }
  }

  /** The longest the scenario's link takes to return a segment's ack: both ways' latency, jitter, reordering, wire time. */
  private long roundTripNanos(OutboundSegment s) {
    var l = wl.w.getLink();
    return (2 * l.getLatencyUs() + l.getJitterUs() + (l.getReorder() > 0 ? l.getReorderDelayUs() : 0)) * 1000
        + serializeNanos(s);
  }

  private void confirmFailed(Attempt a) {
    wl.end(a, AttemptOutcome.CONFIRM_FAILED);
  }
}
