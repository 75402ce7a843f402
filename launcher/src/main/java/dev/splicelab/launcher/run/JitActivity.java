package dev.splicelab.launcher.run;

import dev.splicelab.launcher.fleet.Fleet;
import dev.splicelab.launcher.fleet.ServiceFleet.Endpoint;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The JIT compilers' work in every service JVM, read from each service's Prometheus endpoint
 * ({@code jvm_compilation_time_ms_total}, Micrometer's JvmCompilationMetrics): the warm-up waits
 * for it to die down, because a cell measured while six JVMs compile measures the compiler.
 * Thread-safety: one caller at a time.
 */
final class JitActivity {

  private static final String METRIC = "jvm_compilation_time_ms_total";

  private final Fleet fleet;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  JitActivity(Fleet fleet) {
    this.fleet = fleet;
  }

  /** Compilation time summed over every service, milliseconds; -1 when any service does not export it. */
  long totalMillis() {
    long sum = 0;
    for (Endpoint e : fleet.endpoints().values()) {
      long ms = scrape(e);
      if (ms < 0) {
        return -1;
      }
      sum += ms;
    }
    return sum;
  }

  int services() {
    return fleet.endpoints().size();
  }

  private long scrape(Endpoint e) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + e.host() + ":" + e.httpPort()
          + "/actuator/prometheus")).timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        return -1;
      }
      return parse(r.body());
    } catch (java.io.IOException ex) {
      return -1;
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** The metric's value in a Prometheus text exposition (summed over its series); -1 when absent. */
  static long parse(String exposition) {
    double sum = 0;
    boolean found = false;
    for (String line : exposition.split("\n")) {
      if (line.startsWith(METRIC)) {
        int sp = line.lastIndexOf(' ');
        if (sp > 0) {
          sum += Double.parseDouble(line.substring(sp + 1).trim());
          found = true;
        }
      }
    }
    return found ? (long) sum : -1;
  }
}
