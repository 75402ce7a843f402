package dev.splicelab.launcher.kernelrun;

import java.time.Instant;

/**
 * Nanoseconds since the epoch for every record of a kernel run: one epoch reading at class load
 * plus the monotonic clock, so times taken by different threads of this JVM (writers, senders,
 * receivers) order correctly at nanosecond resolution.
 */
final class EpochNanos {

  private static final long BASE_NANO;
  private static final long BASE_EPOCH;

  static {
    Instant i = Instant.now();
    BASE_NANO = System.nanoTime();
    BASE_EPOCH = i.getEpochSecond() * 1_000_000_000L + i.getNano();
  }

  private EpochNanos() {}

  static long now() {
    return BASE_EPOCH + (System.nanoTime() - BASE_NANO);
  }
}
