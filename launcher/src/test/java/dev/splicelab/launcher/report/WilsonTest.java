package dev.splicelab.launcher.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class WilsonTest {

  private static void assertInterval(long successes, long trials, double low, double high) {
    double[] ci = Wilson.interval(successes, trials);
    assertThat(ci).hasSize(2);
    assertThat(ci[0]).as("low of %d/%d", successes, trials).isCloseTo(low, within(1e-3));
    assertThat(ci[1]).as("high of %d/%d", successes, trials).isCloseTo(high, within(1e-3));
  }

  @Test
  void knownValues() {
    assertInterval(0, 10, 0.0, 0.2775);
    assertInterval(5, 10, 0.2366, 0.7634);
    assertInterval(1, 100, 0.0018, 0.0545);
    assertInterval(10, 10, 0.7225, 1.0);
    assertInterval(120, 1000, 0.1013, 0.1416);
    assertInterval(1, 1, 0.2065, 1.0);
  }

  @Test
  void noTrialsGivesZeroInterval() {
    assertThat(Wilson.interval(0, 0)).containsExactly(0.0, 0.0);
  }

  @Test
  void edgesAreExactAndTheIntervalContainsTheEstimate() {
    assertThat(Wilson.interval(0, 1_000_000)[0]).isEqualTo(0.0);
    assertThat(Wilson.interval(1_000_000, 1_000_000)[1]).isEqualTo(1.0);
    for (long s = 0; s <= 40; s++) {
      double[] ci = Wilson.interval(s, 40);
      double p = s / 40.0;
      assertThat(ci[0]).isBetween(0.0, p);
      assertThat(ci[1]).isBetween(p, 1.0);
    }
  }

  @Test
  void intervalNarrowsWithMoreTrials() {
    double[] small = Wilson.interval(10, 100);
    double[] large = Wilson.interval(1000, 10_000);
    assertThat(large[1] - large[0]).isLessThan((small[1] - small[0]) / 3);
  }

  @Test
  void rejectsImpossibleCounts() {
    assertThatThrownBy(() -> Wilson.interval(11, 10)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Wilson.interval(-1, 10)).isInstanceOf(IllegalArgumentException.class);
  }
}
