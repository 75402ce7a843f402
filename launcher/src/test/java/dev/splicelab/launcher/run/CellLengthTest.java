package dev.splicelab.launcher.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CellLengthTest {

  static final long S = 1_000_000_000L;

  @Test
  void withoutALeastCountACellEndsOnTimeAndNeverAsksForTheCount() {
    CellLength l = new CellLength(100, Duration.ofSeconds(10), 0);
    AtomicInteger asked = new AtomicInteger();
    assertThat(l.over(100 + 10 * S - 1, () -> asked.incrementAndGet())).isFalse();
    assertThat(l.over(100 + 10 * S, () -> asked.incrementAndGet())).isTrue();
    assertThat(asked.get()).isZero();
    assertThat(l.extending()).isFalse();
    assertThat(l.next(100)).isEqualTo(100 + 10 * S);
  }

  @Test
  void aShortCellRunsOnUntilItHoldsTheCountThenEnds() {
    CellLength l = new CellLength(0, Duration.ofSeconds(10), 2000);
    assertThat(l.over(5 * S, () -> 0)).as("the count is asked only once the duration passed").isFalse();
    assertThat(l.extending()).isFalse();
    assertThat(l.over(10 * S, () -> 1_825)).isFalse();
    assertThat(l.extending()).isTrue();
    assertThat(l.announce()).isTrue();
    assertThat(l.announce()).as("announced once").isFalse();
    assertThat(l.next(10 * S)).isEqualTo(11 * S);
    assertThat(l.over(11 * S, () -> 2_000)).isTrue();
  }

  @Test
  void aCellThatNeverReachesTheCountEndsAtFourTimesItsDuration() {
    CellLength l = new CellLength(0, Duration.ofSeconds(10), 2000);
    assertThat(l.over(39 * S, () -> 10)).isFalse();
    assertThat(l.next(39 * S + S / 2)).isEqualTo(40 * S);
    assertThat(l.over(40 * S, () -> 10)).isTrue();
    assertThat(l.longest()).isEqualTo(40 * S);
  }

  @Test
  void aSenderThatDoesNotAnswerDoesNotHoldTheCount() {
    CellLength l = new CellLength(0, Duration.ofSeconds(1), 5);
    assertThat(l.over(S, () -> -1)).isFalse();
    assertThat(l.over(4 * S, () -> -1)).isTrue();
  }
}
