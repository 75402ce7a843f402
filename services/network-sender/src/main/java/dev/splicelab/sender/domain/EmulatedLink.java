package dev.splicelab.sender.domain;

import dev.splicelab.proto.Ack;
import dev.splicelab.proto.LinkProfile;
import dev.splicelab.proto.ReceiverGrpc;
import dev.splicelab.proto.Segment;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One emulated connection to the receiver: a real gRPC bidi stream over TCP, with latency,
 * jitter and loss applied to each data segment before it is written, and latency applied to each
 * acknowledgement before it is handed back. Thread-safe; a broken stream is reopened on the next
 * send (segments in flight on the broken stream are simply lost, as on a reset connection).
 */
public final class EmulatedLink implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EmulatedLink.class);

  private final ReceiverGrpc.ReceiverStub receiver;
  private final LinkProfile profile;
  private final RandomGenerator random;
  private final ScheduledExecutorService timer;
  private final Consumer<Ack> onAck;
  private StreamObserver<Segment> stream;

  public EmulatedLink(ReceiverGrpc.ReceiverStub receiver, LinkProfile profile, RandomGenerator random,
      ScheduledExecutorService timer, Consumer<Ack> onAck) {
    this.receiver = receiver;
    this.profile = profile;
    this.random = random;
    this.timer = timer;
    this.onAck = onAck;
  }

  /** Returns false if the link dropped the segment (loss); otherwise it arrives after the delay. */
  public boolean send(Segment segment) {
    double draw;
    long delay;
    synchronized (this) {
      draw = random.nextDouble();
      delay = profile.getLatencyUs() + (profile.getJitterUs() > 0 ? random.nextLong(profile.getJitterUs() + 1) : 0);
    }
    if (draw < profile.getLoss()) {
      return false;
    }
    timer.schedule(() -> write(segment), delay, TimeUnit.MICROSECONDS);
    return true;
  }

  private synchronized void write(Segment segment) {
    try {
      if (stream == null) {
        stream = receiver.transmit(new StreamObserver<>() {
          @Override
          public void onNext(Ack ack) {
            timer.schedule(() -> onAck.accept(ack), profile.getLatencyUs(), TimeUnit.MICROSECONDS);
          }

          @Override
          public void onError(Throwable t) {
            log.warn("link to receiver broke: {}", t.toString());
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

  private synchronized void reset() {
    stream = null;
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
