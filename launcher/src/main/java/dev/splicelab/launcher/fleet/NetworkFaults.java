package dev.splicelab.launcher.fleet;

import dev.splicelab.launcher.fleet.ServiceFleet.Service;
import dev.splicelab.launcher.scenario.Scenario;
import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.ToxiproxyClient;
import eu.rekawek.toxiproxy.model.Toxic;
import eu.rekawek.toxiproxy.model.ToxicDirection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Scenario faults as Toxiproxy toxics on the proxies of docker-compose.yml: "storage" (every
 * service -> storage node) and "receiver" (network sender -> the checker's receiver). A fault
 * targets the service behind the proxy. The mapping, chosen so the fault means on the wire what
 * it means in the gRPC interceptor:
 * <ul>
 *   <li>grpc_latency: a latency toxic of latency_us (rounded up to whole ms) on the replies;
 *   <li>grpc_timeout: a timeout toxic with timeout 0 (data stops until removed, so calls hit their
 *       deadline), on a {@code probability} fraction of connections;
 *   <li>grpc_reset: a reset_peer toxic (TCP RST), on a {@code probability} fraction of connections;
 *   <li>bandwidth: rate_kbps KiB/s both ways; slicer: slice_bytes chunks, slice_delay_us apart,
 *       both ways.
 * </ul>
 * The client library creates a toxic at toxicity 1 and then lowers it, so for the few
 * milliseconds between the two calls a probabilistic toxic hits every new connection.
 * Thread-safe: each call talks HTTP to Toxiproxy's API.
 */
public final class NetworkFaults {

  /** Proxy name in deploy/toxiproxy/toxiproxy.json of the service it fronts. */
  public static final Map<Service, String> PROXIES = Map.of(Service.STORAGE, "storage", Service.CHECKER, "receiver");

  private final String url;
  private final ToxiproxyClient client;

  private NetworkFaults(String url, ToxiproxyClient client) {
    this.url = url;
    this.client = client;
  }

  /**
   * Toxiproxy at {@code url} (http://HOST:PORT) if it answers and has both proxies; empty when
   * nothing answers there (then the caller falls back to its own faults).
   *
   * @throws IllegalArgumentException if url is not http://HOST:PORT
   * @throws IllegalStateException if Toxiproxy answers but a proxy is missing
   */
  public static Optional<NetworkFaults> probe(String url) {
    URI u;
    try {
      u = URI.create(url);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--toxiproxy: must be http://HOST:PORT, got '" + url + "'");
    }
    if (!"http".equals(u.getScheme()) || u.getHost() == null || u.getPort() < 1) {
      throw new IllegalArgumentException("--toxiproxy: must be http://HOST:PORT, got '" + url + "'");
    }
    ToxiproxyClient c = new ToxiproxyClient(u.getHost(), u.getPort());
    try {
      c.version();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
    for (String proxy : PROXIES.values()) {
      if (c.getProxyOrNull(proxy) == null) {
        throw new IllegalStateException("Toxiproxy at " + url + " has no proxy '" + proxy
            + "' (deploy/toxiproxy/toxiproxy.json defines storage and receiver)");
      }
    }
    return Optional.of(new NetworkFaults(url, c));
  }

  public String url() {
    return url;
  }

  /** Whether a fault on this service can go through a proxy. */
  public boolean fronts(Service s) {
    return PROXIES.containsKey(s);
  }

  /** Toxics applied for one fault; {@link #remove} takes them away again. */
  public record Applied(String proxy, List<Toxic> toxics, String description) {}

  /** Applies the fault as toxics on the target's proxy; {@code name} must be unique among live toxics. */
  public Applied apply(Scenario.FaultSpec f, Service target, String name) {
    String proxyName = PROXIES.get(target);
    if (proxyName == null) {
      throw new IllegalArgumentException("no Toxiproxy proxy in front of " + target.artifact);
    }
    try {
      Proxy proxy = client.getProxy(proxyName);
      List<Toxic> toxics = new ArrayList<>();
      String what;
      switch (f.kind()) {
        case "grpc_latency" -> {
          long ms = Math.max(1, (f.latencyMicros() + 999) / 1000);
          toxics.add(proxy.toxics().latency(name, ToxicDirection.DOWNSTREAM, ms));
          what = "latency " + ms + " ms";
        }
        case "grpc_timeout" -> {
          Toxic t = proxy.toxics().timeout(name, ToxicDirection.UPSTREAM, 0);
          t.setToxicity((float) f.probability());
          toxics.add(t);
          what = "timeout (data held) on " + Math.round(f.probability() * 100) + "% of connections";
        }
        case "grpc_reset" -> {
          Toxic t = proxy.toxics().resetPeer(name, ToxicDirection.UPSTREAM, 0);
          t.setToxicity((float) f.probability());
          toxics.add(t);
          what = "reset_peer on " + Math.round(f.probability() * 100) + "% of connections";
        }
        case "bandwidth" -> {
          toxics.add(proxy.toxics().bandwidth(name + "-up", ToxicDirection.UPSTREAM, f.rateKbps()));
          toxics.add(proxy.toxics().bandwidth(name + "-down", ToxicDirection.DOWNSTREAM, f.rateKbps()));
          what = "bandwidth " + f.rateKbps() + " KiB/s";
        }
        case "slicer" -> {
          toxics.add(proxy.toxics().slicer(name + "-up", ToxicDirection.UPSTREAM, f.sliceBytes(), f.sliceDelayMicros())
              .setSizeVariation(f.sliceBytes() / 4));
          toxics.add(proxy.toxics().slicer(name + "-down", ToxicDirection.DOWNSTREAM, f.sliceBytes(), f.sliceDelayMicros())
              .setSizeVariation(f.sliceBytes() / 4));
          what = "slicer " + f.sliceBytes() + " B every " + f.sliceDelayMicros() + " us";
        }
        default -> throw new IllegalArgumentException(f.kind() + " is not a network fault");
      }
      return new Applied(proxyName, toxics, "toxiproxy " + what + " on proxy " + proxyName);
    } catch (IOException e) {
      throw new UncheckedIOException("Toxiproxy at " + url + ": " + e.getMessage(), e);
    }
  }

  /** Removes the toxics of {@code a}; toxics already gone are ignored. */
  public void remove(Applied a) {
    for (Toxic t : a.toxics()) {
      try {
        t.remove();
      } catch (IOException | RuntimeException e) {
        // already removed (e.g. the stack was reset)
      }
    }
  }
}
