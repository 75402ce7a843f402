package dev.splicelab.common.fidelity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.splicelab.proto.TimeFidelity;
import org.junit.jupiter.api.Test;

class WindowStatsTest {

  private static TimeFidelity one(long impliedUs, long measuredUs) {
    WindowStats s = new WindowStats();
    s.record(impliedUs, measuredUs, 0, 0, 0);
    return s.snapshot();
  }

  /** DESIGN section 8: representative when the overhead is at most REPRESENTATIVE of the implied window. */
  private static boolean representative(TimeFidelity f) {
    return WindowStats.overheadFraction(f) <= WindowStats.REPRESENTATIVE;
  }

  @Test
  void nothingRecordedIsTheEmptyFidelityWithNoOverhead() {
    WindowStats s = new WindowStats();
    assertThat(s.count()).isZero();
    assertThat(s.snapshot()).isEqualTo(TimeFidelity.getDefaultInstance());
    assertThat(WindowStats.overheadFraction(s.snapshot())).isZero();
  }

  @Test
  void snapshotHasMeansAndPercentilesOfImpliedMeasuredAndOverhead() {
    WindowStats s = new WindowStats();
    s.record(100, 120, 0, 0, 0);
    s.record(200, 210, 0, 0, 0);
    s.record(300, 330, 0, 0, 0);
    TimeFidelity f = s.snapshot();
    assertThat(s.count()).isEqualTo(3);
    assertThat(f.getTransfers()).isEqualTo(3);
    assertThat(f.getImpliedMeanUs()).isEqualTo(200.0);
    assertThat(f.getImpliedP50Us()).isEqualTo(200);
    assertThat(f.getImpliedP99Us()).isEqualTo(300);
    assertThat(f.getMeasuredMeanUs()).isEqualTo(220.0);
    assertThat(f.getMeasuredP50Us()).isEqualTo(210);
    assertThat(f.getMeasuredP99Us()).isEqualTo(330);
    assertThat(f.getOverheadMeanUs()).isEqualTo(20.0);
    assertThat(f.getOverheadP50Us()).isEqualTo(20);
    assertThat(f.getOverheadP99Us()).isEqualTo(30);
    assertThat(WindowStats.overheadFraction(f)).isEqualTo(0.1);
  }

  @Test
  void theOverheadSplitsIntoReplyWakePostAndTheRestAsWire() {
    WindowStats s = new WindowStats();
    s.record(1000, 1400, 30, 100, 50);
    s.record(2000, 2200, 0, 60, 10);
    s.record(500, 600, 0, 0, 0); // no breakdown: all wire
    TimeFidelity f = s.snapshot();
    assertThat(f.getOverheadReplyMeanUs()).isEqualTo(30.0 / 3);
    assertThat(f.getOverheadWakeMeanUs()).isEqualTo(160.0 / 3);
    assertThat(f.getOverheadPostMeanUs()).isEqualTo(60.0 / 3);
    assertThat(f.getOverheadWireMeanUs()).isEqualTo((220.0 + 130 + 100) / 3);
    assertThat(f.getOverheadReplyMeanUs() + f.getOverheadWakeMeanUs() + f.getOverheadPostMeanUs()
        + f.getOverheadWireMeanUs()).isCloseTo(f.getOverheadMeanUs(), org.assertj.core.data.Offset.offset(1e-9));
  }

  @Test
  void aNegativeOverheadIsZeroInThePercentilesButKeepsItsSignInTheMean() {
    WindowStats s = new WindowStats();
    s.record(1000, 900, 0, 0, 0);
    s.record(1000, 1300, 0, 0, 0);
    TimeFidelity f = s.snapshot();
    assertThat(f.getOverheadMeanUs()).isEqualTo(100.0);
    assertThat(f.getOverheadP50Us()).isZero();
    assertThat(f.getOverheadP99Us()).isEqualTo(300);
    assertThat(f.getMeasuredMeanUs()).isEqualTo(1100.0);
  }

  @Test
  void overheadFractionIsMeanOverheadOverMeanImpliedWindow() {
    assertThat(WindowStats.overheadFraction(one(400, 500))).isEqualTo(0.25);
    assertThat(WindowStats.overheadFraction(one(400, 300))).as("faster than implied").isEqualTo(-0.25);
    assertThat(WindowStats.overheadFraction(one(0, 50))).as("no implied window").isZero();
  }

  @Test
  void representativeUpToAndIncludingTenPercentOverhead() {
    assertThat(WindowStats.REPRESENTATIVE).isEqualTo(0.10);
    TimeFidelity at = one(1000, 1100);
    assertThat(WindowStats.overheadFraction(at)).isEqualTo(0.10);
    assertThat(representative(at)).as("exactly at the threshold").isTrue();
    assertThat(representative(one(1000, 1099))).as("just below").isTrue();
    assertThat(representative(one(1000, 1101))).as("just above").isFalse();
    assertThat(representative(one(1_000_000, 1_100_001))).as("a microsecond above").isFalse();
  }
}
