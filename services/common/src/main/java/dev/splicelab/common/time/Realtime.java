package dev.splicelab.common.time;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.util.Locale;

/**
 * Real-time scheduling for the threads that keep a scenario's time: the emulated NIC's DMA and
 * RTO timers, the link's delay timers and the application's residency sleeps. Hardware does not
 * wait for a CPU, and on an idle host an application wakes within microseconds; on a host whose
 * cores the testbed itself saturates, a SCHED_OTHER thread waits for its turn after every timer,
 * which widens every race window (the run's "wake" overhead). A thread promoted to {@code
 * SCHED_RR} preempts the others when it wakes. These threads sleep most of the time and do little
 * work per wake-up, and Linux's RT throttling (95% of each second by default) bounds what they can
 * take from the rest.
 *
 * <p>Linux only. Where the policy cannot be set (no {@code CAP_SYS_NICE}, {@code RLIMIT_RTPRIO}
 * 0, another OS, no libc for JNA) the thread stays as it is and {@link Outcome#description()} says
 * why, for the run's record. Thread-safe; each call acts on the calling thread only.
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

  /** What a promotion achieved: whether the thread now runs SCHED_RR, and a line for the run's record. */
  public record Outcome(boolean realtime, String description) {}

  private interface LibC extends Library {
    int sched_setscheduler(int pid, int policy, int[] param) throws LastErrorException;
  }

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

  static int parsePriority(String value) {
    if (value == null || value.isBlank()) {
      return DEFAULT_PRIORITY;
    }
    try {
      int p = Integer.parseInt(value.trim());
      if (p >= 0 && p <= MAX_PRIORITY) {
        return p;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(ENVIRONMENT + ": must be an integer between 0 (off) and " + MAX_PRIORITY
        + ", got '" + value + "'");
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
    if (priority < 0 || priority > MAX_PRIORITY) {
      throw new IllegalArgumentException("realtime priority: must be between 0 (off) and " + MAX_PRIORITY + ", got "
          + priority);
    }
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
