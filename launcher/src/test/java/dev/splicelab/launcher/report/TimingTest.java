package dev.splicelab.launcher.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splicelab.proto.TimeFidelity;
import org.junit.jupiter.api.Test;

/** When a cell is representative: its race windows, and the mutation pace its writers kept. */
class TimingTest {

  static final TimeFidelity TIGHT = TimeFidelity.newBuilder().setTransfers(1000).setImpliedMeanUs(3000)
      .setMeasuredMeanUs(3150).setOverheadMeanUs(150).build();

  static CellResult.Timing timing(CellResult.MutationPace pace) {
    return new CellResult.Timing(TIGHT, "arena", 1, 1, pace, "");
  }

  @Test
  void writersThatKeptThePaceLeaveTheCellRepresentative() {
    CellResult.MutationPace p = CellResult.MutationPace.of(400, 5_900, 15, 0);
    assertTrue(p.kept());
    assertNull(timing(p).notRepresentative());
  }

  @Test
  void writersHeldUpByTheTestbedMakeTheCellUnrepresentativeAndSaySo() {
    CellResult.MutationPace p = CellResult.MutationPace.of(400, 1_830, 15, 0);
    assertFalse(p.kept());
    assertEquals(122, p.achievedPerSecond(), 0.5);
    String why = timing(p).notRepresentative();
    assertNotNull(why);
    assertTrue(why.contains("kept 122 of the 400 mutations/s"), why);
  }

  @Test
  void aShortSlowCellIsJudgedAgainstItsOwnPoissonSpreadNotTheNinetyPercentLine() {
    // 10/s over 5 s: 50 expected, sd 7; 40 is 80% of the rate but within 3 sd
    assertTrue(CellResult.MutationPace.of(10, 40, 5, 0).kept());
    assertFalse(CellResult.MutationPace.of(10, 20, 5, 0).kept());
  }

  @Test
  void writersStalledByTheStrategyAreShownNotJudged() {
    CellResult.MutationPace p = CellResult.MutationPace.of(400, 1_000, 15, 37);
    assertFalse(p.judged());
    assertTrue(p.kept());
    assertNull(timing(p).notRepresentative());
  }

  @Test
  void bothReasonsAreGivenWhenBothHold() {
    TimeFidelity wide = TIGHT.toBuilder().setMeasuredMeanUs(9000).setOverheadMeanUs(6000).build();
    String why = new CellResult.Timing(wide, "arena", 1, 1, CellResult.MutationPace.of(400, 1_830, 15, 0), "")
        .notRepresentative();
    assertTrue(why.contains("overhead is 200%") && why.contains("mutations/s"), why);
  }

  @Test
  void mutationsOffHaveNoPace() {
    assertEquals(CellResult.MutationPace.NONE, CellResult.MutationPace.of(0, 0, 15, 0));
    assertEquals("-", ConsoleTable.mutationRate(CellResult.MutationPace.NONE));
    assertEquals("", ConsoleTable.pace(CellResult.MutationPace.NONE));
  }
}
