package dev.splicelab.sender.domain;

import com.google.protobuf.ByteString;
import dev.splicelab.common.cells.CellCodec;
import dev.splicelab.common.kafka.EventPublisher;
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
 * DMA read, send) -> wait for acks, retransmitting (with a fresh read of the folios) on RTO ->
 * unpin. One workload at a time. Public methods are thread-safe.
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

  public TransferEngine(Peers peers, EventPublisher events, Clock clock, Sleeper sleeper) {
    this.peers = peers;
    this.events = events;
    this.clock = clock;
    this.sleeper = sleeper;
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
    final Recorder latency = new Recorder(3);
    final Histogram latencyTotal = new Histogram(3);
    volatile String lastError = "";
    final ConcurrentHashMap<String, InFlight> inFlight = new ConcurrentHashMap<>();

    Run(TransferWorkload w, long fileSize) {
      this.w = w;
      this.fileSize = fileSize;
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
      EmulatedLink link = new EmulatedLink(peers.receiver(), w.getLink(), random.split(), timer, this::onAck);
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

    void transferOnce(int conn, long seq, long pipeId, EmulatedLink link, SplittableRandom random) {
      long cells = (w.getMaxTransferBytes() - w.getMinTransferBytes()) / CellCodec.CELL;
      long length = w.getMinTransferBytes() + CellCodec.CELL * (cells > 0 ? random.nextLong(cells + 1) : 0);
      length = Math.min(length, fileSize);
      long offset = CellCodec.CELL * random.nextLong((fileSize - length) / CellCodec.CELL + 1);
      long residency = w.getMinResidencyUs() + (w.getMaxResidencyUs() > w.getMinResidencyUs()
          ? random.nextLong(w.getMaxResidencyUs() - w.getMinResidencyUs() + 1) : 0);
      String transferId = w.getContext().getRunId() + "/" + w.getContext().getCell() + "/" + conn + "/" + seq;

      long t0 = System.nanoTime();
      SpliceInReply spliced = peers.pipes().withDeadlineAfter(10, TimeUnit.SECONDS).spliceIn(SpliceInRequest.newBuilder()
          .setContext(w.getContext()).setPipeId(pipeId).setFileId(w.getFileId()).setOffset(offset).setLength(length)
          .setTransferId(transferId).build());
      if (spliced.getLength() == 0) {
        shortSplices.incrementAndGet();
        return;
      }
      started.incrementAndGet();
      if (spliced.getLength() < length) {
        shortSplices.incrementAndGet();
      }
      sleeper.sleepMicros(residency);
      List<PipeBuffer> buffers = peers.pipes().withDeadlineAfter(10, TimeUnit.SECONDS)
          .drain(DrainRequest.newBuilder().setPipeId(pipeId).setMaxBytes(spliced.getLength()).build()).getBuffersList();
      List<Long> pins = new ArrayList<>();
      for (PipeBuffer b : buffers) {
        if (b.hasRef()) {
          pins.add(b.getRef().getFolioId());
        } else {
          bytesCopied.addAndGet(b.getLength());
        }
      }
      long pinned = pinnedBytes.addAndGet((long) pins.size() * 4096);
      peakPinned.accumulateAndGet(pinned, Math::max);
      InFlight t = new InFlight(transferId, offset, spliced.getLength(), spliced.getVersion(), cut(buffers));
      inFlight.put(transferId, t);
      try {
        for (OutboundSegment s : t.segments) {
          transmit(t, s, link);
        }
        boolean done = awaitAcks(t, link);
        if (done) {
          completed.incrementAndGet();
          bytesAcked.addAndGet(t.length);
          latency.recordValue(Math.max(1, (System.nanoTime() - t0) / 1000));
        } else {
          abandoned.incrementAndGet();
        }
      } finally {
        inFlight.remove(transferId);
        if (!pins.isEmpty()) {
          peers.storage().withDeadlineAfter(10, TimeUnit.SECONDS).unpin(UnpinRequest.newBuilder().addAllFolioIds(pins).build());
          pinnedBytes.addAndGet(-(long) pins.size() * 4096);
        }
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

    /** The bytes of a segment as they are now: a fresh read of its folios, or its private copy. */
    byte[] read(OutboundSegment s) {
      if (s.copy != null) {
        return s.copy.toByteArray();
      }
      return peers.storage().withDeadlineAfter(10, TimeUnit.SECONDS)
          .readFolio(ReadFolioRequest.newBuilder().addAllSlices(s.refs).build()).getData().toByteArray();
    }

    void transmit(InFlight t, OutboundSegment s, EmulatedLink link) {
      int attempt;
      synchronized (t) {
        attempt = s.attempts++;
        s.rtoDeadline = System.nanoTime() + w.getLink().getRtoUs() * 1000;
      }
      if (attempt > 0) {
        retransmissions.incrementAndGet();
      }
      boolean software = w.getSenderMode() == SenderMode.CSUM_SOFTWARE;
      long csumAt = 0;
      byte[] csumBytes = null;
      if (software) {
        csumBytes = read(s);
        csumAt = Clocks.epochNanos(clock);
      }
      sleeper.sleepMicros(w.getCsumToDmaUs());
      byte[] dma = read(s);
      long dmaAt = Clocks.epochNanos(clock);
      if (!software) {
        csumBytes = dma;
        csumAt = dmaAt;
      }
      CRC32C crc = new CRC32C();
      crc.update(csumBytes);
      int checksum = (int) crc.getValue();
      Segment seg = Segment.newBuilder().setContext(w.getContext()).setTransferId(t.id).setFileId(w.getFileId())
          .setSeq(s.seq).setSegmentCount(t.segments.size()).setFileOffset(s.fileOffset).setTransferOffset(t.offset)
          .setTransferLength(t.length).setAttempt(attempt).setPayload(ByteString.copyFrom(dma)).setChecksum(checksum)
          .setSpliceVersion(t.version).build();
      boolean delivered = link.send(seg);
      segments.incrementAndGet();
      events.publish(Topics.SEGMENTS, w.getFileId(), SegmentRecord.newBuilder().setContext(w.getContext())
          .setTransferId(t.id).setFileId(w.getFileId()).setSeq(s.seq).setAttempt(attempt).setFileOffset(s.fileOffset)
          .setLength(s.length).setCsumReadNanos(csumAt).setDmaReadNanos(dmaAt).setChecksum(checksum)
          .setChangedBetweenReads(software && !Arrays.equals(csumBytes, dma)).setLostOnLink(!delivered).build());
    }

    /** Waits for every segment's ack, retransmitting on RTO. False if abandoned. */
    boolean awaitAcks(InFlight t, EmulatedLink link) {
      while (true) {
        List<OutboundSegment> due = new ArrayList<>();
        synchronized (t) {
          long now = System.nanoTime();
          long next = Long.MAX_VALUE;
          boolean all = true;
          for (OutboundSegment s : t.segments) {
            if (s.acked) {
              continue;
            }
            all = false;
            if (now >= s.rtoDeadline) {
              if (s.attempts >= w.getLink().getMaxAttempts()) {
                return false;
              }
              due.add(s);
            } else {
              next = Math.min(next, s.rtoDeadline);
            }
          }
          if (all) {
            return true;
          }
          if (now > abandonAfter) {
            return false;
          }
          if (due.isEmpty()) {
            long waitNanos = Math.min(next, abandonAfter) - now;
            try {
              TimeUnit.NANOSECONDS.timedWait(t, Math.max(1000, waitNanos));
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              return false;
            }
            continue;
          }
        }
        for (OutboundSegment s : due) {
          transmit(t, s, link);
        }
      }
    }

    void onAck(Ack ack) {
      InFlight t = inFlight.get(ack.getTransferId());
      if (!ack.getAccepted()) {
        checksumRejects.incrementAndGet();
      }
      if (t == null) {
        return;
      }
      synchronized (t) {
        if (ack.getAccepted() && ack.getSeq() < t.segments.size()) {
          t.segments.get(ack.getSeq()).acked = true;
          t.notifyAll();
        }
      }
    }
  }

  /** A transfer between drain and its last ack. */
  private static final class InFlight {
    final String id;
    final long offset;
    final long length;
    final long version;
    final List<OutboundSegment> segments;

    InFlight(String id, long offset, long length, long version, List<OutboundSegment> segments) {
      this.id = id;
      this.offset = offset;
      this.length = length;
      this.version = version;
      this.segments = segments;
    }
  }
}
