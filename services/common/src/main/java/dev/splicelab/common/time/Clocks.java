package dev.splicelab.common.time;

import java.time.Clock;
import java.time.Instant;

public final class Clocks {
  private Clocks() {}

  /** Nanoseconds since the epoch as read from the injected clock. */
  public static long epochNanos(Clock clock) {
    Instant i = clock.instant();
    return i.getEpochSecond() * 1_000_000_000L + i.getNano();
  }
}
