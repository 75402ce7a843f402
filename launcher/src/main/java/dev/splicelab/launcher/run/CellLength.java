package dev.splicelab.launcher.run;

import dev.splicelab.launcher.scenario.Scenario;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * How long a cell runs: its cell_duration, then on while it holds fewer started transfers than the
 * scenario's cell_min_transfers, for at most {@link Scenario#MAX_CELL_EXTENSION} times its duration
 * in all. Times are {@link System#nanoTime()}. Used by the driver's thread only (not thread-safe).
 */
public final class CellLength {

  private final long deadline;
  private final long longest;
  private final long minTransfers;
  private boolean extending;
  private boolean announced;

  /**
   * @param startedNanos when the cell's workload started
   * @param duration the cell's duration, dilated
   * @param minTransfers cell_min_transfers; 0: the cell ends on time alone
   */
  public CellLength(long startedNanos, Duration duration, long minTransfers) {
    this.deadline = startedNanos + duration.toNanos();
    this.longest = minTransfers > 0 ? startedNanos + Scenario.MAX_CELL_EXTENSION * duration.toNanos() : deadline;
    this.minTransfers = minTransfers;
  }

  /**
   * True once the cell may end at {@code now}: its duration has passed and it holds its least
   * number of transfers (asked of {@code started} only then; a negative count, a sender that does
   * not answer, does not hold them), or its longest duration has passed.
   */
  public boolean over(long now, LongSupplier started) {
    if (now < deadline) {
      return false;
    }
    if (now >= longest || started.getAsLong() >= minTransfers) {
      return true;
    }
    extending = true;
    return false;
  }

  /** The cell has run its duration and runs on for cell_min_transfers. */
  public boolean extending() {
    return extending;
  }

  /** True the first time it is asked once the cell is extending (for a one-time notice). */
  public boolean announce() {
    if (!extending || announced) {
      return false;
    }
    announced = true;
    return true;
  }

  /** When to look again after {@code now}: the end of the duration, then every second up to the longest. */
  public long next(long now) {
    return now < deadline ? deadline : Math.min(longest, now + 1_000_000_000L);
  }

  public long longest() {
    return longest;
  }
}
