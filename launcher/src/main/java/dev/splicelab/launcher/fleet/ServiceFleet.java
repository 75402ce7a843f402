package dev.splicelab.launcher.fleet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The five services, each its own JVM process started from its Spring Boot jar, talking gRPC over
 * loopback TCP on free ports chosen here. Output goes to logDir/NAME.log. close() stops them all
 * (SIGTERM, then SIGKILL after 10 s).
 */
public final class ServiceFleet implements Fleet {

  /** The services, in start order. */
  public enum Service {
    STORAGE("storage-node"), CHECKER("checker"), PIPE("pipe-broker"), MUTATOR("mutator"), SENDER("network-sender");

    public final String artifact;

    Service(String artifact) {
      this.artifact = artifact;
    }
  }

  /** Where a service answers, as seen from the launcher. */
  public record Endpoint(String host, int grpcPort, int httpPort) {
    public Endpoint(int grpcPort, int httpPort) {
      this("127.0.0.1", grpcPort, httpPort);
    }

    public String grpc() {
      return host + ":" + grpcPort;
    }
  }

  private final Map<Service, Endpoint> endpoints = new EnumMap<>(Service.class);
  private final Map<Service, Process> processes = new java.util.concurrent.ConcurrentHashMap<>();
  private final java.util.Set<Service> paused = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final Path logDir;
  private Path home;
  private String kafka;
  private Path dataDir;

  private ServiceFleet(Path logDir) {
    this.logDir = logDir;
  }

  /** Starts every service; returns once all report UP on /actuator/health, or throws. */
  public static ServiceFleet start(Path home, String kafka, Path logDir, Path dataDir, Duration timeout) {
    ServiceFleet fleet = new ServiceFleet(logDir);
    fleet.home = home;
    fleet.kafka = kafka;
    fleet.dataDir = dataDir;
    try {
      Files.createDirectories(logDir);
      for (Service s : Service.values()) {
        Path jar = jar(home, s);
        if (!Files.isRegularFile(jar)) {
          throw new IllegalStateException("service jar " + jar + " not found: build it with `mvn -DskipTests package`"
              + " (./testbed does this for you)");
        }
        fleet.endpoints.put(s, new Endpoint(freePort(), freePort()));
      }
      for (Service s : Service.values()) {
        fleet.processes.put(s, fleet.launch(home, s, kafka, dataDir, false));
      }
      fleet.awaitHealthy(List.of(Service.values()), timeout);
      return fleet;
    } catch (IOException e) {
      fleet.close();
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      fleet.close();
      throw e;
    }
  }

  public static Path jar(Path home, Service s) {
    return home.resolve("services").resolve(s.artifact).resolve("target").resolve(s.artifact + "-exec.jar");
  }

  @Override
  public Endpoint endpoint(Service s) {
    return endpoints.get(s);
  }

  @Override
  public Map<Service, Endpoint> endpoints() {
    return Map.copyOf(endpoints);
  }

  /** SIGSTOP: the process stops answering (its sockets stay open). */
  @Override
  public void pause(Service s) {
    signal(s, "STOP");
    paused.add(s);
  }

  /** SIGCONT after {@link #pause}. */
  @Override
  public void resume(Service s) {
    if (paused.remove(s)) {
      signal(s, "CONT");
    }
  }

  @Override
  public String describe() {
    return "local processes";
  }

  @Override
  public List<Long> pids() {
    return processes.values().stream().filter(Process::isAlive).map(Process::pid).toList();
  }

  @Override
  public long cpuNanos() {
    long total = 0;
    for (Process p : processes.values()) {
      long n = ProcessCpu.nanos(p.pid());
      if (n < 0) {
        return -1;
      }
      total += n;
    }
    return total;
  }

  @Override
  public void resumeAll() {
    for (Service s : List.copyOf(paused)) {
      resume(s);
    }
  }

  private void signal(Service s, String sig) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + sig, Long.toString(processes.get(s).pid())).inheritIO().start();
      if (!kill.waitFor(5, java.util.concurrent.TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill -" + sig + " " + s.artifact + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot signal " + s.artifact, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted");
    }
  }

  /**
   * SIGKILL, then a restart on the same ports (the checker resumes reading the history at its
   * committed position, the start of the cells in flight, and rebuilds them from there); returns
   * the seconds until it was healthy again.
   */
  @Override
  public double killAndRestart(Service s) {
    long t0 = System.nanoTime();
    paused.remove(s);
    Process p = processes.get(s);
    p.destroyForcibly();
    try {
      p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
      processes.put(s, launch(home, s, kafka, dataDir, true));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot restart " + s.artifact, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted");
    }
    awaitHealthy(List.of(s), Duration.ofSeconds(120));
    return (System.nanoTime() - t0) / 1e9;
  }

  /** The checker's consumer group, one per fleet. */
  private final String checkerGroup = "splicelab-checker-" + java.util.UUID.randomUUID();

  private Process launch(Path home, Service s, String kafka, Path dataDir, boolean restart) throws IOException {
    Endpoint e = endpoints.get(s);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java));
    cmd.addAll(ServiceJvm.options(s.artifact));
    cmd.addAll(List.of("-jar", jar(home, s).toString(),
        "--server.port=" + e.httpPort(), "--spring.grpc.server.port=" + e.grpcPort(),
        "--spring.kafka.bootstrap-servers=" + kafka,
        "--spring.grpc.client.channels.storage.address=" + endpoints.get(Service.STORAGE).grpc(),
        "--spring.grpc.client.channels.pipe.address=" + endpoints.get(Service.PIPE).grpc(),
        "--spring.grpc.client.channels.receiver.address=" + endpoints.get(Service.CHECKER).grpc()));
    if (s == Service.STORAGE) {
      cmd.add("--splicelab.storage.data-dir=" + dataDir.toAbsolutePath());
    }
    if (s == Service.CHECKER) {
      // a group of this fleet's own: a restarted checker resumes at the start of the cells in
      // flight (its committed position), and a new fleet on a shared broker starts fresh
      cmd.add("--splicelab.checker.group-id=" + checkerGroup);
    }
    Path log = logDir.resolve(s.artifact + ".log");
    return new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(restart ? ProcessBuilder.Redirect.appendTo(log.toFile()) : ProcessBuilder.Redirect.to(log.toFile())).start();
  }

  private void awaitHealthy(List<Service> services, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<Service> pending = new ArrayList<>(services);
    while (!pending.isEmpty()) {
      for (Service s : new ArrayList<>(pending)) {
        Process p = processes.get(s);
        if (!p.isAlive()) {
          throw new IllegalStateException(s.artifact + " exited with code " + p.exitValue() + " during start-up; last log lines:\n"
              + tail(logDir.resolve(s.artifact + ".log"), 25));
        }
        try {
          if (ActuatorHealth.problem(endpoints.get(s)) == null) {
            pending.remove(s);
          }
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while waiting for services");
        }
      }
      if (System.nanoTime() > deadline) {
        StringBuilder b = new StringBuilder("services not healthy after " + timeout.toSeconds() + " s: ");
        for (Service s : pending) {
          b.append("\n--- ").append(s.artifact).append(" (last log lines)\n").append(tail(logDir.resolve(s.artifact + ".log"), 15));
        }
        throw new IllegalStateException(b.toString());
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for services");
      }
    }
  }

  static String tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private static final java.util.Set<Integer> TAKEN = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * A port that binds now, chosen below Linux's ephemeral range (32768+) so that the outgoing
   * connections of Kafka and gRPC clients cannot take it between this check and the service's bind.
   */
  private static int freePort() throws IOException {
    java.util.SplittableRandom random = new java.util.SplittableRandom();
    for (int i = 0; i < 200; i++) {
      int port = 20000 + random.nextInt(12000);
      if (!TAKEN.add(port)) {
        continue;
      }
      try (ServerSocket s = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
        return port;
      } catch (IOException busy) {
        // try another
      }
    }
    throw new IOException("no free port found in 20000-31999 after 200 tries");
  }

  @Override
  public void close() {
    resumeAll();
    for (Process p : processes.values()) {
      p.destroy();
    }
    for (Process p : processes.values()) {
      try {
        if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
