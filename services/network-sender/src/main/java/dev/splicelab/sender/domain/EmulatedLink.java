package dev.splicelab.sender.domain;

import com.google.protobuf.ByteString;
import dev.splicelab.proto.Ack;
import dev.splicelab.proto.AckBurst;
import dev.splicelab.proto.SegmentBurst;
import dev.splicelab.proto.LinkProfile;
import dev.splicelab.proto.ReceiverGrpc;
import dev.splicelab.proto.Segment;
import dev.splicelab.proto.TimeWindow;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One emulated connection to the receiver: a real gRPC bidi stream over TCP. Each data segment
 * spends its serialization time on the wire (the NIC schedules it at the link's bandwidth), then
 * is delayed by latency + jitter (+ the reorder delay for a reordered one), may be dropped (loss,
 * or a partition window), duplicated, or have one bit flipped; each ack comes back after the latency unless a partition is in force. Thread-safe. A
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
  private StreamObserver<SegmentBurst> stream;

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

  /**
   * Puts the segments DMAed together on the link: they arrive together (one burst) after
   * {@code serializeNanos} (their time on the wire at the link's bandwidth, which the NIC
   * schedules) plus the latency and one draw of jitter. Each segment may be dropped, have one bit
   * flipped, arrive a second time, or be held back by the reorder delay (it then arrives in a
   * later burst). Returns each segment's fate, in order.
   */
  public List<Fate> send(List<Segment> burst, long serializeNanos) {
    long now = System.nanoTime();
    if (partitioned(now)) {
      return java.util.Collections.nCopies(burst.size(), Fate.PARTITIONED);
    }
    List<Fate> fates = new ArrayList<>(burst.size());
    List<Segment> onTime = new ArrayList<>(burst.size());
    List<Segment> late = new ArrayList<>();
    List<Segment> twice = new ArrayList<>();
    long delayMicros;
    synchronized (this) {
      delayMicros = serializeNanos / 1000 + profile.getLatencyUs()
          + (profile.getJitterUs() > 0 ? random.nextLong(profile.getJitterUs() + 1) : 0);
      for (Segment segment : burst) {
        if (random.nextDouble() < profile.getLoss()) {
          fates.add(Fate.LOST);
          continue;
        }
        fates.add(Fate.SENT);
        Segment wire = segment;
        if (random.nextDouble() < profile.getCorrupt() && !segment.getPayload().isEmpty()) {
          byte[] bytes = segment.getPayload().toByteArray();
          int bit = random.nextInt(bytes.length * 8);
          bytes[bit / 8] ^= (byte) (1 << (bit % 8));
          wire = segment.toBuilder().setPayload(ByteString.copyFrom(bytes)).build();
        }
        (random.nextDouble() < profile.getReorder() ? late : onTime).add(wire);
        if (random.nextDouble() < profile.getDuplicate()) {
          twice.add(segment);
        }
      }
    }
    deliver(onTime, delayMicros);
    deliver(late, delayMicros + profile.getReorderDelayUs());
    deliver(twice, delayMicros + profile.getLatencyUs() / 2 + 1);
    return fates;
  }

  private void deliver(List<Segment> segments, long delayMicros) {
    if (segments.isEmpty()) {
      return;
    }
    SegmentBurst b = SegmentBurst.newBuilder().addAllSegments(segments).build();
    if (delayMicros <= 0) {
      write(b); // no delay to emulate: no hand-off to the timer
    } else {
      timer.schedule(() -> write(b), delayMicros, TimeUnit.MICROSECONDS);
    }
  }

  private synchronized void write(SegmentBurst burst) {
    if (partitioned(System.nanoTime())) {
      return;
    }
    try {
      if (stream == null) {
        stream = receiver.transmit(new StreamObserver<>() {
          @Override
          public void onNext(AckBurst acks) {
            Runnable arrive = () -> {
              if (!partitioned(System.nanoTime())) {
                acks.getAcksList().forEach(onAck);
              }
            };
            if (profile.getLatencyUs() <= 0) {
              arrive.run();
            } else {
              timer.schedule(arrive, profile.getLatencyUs(), TimeUnit.MICROSECONDS);
            }
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
      stream.onNext(burst);
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
