package dev.splicelab.launcher.fleet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time of a process on Linux, from /proc/PID/stat (utime + stime of all its threads, in clock
 * ticks of 1/100 s: the kernel's USER_HZ is 100 on every architecture).
 */
public final class ProcessCpu {

  private static final long NANOS_PER_TICK = 10_000_000L;

  private ProcessCpu() {}

  /** User + system CPU time of {@code pid} so far, nanoseconds; -1 when it cannot be read. */
  public static long nanos(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * NANOS_PER_TICK;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** This JVM's CPU time (the launcher, with the embedded Kafka broker when it runs one). */
  public static long self() {
    return nanos(ProcessHandle.current().pid());
  }
}
