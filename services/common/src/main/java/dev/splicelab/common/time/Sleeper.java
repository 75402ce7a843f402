package dev.splicelab.common.time;

import java.util.concurrent.locks.LockSupport;

/**
 * Injected waiting, so tests can run without real delays. The default parks the calling thread
 * for about the given time (LockSupport precision, tens of microseconds on Linux).
 */
@FunctionalInterface
public interface Sleeper {

  /** Waits about {@code micros} microseconds; returns early if the thread is interrupted. */
  void sleepMicros(long micros);

  Sleeper REAL = micros -> {
    long deadline = System.nanoTime() + micros * 1000;
    long left;
    while ((left = deadline - System.nanoTime()) > 0 && !Thread.currentThread().isInterrupted()) {
      LockSupport.parkNanos(left);
    }
  };

  Sleeper NONE = micros -> {};
}
