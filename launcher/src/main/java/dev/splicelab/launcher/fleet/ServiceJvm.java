package dev.splicelab.launcher.fleet;

import java.util.ArrayList;
import java.util.List;

/**
 * The JVM options every service runs with, wherever it runs: the launcher's processes, the load
 * tests' baseline JVMs, the container images (their Dockerfiles pass the same options, which a
 * test checks) and the Kubernetes manifests. Chosen by measurement (README, "JVM options"):
 * tiered compilation up to C2 (JMH, HotCode, this machine, 2026-12-02: with -XX:TieredStopAtLevel=1
 * AES-GCM sealing ran at 1/39 of C2's speed, judging a transfer at 1/3, cell encode and decode at
 * 1/2.2 and 1/1.6; CRC32C, an intrinsic in both, alike); the serial
 * collector, which for a 384 MiB heap on two cores pauses briefly and takes no background threads.
 * SPLICELAB_SERVICE_JVM_OPTS adds options (profiling, experiments); {service} in it becomes the
 * service's name.
 */
public final class ServiceJvm {

  /** The options, in order. */
  public static final List<String> OPTIONS = List.of("-Xms64m", "-Xmx384m", "-XX:+UseSerialGC");

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
