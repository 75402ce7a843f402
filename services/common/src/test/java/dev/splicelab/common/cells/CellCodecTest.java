package dev.splicelab.common.cells;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.splicelab.proto.CellKind;
import dev.splicelab.proto.CellRun;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CellCodecTest {

  private static final int CELL = CellCodec.CELL;
  private static final int FILE = 7;
  private static final long OP_A = 0xA1A1L;
  private static final long OP_B = 0xB2B2L;

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  @Test
  void cellSizeIs64() {
    assertThat(CELL).isEqualTo(64);
  }

  @Test
  void fillThenDecodeGivesDataWithOpIdAndOffsetOfEveryCell() {
    long base = 4096;
    byte[] data = CellCodec.fill(FILE, OP_A, base, 4 * CELL);
    assertThat(data).hasSize(4 * CELL);
    for (int i = 0; i < 4; i++) {
      CellCodec.Cell c = CellCodec.decode(data, i * CELL, FILE, base + (long) i * CELL);
      assertThat(c.kind()).as("cell %d", i).isEqualTo(CellKind.CELL_DATA);
      assertThat(c.opId()).as("cell %d", i).isEqualTo(OP_A);
      assertThat(c.offset()).as("cell %d", i).isEqualTo(base + (long) i * CELL);
      assertThat(c.fileId()).as("cell %d", i).isEqualTo(FILE);
    }
  }

  @Test
  void encodeWritesTheSameBytesAsFillAtTheGivenPosition() {
    byte[] dst = new byte[3 * CELL];
    CellCodec.encode(FILE, OP_B, 128, dst, CELL);
    assertThat(Arrays.copyOfRange(dst, CELL, 2 * CELL)).isEqualTo(CellCodec.fill(FILE, OP_B, 128, CELL));
    assertThat(Arrays.copyOfRange(dst, 0, CELL)).containsOnly(0);
    assertThat(Arrays.copyOfRange(dst, 2 * CELL, 3 * CELL)).containsOnly(0);
  }

  @Test
  void fillIsAPureFunction() {
    assertThat(CellCodec.fill(FILE, OP_A, 640, 2 * CELL)).isEqualTo(CellCodec.fill(FILE, OP_A, 640, 2 * CELL));
  }

  @Test
  void allZeroCellDecodesAsZero() {
    CellCodec.Cell c = CellCodec.decode(new byte[CELL], 0, FILE, 192);
    assertThat(c.kind()).isEqualTo(CellKind.CELL_ZERO);
    assertThat(c.opId()).isZero();
    assertThat(c.offset()).isEqualTo(192);
  }

  @Test
  void cellHalfFromOneOpHalfFromAnotherIsTorn() {
    byte[] a = CellCodec.fill(FILE, OP_A, 256, CELL);
    byte[] b = CellCodec.fill(FILE, OP_B, 256, CELL);
    byte[] torn = new byte[CELL];
    System.arraycopy(a, 0, torn, 0, 32);
    System.arraycopy(b, 32, torn, 32, 32);
    assertThat(CellCodec.decode(torn, 0, FILE, 256).kind()).isEqualTo(CellKind.CELL_TORN);
    // and the other way round
    System.arraycopy(b, 0, torn, 0, 32);
    System.arraycopy(a, 32, torn, 32, 32);
    assertThat(CellCodec.decode(torn, 0, FILE, 256).kind()).isEqualTo(CellKind.CELL_TORN);
  }

  @Test
  void everyWordMixOfTwoWritesOrOfDataAndZerosIsTorn() {
    // A copy racing a store tears at word granularity or finer: try every choice of source for each
    // of the eight words, over op pairs that differ in one bit, in many bits and in the file id
    long[][] pairs = {{OP_A, OP_B}, {1, 2}, {1L << 40, (1L << 40) | 1}, {0x7FFFFFFFFFFFFFFFL, 0}};
    for (long[] pair : pairs) {
      for (long offset : new long[] {0, 64, 4096, 1L << 33}) {
        byte[] a = CellCodec.fill(FILE, pair[0], offset, CELL);
        byte[][] others = {CellCodec.fill(FILE, pair[1], offset, CELL), new byte[CELL],
            CellCodec.fill(FILE + 1, pair[0], offset, CELL)};
        for (byte[] b : others) {
          for (int mask = 1; mask < 255; mask++) {
            byte[] torn = a.clone();
            for (int w = 0; w < 8; w++) {
              if ((mask & (1 << w)) != 0) {
                System.arraycopy(b, 8 * w, torn, 8 * w, 8);
              }
            }
            if (Arrays.equals(torn, a) || Arrays.equals(torn, b)) {
              continue; // the words chosen from b equal a's (zero file id bits, equal offsets)
            }
            assertThat(CellCodec.decode(torn, 0, FILE, offset).kind())
                .as("ops %x/%x offset %d words from the other cell %s", pair[0], pair[1], offset, Integer.toBinaryString(mask))
                .isEqualTo(CellKind.CELL_TORN);
          }
        }
      }
    }
  }

  @Test
  void cellHalfDataHalfZerosIsTorn() {
    byte[] a = CellCodec.fill(FILE, OP_A, 256, CELL);
    byte[] firstHalf = a.clone();
    Arrays.fill(firstHalf, 32, CELL, (byte) 0);
    byte[] secondHalf = a.clone();
    Arrays.fill(secondHalf, 0, 32, (byte) 0);
    assertThat(CellCodec.decode(firstHalf, 0, FILE, 256).kind()).isEqualTo(CellKind.CELL_TORN);
    assertThat(CellCodec.decode(secondHalf, 0, FILE, 256).kind()).isEqualTo(CellKind.CELL_TORN);
  }

  @Test
  void anySingleFlippedBitMakesTheCellTorn() {
    byte[] good = CellCodec.fill(FILE, OP_A, 512, CELL);
    for (int i = 0; i < CELL * 8; i++) {
      byte[] bad = good.clone();
      bad[i / 8] ^= (byte) (1 << (i % 8));
      assertThat(CellCodec.decode(bad, 0, FILE, 512).kind()).as("flip of bit %d", i).isEqualTo(CellKind.CELL_TORN);
    }
  }

  @Test
  void validCellOfAnotherOffsetIsMisplaced() {
    byte[] cell = CellCodec.fill(FILE, OP_A, 1024, CELL);
    CellCodec.Cell c = CellCodec.decode(cell, 0, FILE, 2048);
    assertThat(c.kind()).isEqualTo(CellKind.CELL_MISPLACED);
    assertThat(c.offset()).isEqualTo(1024);
    assertThat(c.opId()).isEqualTo(OP_A);
    assertThat(c.fileId()).isEqualTo(FILE);
  }

  @Test
  void validCellOfAnotherFileIsMisplaced() {
    byte[] cell = CellCodec.fill(FILE + 1, OP_A, 1024, CELL);
    CellCodec.Cell c = CellCodec.decode(cell, 0, FILE, 1024);
    assertThat(c.kind()).isEqualTo(CellKind.CELL_MISPLACED);
    assertThat(c.fileId()).isEqualTo(FILE + 1);
    assertThat(c.offset()).isEqualTo(1024);
  }

  @Test
  void decodeRunsRunLengthEncodesByKindAndOp() {
    long base = 8192;
    byte[] data = concat(
        CellCodec.fill(FILE, OP_A, base, 3 * CELL),
        new byte[2 * CELL],
        CellCodec.fill(FILE, OP_B, base + 5 * CELL, CELL));
    List<CellRun> runs = CellCodec.decodeRuns(FILE, base, data);
    assertThat(runs).containsExactly(
        CellRun.newBuilder().setOffset(base).setCells(3).setKind(CellKind.CELL_DATA).setOpId(OP_A).build(),
        CellRun.newBuilder().setOffset(base + 3 * CELL).setCells(2).setKind(CellKind.CELL_ZERO).setOpId(0).build(),
        CellRun.newBuilder().setOffset(base + 5 * CELL).setCells(1).setKind(CellKind.CELL_DATA).setOpId(OP_B).build());
  }

  @Test
  void decodeRunsSplitsAdjacentDataOfDifferentOps() {
    byte[] data = concat(CellCodec.fill(FILE, OP_A, 0, CELL), CellCodec.fill(FILE, OP_B, CELL, 2 * CELL),
        CellCodec.fill(FILE, OP_A, 3 * CELL, CELL));
    List<CellRun> runs = CellCodec.decodeRuns(FILE, 0, data);
    assertThat(runs).extracting(CellRun::getOpId).containsExactly(OP_A, OP_B, OP_A);
    assertThat(runs).extracting(CellRun::getCells).containsExactly(1, 2, 1);
    assertThat(runs).extracting(CellRun::getOffset).containsExactly(0L, (long) CELL, 3L * CELL);
  }

  @Test
  void decodeRunsReportsTornAndMisplacedCellsWithoutOpId() {
    byte[] torn = CellCodec.fill(FILE, OP_A, CELL, CELL);
    torn[40] ^= 0x10;
    byte[] data = concat(
        CellCodec.fill(FILE, OP_A, 0, CELL),
        torn,
        CellCodec.fill(FILE, OP_A, 0, CELL), // cell of offset 0 delivered at offset 128
        CellCodec.fill(FILE, OP_A, 3 * CELL, CELL));
    List<CellRun> runs = CellCodec.decodeRuns(FILE, 0, data);
    assertThat(runs).extracting(CellRun::getKind).containsExactly(
        CellKind.CELL_DATA, CellKind.CELL_TORN, CellKind.CELL_MISPLACED, CellKind.CELL_DATA);
    assertThat(runs).extracting(CellRun::getOpId).containsExactly(OP_A, 0L, 0L, OP_A);
    assertThat(runs).extracting(CellRun::getOffset).containsExactly(0L, 64L, 128L, 192L);
    assertThat(runs.stream().mapToInt(CellRun::getCells).sum()).isEqualTo(4);
  }

  @Test
  void decodeRunsOfEmptyBufferIsEmpty() {
    assertThat(CellCodec.decodeRuns(FILE, 64, new byte[0])).isEmpty();
  }

  @Test
  void misalignedArgumentsAreRejected() {
    assertThatThrownBy(() -> CellCodec.fill(FILE, OP_A, 1, CELL)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CellCodec.fill(FILE, OP_A, 0, CELL + 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CellCodec.fill(FILE, OP_A, 0, -CELL)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CellCodec.decodeRuns(FILE, 32, new byte[CELL])).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CellCodec.decodeRuns(FILE, 0, new byte[CELL + 8])).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void differentFileOpOrOffsetGiveDifferentBytes() {
    Set<String> seen = new HashSet<>();
    int n = 0;
    for (int file : new int[] {1, 2, 65535}) {
      for (long op : new long[] {1, 2, OP_A, Long.MAX_VALUE}) {
        for (long off : new long[] {0, CELL, 4096, 1L << 30}) {
          byte[] cell = CellCodec.fill(file, op, off, CELL);
          seen.add(Arrays.toString(cell));
          n++;
        }
      }
    }
    assertThat(seen).hasSize(n);
    byte[] x = CellCodec.fill(1, 1, 0, CELL);
    byte[] y = CellCodec.fill(1, 2, 0, CELL);
    byte[] z = CellCodec.fill(2, 1, 0, CELL);
    byte[] w = CellCodec.fill(1, 1, CELL, CELL);
    assertThat(Arrays.copyOfRange(x, 24, 56)).isNotEqualTo(Arrays.copyOfRange(y, 24, 56))
        .isNotEqualTo(Arrays.copyOfRange(z, 24, 56)).isNotEqualTo(Arrays.copyOfRange(w, 24, 56));
  }
}
