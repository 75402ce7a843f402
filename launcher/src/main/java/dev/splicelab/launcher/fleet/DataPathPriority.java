package dev.splicelab.launcher.fleet;

import dev.splicelab.common.time.Realtime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.stream.Stream;

/**
 * Gives the services' data-path threads ({@link Realtime}: their gRPC transports and the mutator's
 * writers, found by name in {@code /proc/PID/task/TID/comm}) the scenario's share of the CPU while
 * a cell is measured, and takes it back after, so that during the warm-up and between cells the
 * compilers and the verifier do not wait behind them. The threads that end a stop-the-world pause
 * (the JVM's VM thread, which runs the serial collector, and any GC workers) get the same share:
 * a pause stops the whole service's data path, and a collector waiting behind the other services'
 * data paths stretched one checker pause past the RTO (2026-12-07: 4,488 retransmissions, 119 of
 * them implied). Processes on this host only. Used by the driver's thread (not thread-safe).
 */
public final class DataPathPriority {

  private final int nice;
  private final Path proc;

  /** @param nice the nice value while a cell is measured (-20 to 19; 0: nothing is changed) */
  public DataPathPriority(int nice) {
    this(nice, Path.of("/proc"));
  }

  DataPathPriority(int nice, Path proc) {
    this.nice = Realtime.requireNice(nice);
    this.proc = proc;
  }

  /**
   * Sets every data-path thread of {@code pids} to the cell's nice value ({@code measuring}) or
   * back to 0. Returns what was done, for the run's record: e.g. "nice -10 for 41 data-path
   * threads of 5 processes", or why not. Threads that start later are caught by the next call.
   */
  public String apply(Collection<Long> pids, boolean measuring) {
    if (nice == 0) {
      return "data-path threads at nice 0 (" + Realtime.DATA_PATH_NICE_ENVIRONMENT + "=0)";
    }
    if (pids.isEmpty()) {
      return "data-path threads as their host left them (the services are not processes of this launcher)";
    }
    int value = measuring ? nice : 0;
    int done = 0;
    String refused = null;
    for (long pid : pids) {
      for (int tid : dataPathThreads(pid)) {
        Realtime.Outcome o = Realtime.niceThread(tid, value);
        if (o.applied()) {
          done++;
        } else if (refused == null && Files.exists(proc.resolve(pid + "/task/" + tid))) {
          refused = o.description();
        }
      }
    }
    if (refused != null) {
      return "data-path threads at nice 0: " + refused;
    }
    return "nice " + value + " for " + done + " data-path threads of " + pids.size() + " processes";
  }

  /** True for a data-path thread's name, or a stop-the-world pause's (see the class comment). */
  static boolean dataPath(String comm) {
    return comm.startsWith(Realtime.DATA_PATH_THREAD_PREFIX) || comm.equals("VM Thread") || comm.startsWith("GC Thread");
  }

  /** The ids of {@code pid}'s data-path threads ({@link #dataPath}). */
  int[] dataPathThreads(long pid) {
    Path tasks = proc.resolve(pid + "/task");
    try (Stream<Path> s = Files.list(tasks)) {
      return s.filter(t -> {
        try {
          return dataPath(Files.readString(t.resolve("comm")).trim());
        } catch (IOException e) {
          return false; // the thread ended
        }
      }).mapToInt(t -> Integer.parseInt(t.getFileName().toString())).toArray();
    } catch (IOException e) {
      return new int[0]; // the process ended
    }
  }
}
