package dev.splicelab.common.time;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.util.Locale;

/**
 * How the testbed's threads are scheduled, in three classes, so that the system under test keeps
 * the scenario's time on a host whose cores the testbed itself saturates:
 *
 * <ul>
 *   <li><b>Timing threads</b> ({@link #promoteCurrentThread}): the emulated NIC's DMA and RTO
 *       timers, the link's delay timers and the application's residency sleeps. Hardware does
 *       not wait for a CPU, and on an idle host an application wakes within microseconds; a
 *       SCHED_OTHER thread waits for its turn after every timer, which widens every race window
 *       (the run's "wake" overhead). Under {@code SCHED_RR} it preempts the others when it wakes.
 *       These threads sleep most of the time and do little work per wake-up, and Linux's RT
 *       throttling (95% of each second by default) bounds what they can take from the rest.
 *   <li><b>Data-path threads</b> ({@link #niceThread}, named {@value #DATA_PATH_THREAD_PREFIX}...):
 *       every service's gRPC transport threads (the control plane's round trips: a splice-in
 *       answered late is time inside the race window) and the mutator's writers. They do real
 *       work, so they get a larger share (a negative nice value), not a real-time policy:
 *       same-priority SCHED_RR threads that compute hand the CPU to each other only every 100 ms,
 *       which delayed acks past the RTO when tried (2026-12-07). Whoever drives a cell gives them
 *       that share while the cell is measured, and takes it back after: during the warm-up the
 *       compilers must not wait behind them.
 *   <li><b>Observers</b>, left as they are: the Kafka broker and producers, the verifier, the
 *       compilers and collectors. They may lag; the verdicts come from the log, not from time.
 * </ul>
 *
 * <p>Linux only. Where a class cannot be had (no {@code CAP_SYS_NICE}, no {@code RLIMIT_RTPRIO}
 * or {@code RLIMIT_NICE}, another OS, no libc for JNA) the thread stays as it is and {@link
 * Outcome#description()} says why, for the run's record. Thread-safe; each call acts on the
 * calling thread only.
 */
public final class Realtime {

  /** Linux's SCHED_RR policy number. */
  static final int SCHED_RR = 2;
  /** The valid SCHED_RR priorities: 1 to 99 (0 here means: do not promote). */
  public static final int MAX_PRIORITY = 99;
  /**
   * The priority when nothing says otherwise: above every SCHED_OTHER thread, below the kernel's
   * own real-time threads (its per-CPU stoppers and watchdogs run at 99).
   */
  public static final int DEFAULT_PRIORITY = 10;
  /** The environment variable that sets the priority for a whole run (0 turns promotion off). */
  public static final String ENVIRONMENT = "SPLICELAB_REALTIME_PRIORITY";
  /** The data-path threads' nice value when nothing says otherwise. */
  public static final int DEFAULT_DATA_PATH_NICE = -10;
  /** The environment variable that sets the data-path threads' nice value (0 leaves them as they are). */
  public static final String DATA_PATH_NICE_ENVIRONMENT = "SPLICELAB_DATA_PATH_NICE";

  /**
   * What a scheduling change achieved: whether it was applied (the thread now runs SCHED_RR, or at
   * the nice value asked for), and a line for the run's record.
   */
  public record Outcome(boolean applied, String description) {}

  private interface LibC extends Library {
    int sched_setscheduler(int pid, int policy, int[] param) throws LastErrorException;

    int setpriority(int which, int who, int prio) throws LastErrorException;
  }

  /** setpriority's PRIO_PROCESS: Linux takes who as one thread's id (0: the calling thread). */
  static final int PRIO_PROCESS = 0;

  private static final Object LIBC = load();

  private Realtime() {}

  /**
   * The priority {@value #ENVIRONMENT} asks for, else {@link #DEFAULT_PRIORITY}.
   *
   * @throws IllegalArgumentException naming the variable and the range when it is not 0 to 99
   */
  public static int priorityFromEnvironment() {
    return parsePriority(System.getenv(ENVIRONMENT));
  }

  /**
   * The names (Linux's 15-character comm) of data-path threads begin with this: the services' gRPC
   * transport threads ({@code dev.splicelab.common.grpc.DataPathTransport}) and the mutator's
   * writers. Whoever drives a cell finds them by it.
   */
  public static final String DATA_PATH_THREAD_PREFIX = "data-path-";

  /**
   * The nice value {@value #DATA_PATH_NICE_ENVIRONMENT} asks for, else {@link #DEFAULT_DATA_PATH_NICE}.
   *
   * @throws IllegalArgumentException naming the variable and the range when it is not -20 to 19
   */
  public static int dataPathNiceFromEnvironment() {
    return parseNice(System.getenv(DATA_PATH_NICE_ENVIRONMENT));
  }

  static int parseNice(String value) {
    return parse(DATA_PATH_NICE_ENVIRONMENT, value, DEFAULT_DATA_PATH_NICE, MIN_NICE, MAX_NICE,
        "an integer between -20 and 19 (0: leave the threads as they are)");
  }

  static int parsePriority(String value) {
    return parse(ENVIRONMENT, value, DEFAULT_PRIORITY, 0, MAX_PRIORITY, "an integer between 0 (off) and " + MAX_PRIORITY);
  }

  /** {@code value} of environment variable {@code name}: blank gives {@code fallback}; else an integer in range. */
  private static int parse(String name, String value, int fallback, int min, int max, String allowed) {
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(value.trim());
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(name + ": must be " + allowed + ", got '" + value + "'");
  }

  /**
   * Returns {@code priority}.
   *
   * @throws IllegalArgumentException for a SCHED_RR priority outside 0 (off) to 99
   */
  public static int requirePriority(int priority) {
    if (priority < 0 || priority > MAX_PRIORITY) {
      throw new IllegalArgumentException("realtime priority: must be between 0 (off) and " + MAX_PRIORITY + ", got "
          + priority);
    }
    return priority;
  }

  /** The range of nice values. */
  public static final int MIN_NICE = -20;
  public static final int MAX_NICE = 19;

  /**
   * Returns {@code nice}.
   *
   * @throws IllegalArgumentException for a value outside -20 to 19
   */
  public static int requireNice(int nice) {
    if (nice < MIN_NICE || nice > MAX_NICE) {
      throw new IllegalArgumentException("nice: must be between -20 and 19, got " + nice);
    }
    return nice;
  }

  /**
   * Gives the calling thread the nice value {@code nice} (-20 to 19); 0 leaves it as it is. Never
   * throws for a refusal by the system: the outcome says what happened.
   *
   * @throws IllegalArgumentException for a value outside -20 to 19
   */
  public static Outcome niceCurrentThread(int nice) {
    if (nice == 0) {
      return new Outcome(false, "nice 0 (left as it is)");
    }
    return niceThread(0, nice);
  }

  /**
   * Gives thread {@code tid} (a Linux thread id; 0: the calling thread) the nice value {@code
   * nice}, -20 to 19, 0 included (which restores the default). Never throws for a refusal by the
   * system (a thread that ended, a missing privilege): the outcome says what happened.
   *
   * @throws IllegalArgumentException for a value outside -20 to 19
   */
  public static Outcome niceThread(int tid, int nice) {
    requireNice(nice);
    if (!(LIBC instanceof LibC libc)) {
      return new Outcome(false, "nice 0 (no native access: " + LIBC + ")");
    }
    try {
      libc.setpriority(PRIO_PROCESS, tid, nice);
      return new Outcome(true, "nice " + nice);
    } catch (LastErrorException e) {
      return new Outcome(false, "nice 0 (setpriority(" + nice + ") failed: errno " + e.getErrorCode()
          + (e.getErrorCode() == 13 || e.getErrorCode() == 1 ? ", needs CAP_SYS_NICE or an RLIMIT_NICE of at least "
          + (20 - nice) : "") + ")");
    }
  }

  private static Object load() {
    try {
      return Native.load("c", LibC.class);
    } catch (Throwable t) { // UnsatisfiedLinkError and friends: no native access here
      return t.getClass().getSimpleName() + ": " + t.getMessage();
    }
  }

  /**
   * Puts the calling thread under SCHED_RR at {@code priority} (1 to 99); 0 leaves it under the
   * default policy. Never throws for a refusal by the system: the outcome says what happened.
   *
   * @throws IllegalArgumentException for a priority outside 0 to 99
   */
  public static Outcome promoteCurrentThread(int priority) {
    requirePriority(priority);
    if (priority == 0) {
      return new Outcome(false, "SCHED_OTHER (real-time priority off)");
    }
    if (!(LIBC instanceof LibC libc)) {
      return new Outcome(false, "SCHED_OTHER (no native access: " + LIBC + ")");
    }
    try {
      libc.sched_setscheduler(0, SCHED_RR, new int[] {priority}); // pid 0: the calling thread
      return new Outcome(true, String.format(Locale.ROOT, "SCHED_RR %d", priority));
    } catch (LastErrorException e) {
      return new Outcome(false, "SCHED_OTHER (sched_setscheduler(SCHED_RR, " + priority + ") failed: errno "
          + e.getErrorCode() + (e.getErrorCode() == 1 ? ", EPERM: needs CAP_SYS_NICE or an RLIMIT_RTPRIO of at least "
          + priority : "") + ")");
    }
  }
}
