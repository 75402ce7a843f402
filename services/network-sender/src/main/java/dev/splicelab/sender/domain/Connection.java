package dev.splicelab.sender.domain;

import dev.splicelab.common.cells.CellCodec;
import dev.splicelab.common.pins.Pins;
import dev.splicelab.common.time.Clocks;
import dev.splicelab.proto.*;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection of the application: its pipe, its emulated TCP connection (link and NIC) and the
 * application thread that issues its transfers. For each one the thread splices the range into
 * the pipe, leaves the buffers there for the drawn residency (counted from the splice-in, so the
 * time the call took back is not added to it), then splices the pipe to the socket: it drains
 * the buffers and posts them to the NIC, which queues them for the wire, and goes on with the
 * next transfer as Linux's splice to a socket returns once the data is queued. It blocks only
 * while the socket's send buffer holds more than {@code send_buffer_bytes} unacknowledged bytes.
 *
 * <p>Transfers are drawn with the same seeded formulas as the kernel backend's (length, offset,
 * residency), so a seed gives both the same sequence of ranges.
 */
final class Connection implements Runnable {

  private static final Logger log = LoggerFactory.getLogger(Connection.class);
  /** Linux's net.ipv4.tcp_wmem maximum: the send buffer when the workload does not set one. */
  static final long DEFAULT_SEND_BUFFER = 4L << 20;

  final int index;
  private final Workload wl;
  private final SplittableRandom random;
  private final SplittableRandom arrivals;
  final EmulatedLink link;
  final Nic nic;
  private final long sendBuffer;
  private long pipeId = -1;
  /** The connection's pipe (a PipeBroker.Connect stream) and its storage session (app-thread calls). */
  private final PipeSession pipe;
  final dev.splicelab.common.grpc.StorageSession storage;
  private final Thread app;
  /** Jobs whose attempt failed its confirm after posting, to splice again (FIFO). */
  private final ConcurrentLinkedQueue<Job> resplice = new ConcurrentLinkedQueue<>();
  private final ReentrantLock space = new ReentrantLock();
  private final Condition freed = space.newCondition();
  /** Bytes posted and not yet acknowledged (guarded by space). */
  private long queuedBytes;

  Connection(Workload wl, int index) {
    this.wl = wl;
    this.index = index;
    this.random = new SplittableRandom(wl.w.getSeed() * 0x9E3779B97F4A7C15L + index);
    this.arrivals = new SplittableRandom(wl.w.getSeed() * 0xD1B54A32D192ED03L + index);
    this.link = new EmulatedLink(wl.peers.receiver(), wl.w.getLink(), random.split(), wl.timer, wl::onAck,
        () -> log.debug("conn {}: the receiver closed the stream", index), wl.startNanos);
    this.nic = new Nic(wl, this);
    this.sendBuffer = wl.w.getSendBufferBytes() > 0 ? wl.w.getSendBufferBytes() : DEFAULT_SEND_BUFFER;
    this.pipe = new PipeSession(wl.peers.pipes());
    this.storage = new dev.splicelab.common.grpc.StorageSession(wl.peers.sessions());
    this.app = new Thread(this, "conn-" + index);
    this.app.setDaemon(true);
  }

  void start() {
    nic.start();
    app.start();
  }

  boolean alive() {
    return app.isAlive();
  }

  void join(long millis) throws InterruptedException {
    app.join(millis);
  }

  @Override
  public void run() {
    wl.keepsTime();
    try {
      pipeId = pipe.create(CreatePipeRequest.newBuilder().setCapacity(wl.w.getPipeCapacity()).build()).getPipeId();
    } catch (RuntimeException e) {
      wl.lastError = "conn " + index + ": cannot create pipe: " + e;
      log.error(wl.lastError);
      return;
    }
    double rate = wl.w.getArrivalRatePerSecond() / wl.w.getConnections();
    long next = System.nanoTime();
    long seq = 0;
    while (wl.issuing && (wl.w.getMaxTransfers() == 0 || wl.started.get() < wl.w.getMaxTransfers())) {
      try {
        Job again = resplice.poll();
        if (again != null) {
          attempt(again);
          continue;
        }
        long start = System.nanoTime();
        if (rate > 0) {
          next += (long) (-Math.log(1 - arrivals.nextDouble()) / rate * 1e9);
          long wait = next - System.nanoTime();
          if (wait > 0) {
            wl.sleeper.sleepMicros(wait / 1000);
          }
          start = next; // the latency counts from the scheduled start
        }
        attempt(draw(seq++, start));
      } catch (RuntimeException e) {
        wl.lastError = "conn " + index + ": " + e;
        log.warn("transfer failed: {}", e.toString());
        wl.sleeper.sleepMicros(10_000);
      }
    }
    for (Job j; (j = resplice.poll()) != null; ) {
      wl.gaveUp(j); // no new attempt once stopping
    }
  }

  /** The next transfer: the same seeded draws, in the same order, as the kernel backend's. */
  private Job draw(long seq, long startNanos) {
    TransferWorkload w = wl.w;
    long cells = (w.getMaxTransferBytes() - w.getMinTransferBytes()) / CellCodec.CELL;
    long length = w.getMinTransferBytes() + CellCodec.CELL * (cells > 0 ? random.nextLong(cells + 1) : 0);
    length = Math.min(length, wl.fileSize);
    long offset = CellCodec.CELL * random.nextLong((wl.fileSize - length) / CellCodec.CELL + 1);
    long residency = w.getMinResidencyUs() + (w.getMaxResidencyUs() > w.getMinResidencyUs()
        ? random.nextLong(w.getMaxResidencyUs() - w.getMinResidencyUs() + 1) : 0);
    String id = w.getContext().getRunId() + "/" + w.getContext().getCell() + "/" + index + "/" + seq;
    return new Job(id, offset, length, residency, startNanos);
  }

  /** One splice attempt of a job: splice-in, residency, drain, confirm, hold, post. */
  private void attempt(Job job) {
    TransferWorkload w = wl.w;
    Strategy strategy = w.getContext().getStrategy();
    if (strategy == Strategy.COMPLETION_AFTER_SNAPSHOT && !job.sendRegistered) {
      storage.sendRange(SendRangeRequest.newBuilder().setFileId(w.getFileId()).setSendId(job.id)
          .setOffset(job.offset).setLength(job.length).setBegin(true).build());
      job.sendRegistered = true;
    }
    int number = job.attempts++;
    SpliceInReply spliced = pipe.spliceIn(SpliceInRequest.newBuilder()
        .setContext(w.getContext()).setPipeId(pipeId).setFileId(w.getFileId()).setOffset(job.offset)
        .setLength(job.length).setTransferId(job.id).setAttempt(number)
        .setStableFromSplice(strategy == Strategy.STABLE_PAGES && w.getStableHoldFrom() == StableHoldFrom.FROM_SPLICE)
        .build());
    if (spliced.getLength() == 0) {
      if (number == 0) {
        wl.shortSplices.incrementAndGet();
      } else {
        wl.abandoned.incrementAndGet();
      }
      wl.endJob(job);
      return;
    }
    if (number == 0) {
      wl.started.incrementAndGet();
      if (spliced.getLength() < job.length) {
        wl.shortSplices.incrementAndGet();
      }
    }
    wl.bytesCopied.addAndGet(spliced.getBytesCopied());
    long splicedAt = spliced.getAtNanos();
    long replied = Clocks.epochNanos(wl.clock);
    waitUntil(splicedAt + job.residencyMicros * 1000, job.residencyMicros);
    long woke = Clocks.epochNanos(wl.clock);
    long blocked = awaitSpace(spliced.getLength());
    // splice(pipe -> socket): the buffers leave the pipe now. The splice-in's reply already named
    // them, so the drain's round trip to the broker stays out of the race window (the kernel has
    // none); the pins move to this attempt when the drain is done, and are dropped after that.
    List<PipeBuffer> buffers = spliced.getAddedList();
    java.util.concurrent.CompletableFuture<DrainReply> drained =
        pipe.drainLater(DrainRequest.newBuilder().setPipeId(pipeId).setMaxBytes(spliced.getLength()).build());
    UnpinRequest.Builder unpin = UnpinRequest.newBuilder();
    int pinned = 0;
    for (PipeBuffer b : buffers) {
      Pins.release(unpin, b.getRef());
      if (!b.getRef().getAnonymous()) {
        pinned++;
      }
    }
    Attempt a = new Attempt(job, this, number, spliced.getVersion(), spliced.getCookie(), spliced.getLength(), splicedAt,
        cut(buffers), unpin.build(), pinned);
    a.idealPostNanos = splicedAt + job.residencyMicros * 1000 + blocked;
    a.repliedNanos = replied;
    a.wokeNanos = woke;
    a.blockedNanos = blocked;
    a.drained = drained.thenApply(r -> r.getBuffersList().equals(buffers));
    wl.inFlight(a);
    if (wl.optimistic && !a.segments.isEmpty()
        && !wl.reader.confirm(a.segments.get(0).refs.get(0), w.getFileId(), wl.cookieSlot, a.cookie)) {
      wl.end(a, AttemptOutcome.CONFIRM_FAILED);
      return;
    }
    if (wl.stableFromChecksum) {
      wl.hold(a);
    }
    if (!nic.post(a)) {
      wl.end(a, AttemptOutcome.CONFIRM_FAILED);
    }
  }

  /** Sleeps until {@code epochNanos} (the storage node's clock: one host), at most {@code maxMicros} + 1 s. */
  private void waitUntil(long epochNanos, long maxMicros) {
    long left = (epochNanos - Clocks.epochNanos(wl.clock)) / 1000;
    if (left > maxMicros + 1_000_000) {
      left = maxMicros; // the node's clock is not ours: count from now
    }
    if (left > 0) {
      wl.sleeper.sleepMicros(left);
    }
  }

  /**
   * Blocks while the send buffer is full (it takes {@code bytes} when empty, whatever their size),
   * up to the stop deadline; returns the nanoseconds it blocked.
   */
  private long awaitSpace(long bytes) {
    long t0 = System.nanoTime();
    boolean blocked = false;
    space.lock();
    try {
      while (queuedBytes > 0 && queuedBytes + bytes > sendBuffer && System.nanoTime() < wl.abandonAfter) {
        blocked = true;
        try {
          freed.await(10, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      queuedBytes += bytes;
    } finally {
      space.unlock();
    }
    return blocked ? System.nanoTime() - t0 : 0; // a wait for the socket is the scenario's time, not overhead
  }

  /** Frees the send buffer space of an attempt that ended. */
  void release(long bytes) {
    space.lock();
    try {
      queuedBytes -= bytes;
      freed.signalAll();
    } finally {
      space.unlock();
    }
  }

  /** Splices the job again (its attempt failed a confirm after it was posted). */
  void resplice(Job job) {
    resplice.add(job);
  }

  /** Closes the pipe (its remaining buffers are released) and the link. */
  void close() {
    nic.stop();
    link.close();
    if (pipeId >= 0) {
      try {
        pipe.close(PipeId.newBuilder().setPipeId(pipeId).build());
      } catch (RuntimeException e) {
        log.warn("close of pipe {} failed: {}", pipeId, e.toString());
      }
    }
    pipe.close();
    storage.close();
  }

  /** Cuts the drained buffers into segments of segment_bytes (the last one shorter). */
  private List<OutboundSegment> cut(List<PipeBuffer> buffers) {
    List<OutboundSegment> out = new ArrayList<>();
    int segBytes = wl.w.getSegmentBytes();
    List<FolioRef> refs = new ArrayList<>();
    long segStart = -1;
    int segLen = 0;
    for (PipeBuffer b : buffers) {
      int done = 0;
      while (done < b.getLength()) {
        if (segStart < 0) {
          segStart = b.getFileOffset() + done;
        }
        int n = Math.min(b.getLength() - done, segBytes - segLen);
        FolioRef r = b.getRef();
        refs.add(done == 0 && n == r.getLength() ? r : r.toBuilder().setOffsetInFolio(r.getOffsetInFolio() + done)
            .setLength(n).setFileOffset(r.getFileOffset() + done).build());
        done += n;
        segLen += n;
        if (segLen == segBytes) {
          out.add(new OutboundSegment(out.size(), segStart, segLen, List.copyOf(refs)));
          refs.clear();
          segStart = -1;
          segLen = 0;
        }
      }
    }
    if (segLen > 0) {
      out.add(new OutboundSegment(out.size(), segStart, segLen, List.copyOf(refs)));
    }
    return out;
  }
}
