package dev.splicelab.checker.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.splicelab.proto.MutationKind;
import dev.splicelab.proto.MutationRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@link FileHistory#compactTo} forgets and what it must keep. */
class FileHistoryCompactionTest {

  private static final int FILE = 3;
  private static final int UNIT = 1024;
  private static final long OP_A = 0xA;
  private static final long OP_B = 0xB;
  private static final long OP_C = 0xC;
  private static final Map<Long, Character> NAMES = Map.of(OP_A, 'A', OP_B, 'B', OP_C, 'C');

  private static MutationRecord rec(long version, MutationKind kind, long offset, long length, long opId, long sizeAfter) {
    return MutationRecord.newBuilder().setFileId(FILE).setVersion(version).setKind(kind).setOffset(offset)
        .setLength(length).setOpId(opId).setSizeAfter(sizeAfter).setAtNanos(1_000 * version).build();
  }

  /**
   * v1 CREATE 8 KiB, v2 WRITE A [0, 4K), v3 WRITE B [4K, 8K), v4 PUNCH [1K, 2K), v5 TRUNCATE to 3K,
   * v6 TRUNCATE to 8K, v7 WRITE C [6K, 7K).
   */
  private static FileHistory history() {
    FileHistory h = new FileHistory();
    for (MutationRecord r : List.of(
        rec(1, MutationKind.CREATE, 0, 8192, 0, 8192),
        rec(2, MutationKind.WRITE, 0, 4096, OP_A, 8192),
        rec(3, MutationKind.WRITE, 4096, 4096, OP_B, 8192),
        rec(4, MutationKind.PUNCH_HOLE, 1024, 1024, 0, 8192),
        rec(5, MutationKind.TRUNCATE, 3072, 0, 0, 3072),
        rec(6, MutationKind.TRUNCATE, 8192, 0, 0, 8192),
        rec(7, MutationKind.WRITE, 6144, 1024, OP_C, 8192))) {
      assertThat(h.add(r)).isTrue();
    }
    return h;
  }

  /** One character per UNIT of [0, 8K) at the version: '0' for zeros, else the op's letter. */
  private static String map(FileHistory h, long version) {
    StringBuilder out = new StringBuilder();
    for (FileHistory.Span s : h.contents(version, 0, 8192)) {
      for (long u = s.start(); u < s.end(); u += UNIT) {
        out.append(s.zero() ? '0' : NAMES.getOrDefault(s.opId(), '?'));
      }
    }
    return out.toString();
  }

  @Test
  void versionsFromTheNewFloorOnAreRebuiltExactly() {
    FileHistory h = history();
    assertThat(h.compactTo(4)).as("versions forgotten").isEqualTo(4);
    assertThat(h.baseVersion()).isEqualTo(4);
    assertThat(h.contiguousVersion()).isEqualTo(7);
    assertThat(map(h, 4)).isEqualTo("A0AABBBB");
    assertThat(map(h, 5)).isEqualTo("A0A00000");
    assertThat(map(h, 6)).isEqualTo("A0A00000");
    assertThat(map(h, 7)).isEqualTo("A0A000C0");
    assertThat(h.effect(5)).isEqualTo(new FileHistory.Effect(3072, Long.MAX_VALUE, true, 0));
  }

  @Test
  void versionsBelowTheFloorAndTheFloorsRecordAreNoLongerAvailable() {
    FileHistory h = history();
    h.compactTo(4);
    assertThatThrownBy(() -> h.contents(3, 0, 8192))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("v4");
    assertThatThrownBy(() -> h.at(4)).as("the floor's contents remain, its record does not")
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not retained");
    assertThat(h.at(5).getVersion()).isEqualTo(5);
    assertThat(h.versionAt(0)).as("no earlier version than the floor").isEqualTo(4);
  }

  @Test
  void compactionShrinksTheRetainedLogAndForgetsOpsNoLongerVisible() {
    FileHistory h = history();
    assertThat(h.retained()).isEqualTo(7);
    h.compactTo(4);
    assertThat(h.retained()).isEqualTo(3);
    assertThat(h.versionOf(OP_A)).as("A's cells are still in the image").isEqualTo(2);
    assertThat(h.versionOf(OP_B)).as("B's cells are what retained v5 overwrote").isEqualTo(3);

    assertThat(h.compactTo(5)).isEqualTo(1);
    assertThat(h.retained()).isEqualTo(2);
    assertThat(h.versionOf(OP_B)).as("B can no longer be seen: folded").isEqualTo(FileHistory.FOLDED);
    assertThat(h.versionOf(OP_A)).isEqualTo(2);
    assertThat(map(h, 5)).isEqualTo("A0A00000");
  }

  @Test
  void compactionStopsAtTheContiguousVersionAndLaterRecordsStillApply() {
    FileHistory h = history();
    assertThat(h.add(rec(9, MutationKind.WRITE, 0, 1024, 0xE, 8192))).isTrue();
    assertThat(h.compactTo(100)).isEqualTo(7);
    assertThat(h.baseVersion()).isEqualTo(7);
    assertThat(h.retained()).as("only the record waiting for v8").isEqualTo(1);
    assertThat(map(h, 7)).isEqualTo("A0A000C0");
    assertThat(h.compactTo(3)).as("compacting backwards forgets nothing").isZero();

    assertThat(h.add(rec(8, MutationKind.WRITE, 7168, 1024, OP_B + 0x10, 8192))).isTrue();
    assertThat(h.contiguousVersion()).isEqualTo(9);
    assertThat(map(h, 7)).isEqualTo("A0A000C0");
    assertThat(map(h, 9)).isEqualTo("?0A000C?");
  }

  /** Past a thousand forgotten versions the log's storage is trimmed; lookups must survive it. */
  @Test
  void longHistoriesStayExactAcrossRepeatedCompaction() {
    int units = 8;
    long size = (long) units * UNIT;
    int versions = 3000;
    FileHistory h = new FileHistory();
    h.add(rec(1, MutationKind.CREATE, 0, size, 0, size));
    List<long[]> expected = new ArrayList<>(); // expected.get(v)[u]: the op of unit u at v, 0 for zeros
    expected.add(null);
    expected.add(new long[units]);
    for (int v = 2; v <= versions; v++) {
      long[] now = expected.get(v - 1).clone();
      int unit = v == 2 ? units - 1 : (v * 3) % (units - 1); // v2 alone writes the last unit
      if (v % 11 == 0) {
        h.add(rec(v, MutationKind.PUNCH_HOLE, (long) unit * UNIT, UNIT, 0, size));
        now[unit] = 0;
      } else {
        h.add(rec(v, MutationKind.WRITE, (long) unit * UNIT, UNIT, v, size));
        now[unit] = v;
      }
      expected.add(now);
      if (v % 500 == 0) {
        h.compactTo(v - 100);
      }
    }
    assertThat(h.baseVersion()).isEqualTo(versions - 100);
    assertThat(h.retained()).isEqualTo(100);
    for (int v : new int[] {versions - 100, versions - 57, versions - 1, versions}) {
      long[] got = new long[units];
      for (FileHistory.Span s : h.contents(v, 0, size)) {
        for (long u = s.start(); u < s.end(); u += UNIT) {
          got[(int) (u / UNIT)] = s.zero() ? 0 : s.opId();
        }
      }
      assertThat(got).as("contents at v%d", v).isEqualTo(expected.get(v));
    }
    assertThat(h.at(versions - 57).getVersion()).isEqualTo(versions - 57);
    assertThat(h.versionOf(2)).as("an op whose cells are still in the image keeps its version").isEqualTo(2);
    assertThat(h.versionOf(3)).as("an op overwritten long ago is folded").isEqualTo(FileHistory.FOLDED);
  }
}
