package dev.splicelab.sender.domain;

import com.google.protobuf.ByteString;
import dev.splicelab.proto.Ack;
import dev.splicelab.proto.LinkProfile;
import dev.splicelab.proto.ReceiverGrpc;
import dev.splicelab.proto.Segment;
import dev.splicelab.proto.TimeWindow;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One emulated connection to the receiver: a real gRPC bidi stream over TCP. Each data segment is
 * serialized at the link's bandwidth, then delayed by latency + jitter (+ the reorder delay for a
 * reordered one), may be dropped (loss, or a partition window), duplicated, or have one bit
 * flipped; each ack comes back after the latency unless a partition is in force. Thread-safe. A
 * broken stream (the receiver aborts on a MAC failure) is reopened on the next send; segments in
 * flight on it are lost, as on a reset connection.
 */
public final class EmulatedLink implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EmulatedLink.class);

  /** What the link did with one segment. */
  public enum Fate { SENT, LOST, PARTITIONED }

  private final ReceiverGrpc.ReceiverStub receiver;
  private final LinkProfile profile;
  private final RandomGenerator random;
  private final ScheduledExecutorService timer;
  private final Consumer<Ack> onAck;
  private final Runnable onBroken;
  private final long startNanos;
  private long wireFreeAt;
  private StreamObserver<Segment> stream;

  public EmulatedLink(ReceiverGrpc.ReceiverStub receiver, LinkProfile profile, RandomGenerator random,
      ScheduledExecutorService timer, Consumer<Ack> onAck, Runnable onBroken, long startNanos) {
    this.receiver = receiver;
    this.profile = profile;
    this.random = random;
    this.timer = timer;
    this.onAck = onAck;
    this.onBroken = onBroken;
    this.startNanos = startNanos;
  }

  /** True while a partition window of the profile covers now. */
  boolean partitioned(long nowNanos) {
    long ms = (nowNanos - startNanos) / 1_000_000;
    for (TimeWindow w : profile.getPartitionsList()) {
      if (ms >= w.getStartMs() && ms < w.getStartMs() + w.getDurationMs()) {
        return true;
      }
    }
    return false;
  }

  public Fate send(Segment segment) {
    long now = System.nanoTime();
    if (partitioned(now)) {
      return Fate.PARTITIONED;
    }
    long delayMicros;
    boolean duplicate;
    Segment wire = segment;
    synchronized (this) {
      if (random.nextDouble() < profile.getLoss()) {
        return Fate.LOST;
      }
      long serialize = 0;
      if (profile.getBandwidthBytesPerSecond() > 0) {
        long bytes = segment.getPayload().size() + 64;
        long txNanos = bytes * 1_000_000_000L / profile.getBandwidthBytesPerSecond();
        long startTx = Math.max(now, wireFreeAt);
        wireFreeAt = startTx + txNanos;
        serialize = (wireFreeAt - now) / 1000;
      }
      delayMicros = serialize + profile.getLatencyUs()
          + (profile.getJitterUs() > 0 ? random.nextLong(profile.getJitterUs() + 1) : 0)
          + (random.nextDouble() < profile.getReorder() ? profile.getReorderDelayUs() : 0);
      duplicate = random.nextDouble() < profile.getDuplicate();
      if (random.nextDouble() < profile.getCorrupt() && !segment.getPayload().isEmpty()) {
        byte[] bytes = segment.getPayload().toByteArray();
        int bit = random.nextInt(bytes.length * 8);
        bytes[bit / 8] ^= (byte) (1 << (bit % 8));
        wire = segment.toBuilder().setPayload(ByteString.copyFrom(bytes)).build();
      }
    }
    Segment out = wire;
    timer.schedule(() -> write(out), delayMicros, TimeUnit.MICROSECONDS);
    if (duplicate) {
      timer.schedule(() -> write(segment), delayMicros + profile.getLatencyUs() / 2 + 1, TimeUnit.MICROSECONDS);
    }
    return Fate.SENT;
  }

  private synchronized void write(Segment segment) {
    if (partitioned(System.nanoTime())) {
      return;
    }
    try {
      if (stream == null) {
        stream = receiver.transmit(new StreamObserver<>() {
          @Override
          public void onNext(Ack ack) {
            timer.schedule(() -> {
              if (!partitioned(System.nanoTime())) {
                onAck.accept(ack);
              }
            }, profile.getLatencyUs(), TimeUnit.MICROSECONDS);
          }

          @Override
          public void onError(Throwable t) {
            log.debug("link to receiver broke: {}", t.toString());
            reset();
          }

          @Override
          public void onCompleted() {
            reset();
          }
        });
      }
      stream.onNext(segment);
    } catch (RuntimeException e) {
      log.warn("segment write failed: {}", e.toString());
      stream = null;
    }
  }

  private void reset() {
    synchronized (this) {
      stream = null;
    }
    onBroken.run();
  }

  @Override
  public synchronized void close() {
    if (stream != null) {
      try {
        stream.onCompleted();
      } catch (RuntimeException ignored) {
        // already broken
      }
      stream = null;
    }
  }
}
