package dev.splicelab.launcher.fleet;

import java.util.ArrayList;
import java.util.List;

/**
 * The JVM options every service runs with, wherever it runs: the launcher's processes, the load
 * tests' baseline JVMs, the container images (their Dockerfiles pass the same options, which a
 * test checks) and the Kubernetes manifests. Chosen by measurement (README, "JVM options"):
 * tiered compilation up to C2 (JMH, HotCode, this machine, 2026-12-02: with -XX:TieredStopAtLevel=1
 * AES-GCM sealing ran at 1/39 of C2's speed, judging a transfer at 1/3, cell encode and decode at
 * 1/2.2 and 1/1.6; CRC32C, an intrinsic in both, alike); the serial collector, which takes no
 * background threads on two cores, with a 256 MiB young generation: with the JVM's default of a
 * third of a 64 MiB initial heap the network sender collected every 145 ms, pausing every thread
 * (its NIC's DMA reads among them) for about 10 ms, 7% of the time; with 256 MiB it collects about
 * once a second for about 4 ms (quickstart, 2026-12-07, -Xlog:gc).
 * SPLICELAB_SERVICE_JVM_OPTS adds options (profiling, experiments); {service} in it becomes the
 * service's name.
 */
public final class ServiceJvm {

  /** The options, in order. */
  public static final List<String> OPTIONS = List.of("-Xms512m", "-Xmx1g", "-Xmn256m", "-XX:+UseSerialGC");

  private ServiceJvm() {}

  /** {@link #OPTIONS}, then SPLICELAB_SERVICE_JVM_OPTS (with {service} replaced), then headless AWT. */
  public static List<String> options(String service) {
    List<String> out = new ArrayList<>(OPTIONS);
    String extra = System.getenv("SPLICELAB_SERVICE_JVM_OPTS");
    if (extra != null && !extra.isBlank()) {
      out.addAll(List.of(extra.trim().replace("{service}", service).split("\\s+")));
    }
    out.add("-Djava.awt.headless=true");
    return out;
  }
}
