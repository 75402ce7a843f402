package dev.splicelab.launcher.fleet;

import dev.splicelab.launcher.fleet.ServiceFleet.Endpoint;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** One probe of a service's Spring Boot /actuator/health, shared by both fleets. Thread-safe. */
final class ActuatorHealth {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private ActuatorHealth() {}

  /**
   * Null when the service is UP (HTTP 200: Spring Boot answers 503 for DOWN), else what answered
   * instead: the status and body, or that nothing listens.
   *
   * @throws InterruptedException if interrupted while waiting for the answer
   */
  static String problem(Endpoint e) throws InterruptedException {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + e.host() + ":" + e.httpPort()
          + "/actuator/health")).timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? null : "HTTP " + r.statusCode() + " " + r.body();
    } catch (IOException ex) {
      return "nothing answers on " + e.host() + ":" + e.httpPort() + " (" + ex.getClass().getSimpleName() + ")";
    }
  }
}
