package dev.splicelab.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.splicelab.common.cells.CellCodec;
import dev.splicelab.proto.FailureClass;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The verdict is computed cell by cell from what was expected and what was delivered. */
class CaseRunnerJudgeTest {

  static final int F = CaseRunner.FILE_ID;

  static List<CaseRunner.Expected> expect(long off, byte[] b) {
    return List.of(new CaseRunner.Expected(off, b));
  }

  @Test
  void identicalBytesAreNone() {
    byte[] x = CellCodec.fill(F, 3, 4096, 4096);
    Verdict v = CaseRunner.judge(expect(4096, x), x.clone());
    assertThat(v.failureClass()).isEqualTo(FailureClass.NONE);
    assertThat(v.wrongBytes()).isZero();
    assertThat(v.deliveredBytes()).isEqualTo(4096);
  }

  @Test
  void classesAreCountedPerCellAndTheMostSevereWins() {
    byte[] x = CellCodec.fill(F, 3, 0, 1024);
    byte[] d = x.clone();
    System.arraycopy(CellCodec.fill(F, 200, 128, 128), 0, d, 128, 128); // 2 newer cells
    Arrays.fill(d, 512, 576, (byte) 0); // 1 zero cell
    d[700] ^= 1; // 1 torn cell
    Verdict v = CaseRunner.judge(expect(0, x), d);
    assertThat(v.failureClass()).isEqualTo(FailureClass.ZEROED);
    assertThat(v.wrongByClass()).isEqualTo(Map.of("ZEROED", 64L, "TORN", 64L, "NEWER_VERSION", 128L));
    assertThat(v.wrongBytes()).isEqualTo(256);
    assertThat(v.firstWrong().get(0)).isEqualTo("file offset 128: NEWER_VERSION (op 200 instead of op 3)");
  }

  @Test
  void anOlderOpIsOlderVersionAndMissingBytesAreLost() {
    byte[] x = CellCodec.fill(F, 9, 0, 256);
    byte[] d = CellCodec.fill(F, 2, 0, 128);
    Verdict v = CaseRunner.judge(expect(0, x), d);
    assertThat(v.wrongByClass()).isEqualTo(Map.of("LOST", 128L, "OLDER_VERSION", 128L));
    assertThat(v.failureClass()).isEqualTo(FailureClass.LOST);
    assertThat(v.expectedBytes()).isEqualTo(256);
    assertThat(v.deliveredBytes()).isEqualTo(128);
  }

  @Test
  void partialCellWritesMakeTornCells() {
    byte[] newer = CaseRunner.cells(500, 32, 64); // second half of cell 0, first half of cell 1
    byte[] x = CellCodec.fill(F, 1, 0, 192);
    byte[] d = x.clone();
    System.arraycopy(newer, 0, d, 32, 64);
    Verdict v = CaseRunner.judge(expect(0, x), d);
    assertThat(v.wrongByClass()).isEqualTo(Map.of("TORN", 128L));
  }

  @Test
  void mergeAddsUpAndKeepsTheMostSevereClass() {
    Verdict a = new Verdict(FailureClass.NEWER_VERSION, 64, Map.of("NEWER_VERSION", 64L), 128, 128, List.of("a"));
    Verdict b = new Verdict(FailureClass.ZEROED, 64, Map.of("ZEROED", 64L), 64, 64, List.of("b"));
    Verdict m = CaseRunner.merge(a, b);
    assertThat(m.failureClass()).isEqualTo(FailureClass.ZEROED);
    assertThat(m.wrongBytes()).isEqualTo(128);
    assertThat(m.expectedBytes()).isEqualTo(192);
    assertThat(m.firstWrong()).containsExactly("a", "b");
  }
}
