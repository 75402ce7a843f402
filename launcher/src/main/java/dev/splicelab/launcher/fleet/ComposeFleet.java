package dev.splicelab.launcher.fleet;

import dev.splicelab.launcher.fleet.ServiceFleet.Endpoint;
import dev.splicelab.launcher.fleet.ServiceFleet.Service;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The services of a running compose stack (docker-compose.yml), reached on the host ports the
 * compose file publishes. The launcher starts nothing: {@link #connect} waits until every service
 * reports UP. Process faults go through the container engine's command line ({@code docker} or
 * {@code podman}, found by the compose labels of the project): pause/unpause (the cgroup freezer,
 * the container analogue of SIGSTOP/SIGCONT) and kill/start. Thread-safe.
 */
public final class ComposeFleet implements Fleet {

  /** The host ports of docker-compose.yml: gRPC 9091-9095, actuator 8081-8085. */
  public static Map<Service, Endpoint> publishedPorts(String host) {
    Map<Service, Endpoint> m = new EnumMap<>(Service.class);
    m.put(Service.STORAGE, new Endpoint(host, 9091, 8081));
    m.put(Service.PIPE, new Endpoint(host, 9092, 8082));
    m.put(Service.SENDER, new Endpoint(host, 9093, 8083));
    m.put(Service.MUTATOR, new Endpoint(host, 9094, 8084));
    m.put(Service.CHECKER, new Endpoint(host, 9095, 8085));
    return m;
  }

  private final Map<Service, Endpoint> endpoints;
  private final String project;
  private final String engine;
  private final NetworkFaults network;
  private final Set<Service> paused = ConcurrentHashMap.newKeySet();

  private ComposeFleet(Map<Service, Endpoint> endpoints, String project, String engine, NetworkFaults network) {
    this.endpoints = endpoints;
    this.project = project;
    this.engine = engine;
    this.network = network;
  }

  /**
   * Connects to the stack of compose project {@code project} on {@code host}; waits up to
   * {@code timeout} for every service to be UP. {@code network} may be null (no Toxiproxy).
   */
  public static ComposeFleet connect(String host, String project, NetworkFaults network, Duration timeout) {
    ComposeFleet f = new ComposeFleet(publishedPorts(host), project, engine(), network);
    f.awaitHealthy(List.of(Service.values()), timeout);
    return f;
  }

  /**
   * The container engine CLI: $SPLICELAB_CONTAINER_CLI; else docker when a Docker API is
   * configured ($DOCKER_HOST or /var/run/docker.sock) and docker is on PATH; else podman if on
   * PATH; else docker.
   */
  static String engine() {
    String configured = System.getenv("SPLICELAB_CONTAINER_CLI");
    if (configured != null && !configured.isBlank()) {
      return configured;
    }
    boolean dockerApi = System.getenv("DOCKER_HOST") != null || java.nio.file.Files.exists(java.nio.file.Path.of("/var/run/docker.sock"));
    if (dockerApi && onPath("docker")) {
      return "docker";
    }
    return onPath("podman") ? "podman" : "docker";
  }

  private static boolean onPath(String cli) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      if (java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, cli))) {
        return true;
      }
    }
    return false;
  }

  @Override
  public Endpoint endpoint(Service s) {
    return endpoints.get(s);
  }

  @Override
  public Map<Service, Endpoint> endpoints() {
    return Map.copyOf(endpoints);
  }

  @Override
  public Optional<NetworkFaults> network() {
    return Optional.ofNullable(network);
  }

  @Override
  public String describe() {
    return "compose project " + project + " (" + engine + ")" + (network == null ? ", no Toxiproxy" : ", Toxiproxy at " + network.url());
  }

  @Override
  public void pause(Service s) {
    cli("pause", container(s));
    paused.add(s);
  }

  @Override
  public void resume(Service s) {
    if (paused.remove(s)) {
      cli("unpause", container(s));
    }
  }

  @Override
  public void resumeAll() {
    for (Service s : List.copyOf(paused)) {
      resume(s);
    }
  }

  @Override
  public double killAndRestart(Service s) {
    long t0 = System.nanoTime();
    paused.remove(s);
    String id = container(s);
    cli("kill", id);
    cli("start", id);
    awaitHealthy(List.of(s), Duration.ofSeconds(120));
    return (System.nanoTime() - t0) / 1e9;
  }

  /** The id of the service's container, found by its compose labels. */
  String container(Service s) {
    String out = cli("ps", "-aq", "--filter", "label=com.docker.compose.project=" + project,
        "--filter", "label=com.docker.compose.service=" + s.artifact).trim();
    if (out.isEmpty()) {
      throw new IllegalStateException("no container of service " + s.artifact + " in compose project " + project
          + " (is the stack up? `docker compose up -d`)");
    }
    return out.lines().findFirst().orElseThrow();
  }

  private String cli(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(engine);
    cmd.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out.trim());
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + engine + " (set SPLICELAB_CONTAINER_CLI to docker or podman)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted");
    }
  }

  private void awaitHealthy(List<Service> services, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<Service> pending = new ArrayList<>(services);
    Map<Service, String> last = new EnumMap<>(Service.class);
    while (true) {
      for (Service s : new ArrayList<>(pending)) {
        try {
          String problem = ActuatorHealth.problem(endpoints.get(s));
          if (problem == null) {
            pending.remove(s);
          } else {
            last.put(s, problem);
          }
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while waiting for the compose services");
        }
      }
      if (pending.isEmpty()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        StringBuilder b = new StringBuilder("compose services not healthy after " + timeout.toSeconds() + " s"
            + " (start the stack with `docker compose up -d` and check `docker compose ps` and `docker compose logs`):");
        for (Service s : pending) {
          b.append("\n  ").append(s.artifact).append(": ").append(last.getOrDefault(s, "no answer"));
        }
        throw new IllegalStateException(b.toString());
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the compose services");
      }
    }
  }

  @Override
  public void close() {
    try {
      resumeAll();
    } catch (RuntimeException e) {
      // the stack may be gone; nothing else to release
    }
  }
}
