package dev.splicelab.load;

import dev.splicelab.launcher.fleet.ProcessCpu;
import dev.splicelab.launcher.fleet.ServiceJvm;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The raw gRPC baseline's two JVMs ({@link GrpcBaseline}), started with the services' JVM options
 * from this JVM's classpath and kept for the whole load run, so that every round measures them
 * warm. {@link #measure} runs the client for a while and reads its result line.
 */
final class Baseline implements AutoCloseable {

  private final Process server;
  private final Process client;
  private final PrintWriter toClient;
  private final BufferedReader fromClient;

  private Baseline(Process server, Process client) {
    this.server = server;
    this.client = client;
    this.toClient = new PrintWriter(new OutputStreamWriter(client.getOutputStream(), StandardCharsets.UTF_8), true);
    this.fromClient = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
  }

  static Baseline start(Path logDir, int connections, long minBytes, long maxBytes, int segmentBytes) throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Process server = jvm("baseline-server", List.of("baseline-server", Integer.toString(port)))
        .redirectErrorStream(true).redirectOutput(logDir.resolve("baseline-server.log").toFile()).start();
    long deadline = System.currentTimeMillis() + 60_000;
    while (!listening(port)) {
      if (!server.isAlive() || System.currentTimeMillis() > deadline) {
        server.destroyForcibly();
        throw new IllegalStateException("the baseline server did not start (see " + logDir.resolve("baseline-server.log") + ")");
      }
      sleep(100);
    }
    Process client = jvm("baseline-client", List.of("baseline-client", Integer.toString(port), Integer.toString(connections),
        Long.toString(minBytes), Long.toString(maxBytes), Integer.toString(segmentBytes)))
        .redirectError(logDir.resolve("baseline-client.log").toFile()).start();
    Baseline b = new Baseline(server, client);
    String ready = b.fromClient.readLine();
    if (!"ready".equals(ready)) {
      b.close();
      throw new IllegalStateException("the baseline client did not start: " + ready + " (see "
          + logDir.resolve("baseline-client.log") + ")");
    }
    return b;
  }

  private static ProcessBuilder jvm(String name, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(ServiceJvm.options(name));
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Load.class.getName());
    cmd.addAll(args);
    return new ProcessBuilder(cmd);
  }

  private static boolean listening(int port) {
    try (java.net.Socket s = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Runs the client for {@code seconds}; null for a warm-up (nothing kept). */
  Measurement measure(String bench, int round, double seconds) throws IOException {
    long cpu0 = ProcessCpu.nanos(server.pid()) + ProcessCpu.nanos(client.pid());
    toClient.println("run " + seconds);
    String line = fromClient.readLine();
    long cpu1 = ProcessCpu.nanos(server.pid()) + ProcessCpu.nanos(client.pid());
    if (line == null || !line.startsWith("result ")) {
      throw new IllegalStateException("the baseline client answered '" + line + "'");
    }
    String[] f = line.split(" ");
    long transfers = Long.parseLong(f[1]);
    return new Measurement(bench, "baseline", "-", false, true, round, transfers, Long.parseLong(f[2]),
        Double.parseDouble(f[3]), Long.parseLong(f[4]), Long.parseLong(f[5]), Long.parseLong(f[6]),
        transfers == 0 ? -1 : (cpu1 - cpu0) / 1e6 / transfers, Double.NaN,
        "grpc-netty bidi streams, one burst per transfer, acks only");
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    toClient.println("quit");
    for (Process p : List.of(client, server)) {
      p.destroy();
      try {
        if (!p.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
