package dev.splicelab.common.time;

/**
 * One workload's threads that keep the scenario's time ({@link Realtime}'s timing class): each
 * calls {@link #enter} as it starts, and {@link #record} says what they run under, for the run's
 * record: the first outcome, replaced by the first refusal if a later thread is refused.
 * Thread-safe.
 */
public final class TimingThreads {

  private final int priority;
  private final String which;
  private String record = "";

  /**
   * @param priority SCHED_RR priority, 1 to 99; 0 leaves the threads under the default policy
   * @param which the threads, for the record (e.g. "the application, NIC and link-timer threads")
   * @throws IllegalArgumentException for a priority outside 0 to 99
   */
  public TimingThreads(int priority, String which) {
    this.priority = Realtime.requirePriority(priority);
    this.which = which;
  }

  /** Puts the calling thread under SCHED_RR where the host allows it, and records the outcome. */
  public void enter() {
    Realtime.Outcome outcome = Realtime.promoteCurrentThread(priority);
    synchronized (this) {
      if (record.isEmpty() || !outcome.applied()) {
        record = outcome.description() + " for " + which;
      }
    }
  }

  /** What the threads run under; empty before the first one entered. */
  public synchronized String record() {
    return record;
  }
}
