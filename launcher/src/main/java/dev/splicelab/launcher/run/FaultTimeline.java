package dev.splicelab.launcher.run;

import dev.splicelab.launcher.fleet.ServiceFleet;
import dev.splicelab.launcher.scenario.Scenario;
import dev.splicelab.proto.FaultControlGrpc;
import dev.splicelab.proto.TransportFault;
import dev.splicelab.proto.TransportFaultKind;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Applies a scenario's transport faults on the cell's timeline: gRPC faults through the target's
 * FaultControl service (its own interceptor applies them), process faults through the fleet
 * (SIGSTOP/SIGCONT, SIGKILL and restart). Each fault is logged when it starts and ends. Thread-safe.
 */
final class FaultTimeline implements AutoCloseable {

  private final ServiceFleet fleet;
  private final PrintStream out;
  private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2, r -> {
    Thread t = new Thread(r, "fault-timeline");
    t.setDaemon(true);
    return t;
  });
  private final List<ScheduledFuture<?>> pending = new ArrayList<>();

  FaultTimeline(ServiceFleet fleet, PrintStream out) {
    this.fleet = fleet;
    this.out = out;
  }

  static ServiceFleet.Service service(String target) {
    for (ServiceFleet.Service s : ServiceFleet.Service.values()) {
      if (s.artifact.equals(target)) {
        return s;
      }
    }
    throw new IllegalArgumentException("faults.target: unknown service '" + target + "'");
  }

  synchronized void schedule(List<Scenario.FaultSpec> faults, long seed, String label) {
    int i = 0;
    for (Scenario.FaultSpec f : faults) {
      long seedI = seed + i++;
      pending.add(timer.schedule(() -> apply(f, seedI, label), f.start().toMillis(), TimeUnit.MILLISECONDS));
    }
  }

  private void apply(Scenario.FaultSpec f, long seed, String label) {
    ServiceFleet.Service target = service(f.target());
    try {
      switch (f.kind()) {
        case "pause_process" -> {
          out.printf("%s fault: SIGSTOP %s for %d ms%n", label, f.target(), f.duration().toMillis());
          fleet.pause(target);
          timer.schedule(() -> {
            fleet.resume(target);
            out.printf("%s fault: SIGCONT %s%n", label, f.target());
          }, f.duration().toMillis(), TimeUnit.MILLISECONDS);
        }
        case "kill_restart" -> {
          out.printf("%s fault: SIGKILL %s, restarting it%n", label, f.target());
          double s = fleet.killAndRestart(target);
          out.printf("%s fault: %s healthy again after %.1f s%n", label, f.target(), s);
        }
        default -> {
          TransportFaultKind kind = switch (f.kind()) {
            case "grpc_latency" -> TransportFaultKind.GRPC_LATENCY;
            case "grpc_reset" -> TransportFaultKind.GRPC_RESET;
            default -> TransportFaultKind.GRPC_TIMEOUT;
          };
          ManagedChannel ch = ManagedChannelBuilder.forTarget(fleet.endpoint(target).grpc()).usePlaintext().build();
          try {
            FaultControlGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS).inject(TransportFault.newBuilder()
                .setKind(kind).setDurationMs(f.duration().toMillis()).setLatencyUs(f.latencyMicros())
                .setProbability(f.probability()).setSeed(seed).build());
          } finally {
            ch.shutdownNow();
          }
          out.printf("%s fault: %s on %s for %d ms%s%n", label, f.kind(), f.target(), f.duration().toMillis(),
              kind == TransportFaultKind.GRPC_LATENCY ? " (+" + f.latencyMicros() + " us per call)"
                  : " (probability " + f.probability() + " per call)");
        }
      }
    } catch (RuntimeException e) {
      out.printf("%s fault %s on %s could not be applied: %s%n", label, f.kind(), f.target(), e.getMessage());
    }
  }

  /** Cancels faults not started yet and resumes any paused process (the cell is over). */
  synchronized void endCell() {
    pending.forEach(p -> p.cancel(false));
    pending.clear();
    fleet.resumeAll();
  }

  @Override
  public void close() {
    timer.shutdownNow();
    fleet.resumeAll();
  }
}
