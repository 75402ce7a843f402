package dev.splicelab.launcher.report;

/** Wilson score interval for a binomial proportion. */
public final class Wilson {

  /** Two-sided 95% standard normal quantile. */
  public static final double Z95 = 1.959963984540054;

  private Wilson() {}

  /**
   * The Wilson score 95% interval for {@code successes} out of {@code trials}.
   *
   * @return {low, high}, both within [0, 1]; {0, 0} when {@code trials == 0}
   * @throws IllegalArgumentException if a count is negative or successes exceed trials
   */
  public static double[] interval(long successes, long trials) {
    return interval(successes, trials, Z95);
  }

  /** Wilson score interval with the given normal quantile {@code z}. */
  public static double[] interval(long successes, long trials, double z) {
    if (trials < 0 || successes < 0 || successes > trials) {
      throw new IllegalArgumentException(
          "need 0 <= successes <= trials, got " + successes + "/" + trials);
    }
    if (trials == 0) {
      return new double[] {0, 0};
    }
    double n = trials;
    double p = successes / n;
    double z2 = z * z;
    double denom = 1 + z2 / n;
    double center = (p + z2 / (2 * n)) / denom;
    double half = z * Math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom;
    // At the edges the exact bound is 0 (or 1); clamp rounding noise.
    double low = successes == 0 ? 0 : Math.max(0, center - half);
    double high = successes == trials ? 1 : Math.min(1, center + half);
    return new double[] {low, high};
  }
}
