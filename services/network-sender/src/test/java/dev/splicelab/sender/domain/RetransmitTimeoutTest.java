package dev.splicelab.sender.domain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RetransmitTimeoutTest {

  private static final long MS = 1_000_000;

  @Test
  void beforeAnySampleTheRtoIsTheMinimum() {
    RetransmitTimeout t = new RetransmitTimeout(200 * MS);
    assertThat(t.nanos(0)).isEqualTo(200 * MS);
  }

  @Test
  void aLanRoundTripAddsItselfToTheMinimumAsLinuxDoes() {
    RetransmitTimeout t = new RetransmitTimeout(200 * MS);
    for (int i = 0; i < 50; i++) {
      t.sample(MS / 2); // 500 us, steady: rttvar decays, the minimum dominates the deviation term
    }
    assertThat(t.nanos(0)).isEqualTo(200 * MS + MS / 2);
  }

  @Test
  void lateAcksRaiseTheRtoAboveTheirRoundTrip() {
    RetransmitTimeout t = new RetransmitTimeout(200 * MS);
    t.sample(MS / 2);
    for (int i = 0; i < 20; i++) {
      t.sample(300 * MS); // a stretched path: 300 ms round trips
    }
    assertThat(t.nanos(0)).isGreaterThan(300 * MS);
  }

  @Test
  void theFirstSampleSetsSrttAndHalfOfItAsRttvar() {
    RetransmitTimeout t = new RetransmitTimeout(10 * MS);
    t.sample(100 * MS); // srtt 100, rttvar 50: 100 + max(200, 10)
    assertThat(t.nanos(0)).isEqualTo(300 * MS);
    t.sample(100 * MS); // rttvar 50 + (0 - 50) / 4 = 37.5: 100 + 150
    assertThat(t.nanos(0)).isEqualTo(250 * MS);
  }

  @Test
  void eachRetransmissionDoublesTheTimerUpToTcpRtoMax() {
    RetransmitTimeout t = new RetransmitTimeout(200 * MS);
    assertThat(t.nanos(1)).isEqualTo(400 * MS);
    assertThat(t.nanos(3)).isEqualTo(1600 * MS);
    assertThat(t.nanos(10)).isEqualTo(RetransmitTimeout.MAX_NANOS);
    assertThat(t.nanos(99)).isEqualTo(RetransmitTimeout.MAX_NANOS);
    assertThat(RetransmitTimeout.backedOff(RetransmitTimeout.MAX_NANOS, 1)).isEqualTo(RetransmitTimeout.MAX_NANOS);
  }

  @Test
  void aNegativeSampleIsIgnored() {
    RetransmitTimeout t = new RetransmitTimeout(200 * MS);
    t.sample(-5);
    assertThat(t.nanos(0)).isEqualTo(200 * MS);
  }
}
