package dev.splicelab.common.faults;

import dev.splicelab.common.grpc.Args;
import dev.splicelab.common.grpc.Calls;
import dev.splicelab.proto.ClearFaults;
import dev.splicelab.proto.FaultControlGrpc;
import dev.splicelab.proto.FaultState;
import dev.splicelab.proto.TransportFault;
import dev.splicelab.proto.TransportFaultKind;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The active transport faults of this service and the server interceptor that applies them to
 * every call except FaultControl's own. Thread-safe.
 */
public final class TransportFaults extends FaultControlGrpc.FaultControlImplBase implements ServerInterceptor {

  private record Active(TransportFault spec, long untilNanos, SplittableRandom random) {}

  private final List<Active> active = new CopyOnWriteArrayList<>();
  private final Map<String, AtomicLong> affected = new ConcurrentHashMap<>();

  @Override
  public void inject(TransportFault f, StreamObserver<FaultState> out) {
    Calls.unary(out, () -> {
      Args.known("kind", f.getKind(), TransportFaultKind.TRANSPORT_FAULT_KIND_UNSPECIFIED, f.getKindValue());
      Args.range("duration_ms", f.getDurationMs(), 1, 3_600_000);
      if (f.getKind() == TransportFaultKind.GRPC_LATENCY) {
        Args.range("latency_us", f.getLatencyUs(), 1, 10_000_000);
      } else {
        Args.require(f.getProbability() > 0 && f.getProbability() <= 1, "probability", "must be > 0 and at most 1", f.getProbability());
      }
      active.add(new Active(f, System.nanoTime() + f.getDurationMs() * 1_000_000, new SplittableRandom(f.getSeed())));
      return state();
    });
  }

  @Override
  public void clear(ClearFaults r, StreamObserver<FaultState> out) {
    Calls.unary(out, () -> {
      active.clear();
      return state();
    });
  }

  private FaultState state() {
    long now = System.nanoTime();
    active.removeIf(a -> a.untilNanos() < now);
    Map<String, Long> counts = new TreeMap<>();
    affected.forEach((k, v) -> counts.put(k, v.get()));
    return FaultState.newBuilder().setActive(active.size()).putAllAffected(counts).build();
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (call.getMethodDescriptor().getServiceName() != null
        && call.getMethodDescriptor().getServiceName().endsWith("FaultControl")) {
      return next.startCall(call, headers);
    }
    long now = System.nanoTime();
    for (Active a : active) {
      if (a.untilNanos() < now) {
        active.remove(a);
        continue;
      }
      TransportFault f = a.spec();
      switch (f.getKind()) {
        case GRPC_LATENCY -> {
          count(f);
          LockSupport.parkNanos(f.getLatencyUs() * 1000);
        }
        case GRPC_RESET -> {
          if (draw(a) < f.getProbability()) {
            count(f);
            call.close(Status.UNAVAILABLE.withDescription("connection reset (injected transport fault)"), new Metadata());
            return new ServerCall.Listener<>() {};
          }
        }
        case GRPC_TIMEOUT -> {
          if (draw(a) < f.getProbability()) {
            count(f);
            // never answered: the listener swallows the call; the client's deadline ends it
            return new ForwardingServerCallListener.SimpleForwardingServerCallListener<Q>(new ServerCall.Listener<>() {}) {};
          }
        }
        default -> { }
      }
    }
    return next.startCall(call, headers);
  }

  private static double draw(Active a) {
    synchronized (a.random()) {
      return a.random().nextDouble();
    }
  }

  private void count(TransportFault f) {
    affected.computeIfAbsent(f.getKind().name(), k -> new AtomicLong()).incrementAndGet();
  }
}
