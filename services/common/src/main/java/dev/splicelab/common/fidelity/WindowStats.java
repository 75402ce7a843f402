package dev.splicelab.common.fidelity;

import dev.splicelab.proto.TimeFidelity;
import org.HdrHistogram.Histogram;

/**
 * Accumulates race windows, implied and measured, into a {@link TimeFidelity}: what DESIGN
 * section 8 asks every run to report. Windows are in microseconds; an overhead below zero (a
 * clock tick of noise) counts as zero in the percentiles but keeps its sign in the mean.
 * Thread-safe.
 */
public final class WindowStats {

  private final Histogram implied = new Histogram(3);
  private final Histogram measured = new Histogram(3);
  private final Histogram overhead = new Histogram(3);
  private long count;
  private double impliedSum;
  private double measuredSum;
  private double replySum;
  private double wakeSum;
  private double postSum;

  /**
   * Records one attempt's windows and three parts of its overhead (see TimeFidelity: reply, wake,
   * post), microseconds; the rest of measured minus implied counts as wire.
   */
  public synchronized void record(long impliedUs, long measuredUs, long replyUs, long wakeUs, long postUs) {
    replySum += replyUs;
    wakeSum += wakeUs;
    postSum += postUs;
    implied.recordValue(Math.max(0, impliedUs));
    measured.recordValue(Math.max(0, measuredUs));
    overhead.recordValue(Math.max(0, measuredUs - impliedUs));
    impliedSum += impliedUs;
    measuredSum += measuredUs;
    count++;
  }

  public synchronized long count() {
    return count;
  }

  public synchronized TimeFidelity snapshot() {
    if (count == 0) {
      return TimeFidelity.getDefaultInstance();
    }
    return TimeFidelity.newBuilder().setTransfers(count)
        .setImpliedMeanUs(impliedSum / count).setImpliedP50Us(implied.getValueAtPercentile(50))
        .setImpliedP99Us(implied.getValueAtPercentile(99))
        .setMeasuredMeanUs(measuredSum / count).setMeasuredP50Us(measured.getValueAtPercentile(50))
        .setMeasuredP99Us(measured.getValueAtPercentile(99))
        .setOverheadMeanUs((measuredSum - impliedSum) / count).setOverheadP50Us(overhead.getValueAtPercentile(50))
        .setOverheadP99Us(overhead.getValueAtPercentile(99))
        .setOverheadReplyMeanUs(replySum / count).setOverheadWakeMeanUs(wakeSum / count)
        .setOverheadPostMeanUs(postSum / count)
        .setOverheadWireMeanUs((measuredSum - impliedSum - replySum - wakeSum - postSum) / count).build();
  }

  /**
   * The testbed's overhead as a fraction of the scenario's window (mean overhead over mean implied
   * window); 0 when nothing was measured.
   */
  public static double overheadFraction(TimeFidelity f) {
    return f.getImpliedMeanUs() <= 0 ? 0 : f.getOverheadMeanUs() / f.getImpliedMeanUs();
  }

  /** A cell is representative when its overhead is at most this fraction of the implied window. */
  public static final double REPRESENTATIVE = 0.10;
}
