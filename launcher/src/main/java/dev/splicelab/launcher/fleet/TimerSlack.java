package dev.splicelab.launcher.fleet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's timer slack (Linux's {@code /proc/self/timerslack_ns}): how late the kernel may
 * fire any timer of its threads, so that it can batch wake-ups; 50 us by default. Every sleep of
 * the testbed (the residency and the NIC's DMA timers in the model, the residency in the kernel
 * backend) wakes up to that much late, which the run counts as overhead. The {@code testbed}
 * script sets it to 1 ns before it starts the JVM, and each service inherits it; a run records it.
 */
public final class TimerSlack {

  private static final Path FILE = Path.of("/proc/self/timerslack_ns");

  private TimerSlack() {}

  /** The slack in nanoseconds, or -1 where the kernel does not expose it. */
  public static long nanos() {
    try {
      return Long.parseLong(Files.readString(FILE).trim());
    } catch (IOException | NumberFormatException | UnsupportedOperationException e) {
      return -1;
    }
  }

  /** For a run's host line: "timer slack 1 ns", or "timer slack unknown". */
  public static String describe() {
    long n = nanos();
    return n < 0 ? "timer slack unknown" : "timer slack " + n + " ns" + (n == 50_000 ? " (Linux's default)" : "");
  }
}
