package dev.splicelab.launcher.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.splicelab.launcher.scenario.Scenario;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Toxiproxy discovery (absent means fall back, a malformed URL names the flag) and the toxics a
 * fault becomes. Toxiproxy itself cannot run here (no image, no binary), so the mapping is checked
 * against an HTTP server speaking the part of Toxiproxy's API the client uses and recording what
 * it was asked; ContainersIntegrationTest runs the same faults on a real Toxiproxy where one exists.
 */
class NetworkFaultsTest {

  /** Proxies "storage" and "receiver"; toxics kept per proxy; every toxic request recorded. */
  static final class ToxiproxyApi implements AutoCloseable {
    final HttpServer server;
    final Map<String, Map<String, JsonObject>> toxics = new LinkedHashMap<>();
    final List<String> requests = new ArrayList<>();

    ToxiproxyApi() throws IOException {
      toxics.put("storage", new LinkedHashMap<>());
      toxics.put("receiver", new LinkedHashMap<>());
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.createContext("/", this::handle);
      server.start();
    }

    String url() {
      return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private synchronized void handle(HttpExchange x) throws IOException {
      String path = x.getRequestURI().getPath();
      String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      String[] p = path.split("/");
      if (path.equals("/version")) {
        reply(x, 200, "2.12.0");
        return;
      }
      if (p.length < 3 || !p[1].equals("proxies") || !toxics.containsKey(p[2])) {
        reply(x, 404, "{\"error\":\"proxy not found\",\"status\":404}");
        return;
      }
      Map<String, JsonObject> mine = toxics.get(p[2]);
      requests.add(x.getRequestMethod() + " " + path + (body.isEmpty() ? "" : " " + body));
      if (p.length == 3) {
        JsonObject proxy = new JsonObject();
        proxy.addProperty("name", p[2]);
        proxy.addProperty("listen", "[::]:1");
        proxy.addProperty("upstream", "upstream:1");
        proxy.addProperty("enabled", true);
        proxy.add("toxics", new com.google.gson.JsonArray());
        reply(x, 200, proxy.toString());
      } else if (p.length == 4 && x.getRequestMethod().equals("POST")) {
        JsonObject t = JsonParser.parseString(body).getAsJsonObject();
        mine.put(t.get("name").getAsString(), t);
        reply(x, 200, t.toString());
      } else if (p.length == 5 && x.getRequestMethod().equals("POST")) {
        JsonObject t = mine.get(p[4]);
        // as Toxiproxy does: the update is decoded over the existing toxic, so attributes merge
        JsonParser.parseString(body).getAsJsonObject().entrySet().forEach(e -> {
          if (e.getKey().equals("attributes")) {
            e.getValue().getAsJsonObject().entrySet().forEach(a -> t.getAsJsonObject("attributes").add(a.getKey(), a.getValue()));
          } else {
            t.add(e.getKey(), e.getValue());
          }
        });
        reply(x, 200, t.toString());
      } else if (p.length == 5 && x.getRequestMethod().equals("DELETE")) {
        mine.remove(p[4]);
        x.sendResponseHeaders(204, -1);
        x.close();
      } else {
        reply(x, 405, "{\"error\":\"unexpected\",\"status\":405}");
      }
    }

    private static void reply(HttpExchange x, int code, String body) throws IOException {
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      x.getResponseHeaders().add("Content-Type", "application/json");
      x.sendResponseHeaders(code, b.length);
      x.getResponseBody().write(b);
      x.close();
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }

  static Scenario.FaultSpec fault(String kind, String target, long latencyUs, double probability, long rate, long slice,
      long sliceDelay) {
    return new Scenario.FaultSpec(kind, target, Duration.ZERO, Duration.ofSeconds(1), latencyUs, probability, rate, slice,
        sliceDelay);
  }

  @Test
  void eachFaultKindBecomesTheMatchingToxicsAndIsRemovedAgain() throws Exception {
    try (ToxiproxyApi api = new ToxiproxyApi()) {
      NetworkFaults net = NetworkFaults.probe(api.url()).orElseThrow();
      var latency = net.apply(fault("grpc_latency", "storage-node", 1500, 0, 0, 0, 0), ServiceFleet.Service.STORAGE, "lat");
      var timeout = net.apply(fault("grpc_timeout", "checker", 0, 0.25, 0, 0, 0), ServiceFleet.Service.CHECKER, "to");
      var reset = net.apply(fault("grpc_reset", "storage-node", 0, 1, 0, 0, 0), ServiceFleet.Service.STORAGE, "rst");
      var bw = net.apply(fault("bandwidth", "checker", 0, 0, 64, 0, 0), ServiceFleet.Service.CHECKER, "bw");
      var slicer = net.apply(fault("slicer", "storage-node", 0, 0, 0, 512, 100), ServiceFleet.Service.STORAGE, "sl");

      JsonObject lat = api.toxics.get("storage").get("lat");
      assertThat(lat.get("type").getAsString()).isEqualTo("latency");
      assertThat(lat.get("stream").getAsString()).isEqualTo("downstream");
      assertThat(lat.getAsJsonObject("attributes").get("latency").getAsLong()).isEqualTo(2); // 1500 us, rounded up
      JsonObject to = api.toxics.get("receiver").get("to");
      assertThat(to.get("type").getAsString()).isEqualTo("timeout");
      assertThat(to.getAsJsonObject("attributes").get("timeout").getAsLong()).isZero();
      assertThat(to.get("toxicity").getAsFloat()).isEqualTo(0.25f);
      assertThat(api.toxics.get("storage").get("rst").get("type").getAsString()).isEqualTo("reset_peer");
      assertThat(api.toxics.get("receiver")).containsKeys("bw-up", "bw-down");
      assertThat(api.toxics.get("receiver").get("bw-up").get("stream").getAsString()).isEqualTo("upstream");
      assertThat(api.toxics.get("receiver").get("bw-down").getAsJsonObject("attributes").get("rate").getAsLong()).isEqualTo(64);
      JsonObject sl = api.toxics.get("storage").get("sl-down");
      assertThat(sl.get("type").getAsString()).isEqualTo("slicer");
      assertThat(sl.getAsJsonObject("attributes").get("average_size").getAsLong()).isEqualTo(512);
      assertThat(sl.getAsJsonObject("attributes").get("delay").getAsLong()).isEqualTo(100);
      assertThat(sl.getAsJsonObject("attributes").get("size_variation").getAsLong()).isEqualTo(128);
      assertThat(latency.description()).isEqualTo("toxiproxy latency 2 ms on proxy storage");

      for (var a : List.of(latency, timeout, reset, bw, slicer)) {
        net.remove(a);
      }
      assertThat(api.toxics.get("storage")).isEmpty();
      assertThat(api.toxics.get("receiver")).isEmpty();
    }
  }

  @Test
  void aToxiproxyWithoutTheProxiesIsAClearError() throws Exception {
    try (ToxiproxyApi api = new ToxiproxyApi()) {
      api.toxics.remove("receiver");
      assertThatThrownBy(() -> NetworkFaults.probe(api.url())).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("has no proxy 'receiver'");
    }
  }

  @Test
  void nothingListeningMeansNoToxiproxy() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    assertThat(NetworkFaults.probe("http://127.0.0.1:" + port)).isEmpty();
  }

  @Test
  void aMalformedUrlNamesTheFlag() {
    assertThatThrownBy(() -> NetworkFaults.probe("localhost:8474")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--toxiproxy: must be http://HOST:PORT, got 'localhost:8474'");
    assertThatThrownBy(() -> NetworkFaults.probe("http://bad host")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--toxiproxy");
  }

  @Test
  void onlyTheStorageNodeAndTheReceiverAreFronted() {
    assertThat(NetworkFaults.PROXIES).containsOnlyKeys(ServiceFleet.Service.STORAGE, ServiceFleet.Service.CHECKER);
  }
}
