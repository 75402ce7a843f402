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
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Locale;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The active transport faults of this service and the server interceptor that applies them to
 * every call except FaultControl's own. NETWORK_TOXIC faults are recorded only (applied outside
 * the process): they are reported as active, never applied. As a {@link MeterBinder} it exports
 * {@code splicelab.fault.active{kind}}: the faults of each kind active now. Thread-safe.
 */
public final class TransportFaults extends FaultControlGrpc.FaultControlImplBase implements ServerInterceptor, MeterBinder {

  private static final Logger log = LoggerFactory.getLogger(TransportFaults.class);

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
      } else if (f.getKind() != TransportFaultKind.NETWORK_TOXIC) {
        Args.require(f.getProbability() > 0 && f.getProbability() <= 1, "probability", "must be > 0 and at most 1", f.getProbability());
      }
      active.add(new Active(f, System.nanoTime() + f.getDurationMs() * 1_000_000, new SplittableRandom(f.getSeed())));
      log.info("transport fault active for {} ms: {}{}", f.getDurationMs(), f.getKind(),
          f.getLabel().isBlank() ? "" : " (" + f.getLabel() + ")");
      return state();
    });
  }

  /** Registers {@code splicelab.fault.active} for every kind now, so each series exists (at 0) before any fault. */
  @Override
  public void bindTo(MeterRegistry registry) {
    for (TransportFaultKind kind : TransportFaultKind.values()) {
      if (kind != TransportFaultKind.TRANSPORT_FAULT_KIND_UNSPECIFIED && kind != TransportFaultKind.UNRECOGNIZED) {
        Gauge.builder("splicelab.fault.active", this, t -> t.activeCount(kind))
            .description("Transport faults of this kind active in this service now (network_toxic: recorded only)")
            .tag("kind", kind.name().toLowerCase(Locale.ROOT)).register(registry);
      }
    }
  }

  /** Faults of this kind active now (expired ones excluded even before they are removed). */
  public int activeCount(TransportFaultKind kind) {
    long now = System.nanoTime();
    int n = 0;
    for (Active a : active) {
      if (a.spec().getKind() == kind && a.untilNanos() >= now) {
        n++;
      }
    }
    return n;
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
        case NETWORK_TOXIC -> { } // recorded only: applied outside the process, calls are not altered here
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
