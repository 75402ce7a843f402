package dev.splicelab.sender.domain;

import com.google.protobuf.ByteString;
import dev.splicelab.common.cells.CellCodec;
import dev.splicelab.common.kafka.EventPublisher;
import dev.splicelab.common.pins.Pins;
import dev.splicelab.common.tls.TlsRecords;
import dev.splicelab.proto.Topics;
import dev.splicelab.common.time.Clocks;
import dev.splicelab.common.time.Sleeper;
import dev.splicelab.proto.*;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;
import org.HdrHistogram.Recorder;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The application plus its sockets: {@code connections} threads, each with its own pipe and
 * emulated TCP connection, looping splice-in -> residency -> drain -> segment -> (checksum read,
 * DMA read, send) -> wait for acks, retransmitting on RTO -> unpin. What each step reads depends
 * on the strategy and sender mode:
 *
 * <ul>
 *   <li>CSUM_OFFLOAD reads the folios once per transmission (DMA) and checksums those bytes;
 *       CSUM_SOFTWARE reads them for the checksum, then again for the DMA.
 *   <li>TLS_SW encrypts at the first read into its own buffer and resends that ciphertext;
 *       TLS_OFFLOAD re-reads and re-encrypts on every transmission under the first tag.
 *   <li>OPTIMISTIC_CONFIRM confirms the i_version cookie at drain and at every read (atomically
 *       with it); a failed confirm releases everything and re-splices the range.
 *   <li>STABLE_PAGES holds a segment's folios from its checksum read to its ack (or from splice-in).
 *   <li>COMPLETION_AFTER_SNAPSHOT registers the send's range before splice-in and completes it
 *       after the last ack; the application's writers wait for it.
 * </ul>
 * One workload at a time. Public methods are thread-safe.
 */
public final class TransferEngine {

  private static final Logger log = LoggerFactory.getLogger(TransferEngine.class);

  /** The services the engine talks to; blocking stubs carry their own deadlines. */
  public record Peers(PipeBrokerGrpc.PipeBrokerBlockingStub pipes, StorageNodeGrpc.StorageNodeBlockingStub storage,
      ReceiverGrpc.ReceiverStub receiver) {}

  private final Peers peers;
  private final EventPublisher events;
  private final Clock clock;
  private final Sleeper sleeper;

  private volatile Run current;
  /** Told every acknowledged transfer's latency (strategy, microseconds), as the latency histogram records it. */
  private volatile LatencyListener latencyListener = (strategy, micros) -> { };

  /** Receives each completed transfer's latency, from splice-in to last ack, in microseconds. */
  @FunctionalInterface
  public interface LatencyListener {
    void transferred(Strategy strategy, long micros);
  }

  public TransferEngine(Peers peers, EventPublisher events, Clock clock, Sleeper sleeper) {
    this.peers = peers;
    this.events = events;
    this.clock = clock;
    this.sleeper = sleeper;
  }

  /** Sets who is told of every completed transfer's latency (the value behind SenderStatus.latency_*). */
  public void onLatency(LatencyListener l) {
    this.latencyListener = l == null ? (strategy, micros) -> { } : l;
  }

  public synchronized SenderStatus start(TransferWorkload w) {
    if (current != null && current.running()) {
      throw new IllegalStateException("a transfer workload is already running (stop it first)");
    }
    long fileSize = peers.storage().withDeadlineAfter(10, TimeUnit.SECONDS)
        .stat(StatRequest.newBuilder().setFileId(w.getFileId()).build()).getSize();
    if (fileSize < w.getMinTransferBytes()) {
      throw new IllegalArgumentException("min_transfer_bytes: must not exceed the file size " + fileSize + ", got " + w.getMinTransferBytes());
    }
    current = new Run(w, fileSize);
    current.start();
    return current.status();
  }

  public synchronized SenderStatus stop(long drainTimeoutMs) {
    if (current == null) {
      return SenderStatus.getDefaultInstance();
    }
    current.stop(drainTimeoutMs);
    return current.status();
  }

  public SenderStatus status() {
    Run r = current;
    return r == null ? SenderStatus.getDefaultInstance() : r.status();
  }

  /** One workload: its threads, counters and timers. */
  private final class Run {
    final TransferWorkload w;
    final long fileSize;
    final List<Thread> threads = new ArrayList<>();
    final ScheduledExecutorService timer;
    volatile boolean issuing = true;
    /** After this System.nanoTime(), in-flight transfers are abandoned. */
    volatile long abandonAfter = Long.MAX_VALUE;
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
    final long startNanos = System.nanoTime();
    final byte[] tlsKey;
    final Recorder latency = new Recorder(3);
    final Histogram latencyTotal = new Histogram(3);
    volatile String lastError = "";
    final ConcurrentHashMap<String, InFlight> inFlight = new ConcurrentHashMap<>();

    Run(TransferWorkload w, long fileSize) {
      this.w = w;
      this.fileSize = fileSize;
      this.tlsKey = TlsRecords.key(w.getContext().getRunId());
      this.timer = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "link-timer");
        t.setDaemon(true);
        return t;
      });
    }

    void start() {
      for (int c = 0; c < w.getConnections(); c++) {
        int conn = c;
        Thread t = new Thread(() -> connectionLoop(conn), "conn-" + c);
        t.setDaemon(true);
        threads.add(t);
        t.start();
      }
    }

    boolean running() {
      return threads.stream().anyMatch(Thread::isAlive);
    }

    void stop(long drainTimeoutMs) {
      issuing = false;
      abandonAfter = System.nanoTime() + drainTimeoutMs * 1_000_000;
      for (Thread t : threads) {
        try {
          t.join(drainTimeoutMs + 5000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      timer.shutdownNow();
    }

    SenderStatus status() {
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
            .setLastError(lastError).build();
      }
    }

    void connectionLoop(int conn) {
      SplittableRandom random = new SplittableRandom(w.getSeed() * 0x9E3779B97F4A7C15L + conn);
      long pipeId;
      try {
        pipeId = peers.pipes().withDeadlineAfter(10, TimeUnit.SECONDS)
            .createPipe(CreatePipeRequest.newBuilder().setCapacity(w.getPipeCapacity()).build()).getPipeId();
      } catch (RuntimeException e) {
        lastError = "conn " + conn + ": cannot create pipe: " + e;
        log.error(lastError);
        return;
      }
      EmulatedLink link = new EmulatedLink(peers.receiver(), w.getLink(), random.split(), timer, this::onAck,
          () -> onLinkBroken(conn), startNanos);
      try {
        long seq = 0;
        while (issuing && (w.getMaxTransfers() == 0 || started.get() < w.getMaxTransfers())) {
          try {
            transferOnce(conn, seq++, pipeId, link, random);
          } catch (RuntimeException e) {
            lastError = "conn " + conn + ": " + e;
            log.warn("transfer failed: {}", e.toString());
            sleeper.sleepMicros(10_000);
          }
        }
      } finally {
        link.close();
        try {
          peers.pipes().withDeadlineAfter(10, TimeUnit.SECONDS).closePipe(PipeId.newBuilder().setPipeId(pipeId).build());
        } catch (RuntimeException e) {
          log.warn("close of pipe {} failed: {}", pipeId, e.toString());
        }
      }
    }

    /** How one splice attempt of a transfer ended. */
    enum Outcome { ACKED, ABANDONED, CONFIRM_FAILED, ABORTED }

    void transferOnce(int conn, long seq, long pipeId, EmulatedLink link, SplittableRandom random) {
      long cells = (w.getMaxTransferBytes() - w.getMinTransferBytes()) / CellCodec.CELL;
      long length = w.getMinTransferBytes() + CellCodec.CELL * (cells > 0 ? random.nextLong(cells + 1) : 0);
      length = Math.min(length, fileSize);
      long offset = CellCodec.CELL * random.nextLong((fileSize - length) / CellCodec.CELL + 1);
      long residency = w.getMinResidencyUs() + (w.getMaxResidencyUs() > w.getMinResidencyUs()
          ? random.nextLong(w.getMaxResidencyUs() - w.getMinResidencyUs() + 1) : 0);
      String transferId = w.getContext().getRunId() + "/" + w.getContext().getCell() + "/" + conn + "/" + seq;
      Strategy strategy = w.getContext().getStrategy();
      boolean completion = strategy == Strategy.COMPLETION_AFTER_SNAPSHOT;

      long t0 = System.nanoTime();
      if (completion) {
        storage().sendRange(SendRangeRequest.newBuilder().setFileId(w.getFileId()).setSendId(transferId).setOffset(offset)
            .setLength(length).setBegin(true).build());
      }
      try {
        for (int attempt = 0; ; attempt++) {
          SpliceInReply spliced = peers.pipes().withDeadlineAfter(10, TimeUnit.SECONDS).spliceIn(SpliceInRequest.newBuilder()
              .setContext(w.getContext()).setPipeId(pipeId).setFileId(w.getFileId()).setOffset(offset).setLength(length)
              .setTransferId(transferId).setAttempt(attempt)
              .setStableFromSplice(strategy == Strategy.STABLE_PAGES && w.getStableHoldFrom() == StableHoldFrom.FROM_SPLICE)
              .build());
          if (spliced.getLength() == 0) {
            if (attempt == 0) {
              shortSplices.incrementAndGet();
              return;
            }
            abandoned.incrementAndGet();
            return;
          }
          if (attempt == 0) {
            started.incrementAndGet();
            if (spliced.getLength() < length) {
              shortSplices.incrementAndGet();
            }
          }
          sleeper.sleepMicros(residency);
          Outcome o = sendOnce(transferId, offset, spliced, attempt, pipeId, link);
          switch (o) {
            case ACKED -> {
              completed.incrementAndGet();
              bytesAcked.addAndGet(spliced.getLength());
              long micros = Math.max(1, (System.nanoTime() - t0) / 1000);
              latency.recordValue(micros);
              latencyListener.transferred(strategy, micros);
              return;
            }
            case CONFIRM_FAILED -> {
              confirmRetries.incrementAndGet();
              if (attempt >= w.getMaxConfirmRetries() || !issuing) { // no new attempt once stopping
                confirmGaveUp.incrementAndGet();
                abandoned.incrementAndGet();
                return;
              }
            }
            default -> {
              abandoned.incrementAndGet();
              return;
            }
          }
        }
      } finally {
        if (completion) {
          storage().sendRange(SendRangeRequest.newBuilder().setFileId(w.getFileId()).setSendId(transferId).setBegin(false).build());
        }
      }
    }

    StorageNodeGrpc.StorageNodeBlockingStub storage() {
      return peers.storage().withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    /** One splice attempt: drain, confirm, send every segment, wait for the acks, release. */
    Outcome sendOnce(String transferId, long offset, SpliceInReply spliced, int attempt, long pipeId, EmulatedLink link) {
      List<PipeBuffer> buffers = peers.pipes().withDeadlineAfter(10, TimeUnit.SECONDS)
          .drain(DrainRequest.newBuilder().setPipeId(pipeId).setMaxBytes(spliced.getLength()).build()).getBuffersList();
      UnpinRequest.Builder unpin = UnpinRequest.newBuilder();
      for (PipeBuffer b : buffers) {
        if (b.hasRef()) {
          Pins.release(unpin, b.getRef());
        } else {
          bytesCopied.addAndGet(b.getLength());
        }
      }
      int pins = Pins.count(unpin);
      long pinned = pinnedBytes.addAndGet((long) pins * 4096);
      peakPinned.accumulateAndGet(pinned, Math::max);
      InFlight t = new InFlight(transferId, offset, spliced.getLength(), spliced.getVersion(), spliced.getCookie(), attempt,
          cut(buffers));
      inFlight.put(transferId, t);
      try {
        if (optimistic() && !confirm(t)) {
          return Outcome.CONFIRM_FAILED;
        }
        for (OutboundSegment s : t.segments) {
          if (!transmit(t, s, link)) {
            return Outcome.CONFIRM_FAILED;
          }
        }
        return awaitAcks(t, link);
      } finally {
        inFlight.remove(transferId);
        releaseHolds(t, true);
        if (pins > 0) {
          storage().unpin(unpin.build());
          pinnedBytes.addAndGet(-(long) pins * 4096);
        }
      }
    }

    boolean optimistic() {
      return w.getContext().getStrategy() == Strategy.OPTIMISTIC_CONFIRM;
    }

    boolean stableFromChecksum() {
      return w.getContext().getStrategy() == Strategy.STABLE_PAGES && w.getStableHoldFrom() != StableHoldFrom.FROM_SPLICE;
    }

    /** OPTIMISTIC_CONFIRM at consume time: the cookie must not have moved since the splice. */
    boolean confirm(InFlight t) {
      for (OutboundSegment s : t.segments) {
        if (!s.refs.isEmpty()) {
          return !storage().readFolio(ReadFolioRequest.newBuilder().addSlices(s.refs.get(0).toBuilder().setLength(1))
              .setConfirm(true).setFileId(w.getFileId()).setExpectedCookie(t.cookie).build()).getConfirmFailed();
        }
      }
      return true;
    }

    /** Releases STABLE_PAGES holds of acked segments (all of them when {@code all}). */
    void releaseHolds(InFlight t, boolean all) {
      List<Long> ids = new ArrayList<>();
      synchronized (t) {
        for (OutboundSegment s : t.segments) {
          if (s.stableHeld && (all || s.acked)) {
            s.stableHeld = false;
            s.refs.forEach(r -> ids.add(r.getFolioId()));
          }
        }
      }
      if (!ids.isEmpty()) {
        storage().stableHold(StableHoldRequest.newBuilder().addAllFolioIds(ids).setBegin(false).build());
      }
    }

    /** Cuts the drained buffers into segments of segment_bytes (the last one shorter). */
    List<OutboundSegment> cut(List<PipeBuffer> buffers) {
      List<OutboundSegment> out = new ArrayList<>();
      int segBytes = w.getSegmentBytes();
      List<FolioRef> refs = new ArrayList<>();
      ByteString.Output copy = null;
      long segStart = -1;
      int segLen = 0;
      for (PipeBuffer b : buffers) {
        int done = 0;
        while (done < b.getLength()) {
          if (segStart < 0) {
            segStart = b.getFileOffset() + done;
          }
          int n = Math.min(b.getLength() - done, segBytes - segLen);
          if (b.hasRef()) {
            FolioRef r = b.getRef();
            refs.add(r.toBuilder().setOffsetInFolio(r.getOffsetInFolio() + done).setLength(n).setFileOffset(r.getFileOffset() + done).build());
          } else {
            if (copy == null) {
              copy = ByteString.newOutput(segBytes);
            }
            copy.write(b.getCopy().substring(done, done + n).toByteArray(), 0, n);
          }
          done += n;
          segLen += n;
          if (segLen == segBytes) {
            out.add(new OutboundSegment(out.size(), segStart, segLen, List.copyOf(refs), copy == null ? null : copy.toByteString()));
            refs.clear();
            copy = null;
            segStart = -1;
            segLen = 0;
          }
        }
      }
      if (segLen > 0) {
        out.add(new OutboundSegment(out.size(), segStart, segLen, List.copyOf(refs), copy == null ? null : copy.toByteString()));
      }
      return out;
    }

    /**
     * The bytes of a segment as they are now: a fresh read of its folios (confirmed against the
     * cookie under OPTIMISTIC_CONFIRM: null when the confirm failed), or its private copy.
     */
    byte[] read(InFlight t, OutboundSegment s) {
      if (s.copy != null) {
        return s.copy.toByteArray();
      }
      ReadFolioRequest.Builder r = ReadFolioRequest.newBuilder().addAllSlices(s.refs);
      if (optimistic()) {
        r.setConfirm(true).setFileId(w.getFileId()).setExpectedCookie(t.cookie);
      }
      ReadFolioReply reply = storage().readFolio(r.build());
      return reply.getConfirmFailed() ? null : reply.getData().toByteArray();
    }

    /** One transmission of a segment. False when an OPTIMISTIC_CONFIRM read failed its confirm. */
    boolean transmit(InFlight t, OutboundSegment s, EmulatedLink link) {
      int attempt;
      synchronized (t) {
        attempt = s.attempts++;
        s.rtoDeadline = System.nanoTime() + w.getLink().getRtoUs() * 1000;
      }
      if (attempt > 0) {
        retransmissions.incrementAndGet();
      }
      if (attempt == 0 && stableFromChecksum() && !s.refs.isEmpty()) {
        List<Long> ids = new ArrayList<>();
        s.refs.forEach(r -> ids.add(r.getFolioId()));
        storage().stableHold(StableHoldRequest.newBuilder().addAllFolioIds(ids).setBegin(true).build());
        synchronized (t) {
          s.stableHeld = true;
        }
      }
      SenderMode mode = w.getSenderMode();
      byte[] plaintext;
      byte[] payload;
      byte[] tag = null;
      long csumAt;
      long dmaAt;
      int checksum;
      boolean changed = false;
      boolean reused = false;
      switch (mode) {
        case CSUM_SOFTWARE -> {
          byte[] csumBytes = read(t, s);
          csumAt = Clocks.epochNanos(clock);
          if (csumBytes == null) {
            return false;
          }
          sleeper.sleepMicros(w.getCsumToDmaUs());
          plaintext = read(t, s);
          dmaAt = Clocks.epochNanos(clock);
          if (plaintext == null) {
            return false;
          }
          checksum = crc(csumBytes);
          changed = !Arrays.equals(csumBytes, plaintext);
          payload = plaintext;
        }
        case TLS_SW -> {
          if (s.ciphertext == null) {
            plaintext = read(t, s);
            csumAt = Clocks.epochNanos(clock);
            if (plaintext == null) {
              return false;
            }
            TlsRecords.Sealed sealed = TlsRecords.seal(tlsKey, TlsRecords.nonce(t.id, s.seq, t.attempt), plaintext);
            s.ciphertext = sealed.ciphertext();
            s.firstTag = sealed.tag();
            s.firstCrc = crc(plaintext);
            bytesEncrypted.addAndGet(plaintext.length);
          } else {
            csumAt = Clocks.epochNanos(clock);
            reused = true;
          }
          sleeper.sleepMicros(w.getCsumToDmaUs());
          dmaAt = Clocks.epochNanos(clock);
          payload = s.ciphertext;
          tag = s.firstTag;
          plaintext = null;
          checksum = crc(payload);
        }
        case TLS_OFFLOAD -> {
          sleeper.sleepMicros(w.getCsumToDmaUs());
          plaintext = read(t, s);
          dmaAt = Clocks.epochNanos(clock);
          csumAt = dmaAt;
          if (plaintext == null) {
            return false;
          }
          TlsRecords.Sealed sealed = TlsRecords.seal(tlsKey, TlsRecords.nonce(t.id, s.seq, t.attempt), plaintext);
          if (s.firstTag == null) {
            s.firstTag = sealed.tag();
          }
          payload = sealed.ciphertext();
          tag = s.firstTag; // the tag left with the first transmission; a resync re-encrypts only the data
          checksum = crc(payload);
        }
        default -> {
          sleeper.sleepMicros(w.getCsumToDmaUs());
          plaintext = read(t, s);
          dmaAt = Clocks.epochNanos(clock);
          csumAt = dmaAt;
          if (plaintext == null) {
            return false;
          }
          checksum = crc(plaintext);
          payload = plaintext;
        }
      }
      Segment.Builder seg = Segment.newBuilder().setContext(w.getContext()).setTransferId(t.id).setFileId(w.getFileId())
          .setSeq(s.seq).setSegmentCount(t.segments.size()).setFileOffset(s.fileOffset).setTransferOffset(t.offset)
          .setTransferLength(t.length).setAttempt(attempt).setPayload(ByteString.copyFrom(payload)).setChecksum(checksum)
          .setSpliceVersion(t.version).setSpliceAttempt(t.attempt);
      if (tag != null) {
        seg.setTls(true).setTlsTag(ByteString.copyFrom(tag));
      }
      EmulatedLink.Fate fate = link.send(seg.build());
      segments.incrementAndGet();
      events.publish(Topics.SEGMENTS, w.getFileId(), SegmentRecord.newBuilder().setContext(w.getContext())
          .setTransferId(t.id).setFileId(w.getFileId()).setSeq(s.seq).setAttempt(attempt).setFileOffset(s.fileOffset)
          .setLength(s.length).setCsumReadNanos(csumAt).setDmaReadNanos(dmaAt).setChecksum(checksum)
          .setChangedBetweenReads(changed).setLostOnLink(fate != EmulatedLink.Fate.SENT).setSpliceAttempt(t.attempt)
          .setPlaintextCrc(plaintext != null ? crc(plaintext) : s.firstCrc).setReused(reused)
          .setSegmentCount(t.segments.size()).build());
      return true;
    }

    int crc(byte[] b) {
      CRC32C c = new CRC32C();
      c.update(b);
      return (int) c.getValue();
    }

    /** Waits for every segment's ack, retransmitting on RTO and releasing stable holds as acks come. */
    Outcome awaitAcks(InFlight t, EmulatedLink link) {
      while (true) {
        List<OutboundSegment> due = new ArrayList<>();
        boolean release = false;
        synchronized (t) {
          if (t.macFailure) {
            return Outcome.ABORTED;
          }
          long now = System.nanoTime();
          long next = Long.MAX_VALUE;
          boolean all = true;
          for (OutboundSegment s : t.segments) {
            if (s.acked) {
              release |= s.stableHeld;
              continue;
            }
            all = false;
            if (now >= s.rtoDeadline) {
              if (s.attempts >= w.getLink().getMaxAttempts()) {
                return Outcome.ABANDONED;
              }
              due.add(s);
            } else {
              next = Math.min(next, s.rtoDeadline);
            }
          }
          if (all) {
            return Outcome.ACKED;
          }
          if (now > abandonAfter) {
            return Outcome.ABANDONED;
          }
          if (due.isEmpty() && !release) {
            long waitNanos = Math.min(next, abandonAfter) - now;
            try {
              TimeUnit.NANOSECONDS.timedWait(t, Math.max(1000, waitNanos));
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              return Outcome.ABANDONED;
            }
            continue;
          }
        }
        if (release) {
          releaseHolds(t, false);
        }
        for (OutboundSegment s : due) {
          if (!transmit(t, s, link)) {
            return Outcome.CONFIRM_FAILED;
          }
        }
      }
    }

    /** The receiver aborted a connection (TLS MAC failure): its transfer in flight is lost. */
    void onLinkBroken(int conn) {
      String prefix = w.getContext().getRunId() + "/" + w.getContext().getCell() + "/" + conn + "/";
      for (InFlight t : inFlight.values()) {
        if (t.id.startsWith(prefix)) {
          synchronized (t) {
            t.notifyAll();
          }
        }
      }
    }

    void onAck(Ack ack) {
      InFlight t = inFlight.get(ack.getTransferId());
      if (!ack.getAccepted()) {
        checksumRejects.incrementAndGet();
      }
      if (ack.getMacFailure()) {
        macFailures.incrementAndGet();
      }
      if (t == null || ack.getSpliceAttempt() != t.attempt) {
        return;
      }
      synchronized (t) {
        if (ack.getMacFailure()) {
          t.macFailure = true;
          t.notifyAll();
        } else if (ack.getAccepted() && ack.getSeq() < t.segments.size()) {
          t.segments.get(ack.getSeq()).acked = true;
          t.notifyAll();
        }
      }
    }
  }

  /** One splice attempt of a transfer between drain and its last ack. */
  private static final class InFlight {
    final String id;
    final long offset;
    final long length;
    final long version;
    final long cookie;
    final int attempt;
    final List<OutboundSegment> segments;
    /** Guarded by this. */
    boolean macFailure;

    InFlight(String id, long offset, long length, long version, long cookie, int attempt, List<OutboundSegment> segments) {
      this.id = id;
      this.offset = offset;
      this.length = length;
      this.version = version;
      this.cookie = cookie;
      this.attempt = attempt;
      this.segments = segments;
    }
  }
}
