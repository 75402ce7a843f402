package dev.splicelab.launcher.fleet;

import dev.splicelab.launcher.fleet.ServiceFleet.Endpoint;
import dev.splicelab.launcher.fleet.ServiceFleet.Service;
import java.util.Map;
import java.util.Optional;

/**
 * The five services a run drives, wherever they run: processes started by the launcher
 * ({@link ServiceFleet}) or containers of the compose stack ({@link ComposeFleet}). Process faults
 * (pause, kill and restart) act on whatever the service runs in. Thread-safe.
 */
public interface Fleet extends AutoCloseable {

  /** Where the service answers gRPC (and HTTP actuator), as seen from the launcher. */
  Endpoint endpoint(Service s);

  Map<Service, Endpoint> endpoints();

  /** Freezes the service: it stops answering, its sockets stay open. */
  void pause(Service s);

  /** Undoes {@link #pause}; a no-op when the service is not paused. */
  void resume(Service s);

  void resumeAll();

  /** Kills the service and starts it again; returns the seconds until it was healthy again. */
  double killAndRestart(Service s);

  /** Network faults in front of the services (Toxiproxy), when the fleet has them. */
  default Optional<NetworkFaults> network() {
    return Optional.empty();
  }

  /**
   * CPU time used so far by the services' processes, nanoseconds (user + system, summed); -1 when
   * the fleet cannot tell (containers on another host).
   */
  default long cpuNanos() {
    return -1;
  }

  /** The services' process ids on this host; empty when they are not processes of this launcher. */
  default java.util.List<Long> pids() {
    return java.util.List.of();
  }

  /** What the fleet is, for the report, e.g. "local processes" or "compose project splicelab". */
  String describe();

  @Override
  void close();
}
