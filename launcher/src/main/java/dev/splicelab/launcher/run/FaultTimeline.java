package dev.splicelab.launcher.run;

import dev.splicelab.launcher.fleet.Fleet;
import dev.splicelab.launcher.fleet.NetworkFaults;
import dev.splicelab.launcher.fleet.ServiceFleet;
import dev.splicelab.launcher.scenario.Scenario;
import dev.splicelab.proto.FaultControlGrpc;
import dev.splicelab.proto.TransportFault;
import dev.splicelab.proto.TransportFaultKind;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Applies a scenario's transport faults on the cell's timeline. Network faults (grpc_latency,
 * grpc_reset, grpc_timeout, bandwidth, slicer) on a service with a Toxiproxy proxy in front of it
 * become toxics when the fleet has Toxiproxy (compose); the target's FaultControl is then told
 * (NETWORK_TOXIC, metrics only) so dashboards show the fault. Otherwise gRPC faults go through the
 * target's FaultControl service (its own interceptor applies them), and bandwidth and slicer,
 * which only make sense on a TCP stream, are reported as not applied. Process faults go through
 * the fleet (SIGSTOP/SIGCONT or container pause, kill and restart). Each fault is logged when it
 * starts and ends. Thread-safe.
 */
final class FaultTimeline implements AutoCloseable {

  private final Fleet fleet;
  private final PrintStream out;
  private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2, r -> {
    Thread t = new Thread(r, "fault-timeline");
    t.setDaemon(true);
    return t;
  });
  private final List<ScheduledFuture<?>> pending = new ArrayList<>();
  /** Faults being applied right now (a kill_restart lasts until the service is healthy again). */
  private final int[] inFlight = {0};

  FaultTimeline(Fleet fleet, PrintStream out) {
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
      pending.add(timer.schedule(() -> {
        synchronized (inFlight) {
          inFlight[0]++;
        }
        try {
          apply(f, seedI, label);
        } finally {
          synchronized (inFlight) {
            inFlight[0]--;
            inFlight.notifyAll();
          }
        }
      }, f.start().toMillis(), TimeUnit.MILLISECONDS));
    }
  }

  private void apply(Scenario.FaultSpec f, long seed, String label) {
    ServiceFleet.Service target = service(f.target());
    try {
      switch (f.kind()) {
        case "pause_process" -> {
          out.printf("%s fault: pausing %s for %d ms%n", label, f.target(), f.duration().toMillis());
          fleet.pause(target);
          timer.schedule(() -> {
            fleet.resume(target);
            out.printf("%s fault: resumed %s%n", label, f.target());
          }, f.duration().toMillis(), TimeUnit.MILLISECONDS);
        }
        case "kill_restart" -> {
          out.printf("%s fault: killing %s, restarting it%n", label, f.target());
          double s = fleet.killAndRestart(target);
          out.printf("%s fault: %s healthy again after %.1f s%n", label, f.target(), s);
        }
        default -> {
          Optional<NetworkFaults> net = fleet.network().filter(n -> n.fronts(target));
          if (net.isPresent()) {
            NetworkFaults.Applied a = net.get().apply(f, target, "splicelab-" + f.kind() + "-" + seed);
            out.printf("%s fault: %s for %d ms%n", label, a.description(), f.duration().toMillis());
            announce(target, TransportFault.newBuilder().setKind(TransportFaultKind.NETWORK_TOXIC)
                .setDurationMs(f.duration().toMillis()).setLabel(a.description()).setSeed(seed).build());
            timer.schedule(() -> {
              net.get().remove(a);
              out.printf("%s fault: removed %s%n", label, a.description());
            }, f.duration().toMillis(), TimeUnit.MILLISECONDS);
          } else if (f.kind().equals("bandwidth") || f.kind().equals("slicer")) {
            out.printf("%s fault %s on %s NOT APPLIED: it acts on a TCP stream and needs Toxiproxy in front of the target"
                + " (--target compose with the toxiproxy service; it fronts storage-node and checker)%n", label, f.kind(), f.target());
          } else {
            TransportFaultKind kind = switch (f.kind()) {
              case "grpc_latency" -> TransportFaultKind.GRPC_LATENCY;
              case "grpc_reset" -> TransportFaultKind.GRPC_RESET;
              default -> TransportFaultKind.GRPC_TIMEOUT;
            };
            announce(target, TransportFault.newBuilder().setKind(kind).setDurationMs(f.duration().toMillis())
                .setLatencyUs(f.latencyMicros()).setProbability(f.probability()).setSeed(seed).build());
            out.printf("%s fault: %s on %s for %d ms%s%n", label, f.kind(), f.target(), f.duration().toMillis(),
                kind == TransportFaultKind.GRPC_LATENCY ? " (+" + f.latencyMicros() + " us per call)"
                    : " (probability " + f.probability() + " per call)");
          }
        }
      }
    } catch (RuntimeException e) {
      out.printf("%s fault %s on %s could not be applied: %s%n", label, f.kind(), f.target(), e.getMessage());
    }
  }

  /** Sends the fault to the target's FaultControl service. */
  private void announce(ServiceFleet.Service target, TransportFault fault) {
    ManagedChannel ch = ManagedChannelBuilder.forTarget(fleet.endpoint(target).grpc()).usePlaintext().build();
    try {
      FaultControlGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS).inject(fault);
    } finally {
      ch.shutdownNow();
    }
  }

  /** Cancels faults not started yet and resumes any paused process (the cell is over). */
  synchronized void endCell() {
    pending.forEach(p -> p.cancel(false));
    pending.clear();
    awaitInFlight(Duration.ofSeconds(180));
    fleet.resumeAll();
  }

  /**
   * Waits for faults still being applied, so the cell is judged with every service back: a
   * kill_restart that started near the end of a cell is still waiting for its service to be
   * healthy when the cell's time is up.
   */
  private void awaitInFlight(Duration max) {
    long deadline = System.nanoTime() + max.toNanos();
    synchronized (inFlight) {
      if (inFlight[0] > 0) {
        out.printf("waiting for %d fault(s) still being applied (a restart in progress) before judging the cell...%n", inFlight[0]);
      }
      while (inFlight[0] > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          out.printf("gave up waiting after %d s for %d fault(s) still being applied%n", max.toSeconds(), inFlight[0]);
          return;
        }
        try {
          inFlight.wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
    fleet.resumeAll();
  }
}
