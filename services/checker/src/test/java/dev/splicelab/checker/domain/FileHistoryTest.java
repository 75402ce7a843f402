package dev.splicelab.checker.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.splicelab.proto.MutationKind;
import dev.splicelab.proto.MutationRecord;
import dev.splicelab.proto.RunContext;
import dev.splicelab.proto.Strategy;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FileHistoryTest {

  private static final RunContext CTX =
      RunContext.newBuilder().setRunId("run-1").setCell(0).setStrategy(Strategy.SHARE).build();
  private static final int FILE = 3;
  private static final int UNIT = 1024;
  private static final long OP_A = 0xA;
  private static final long OP_B = 0xB;
  private static final long OP_C = 0xC;
  private static final long OP_D = 0xD;
  private static final long OP_E = 0xE;

  private static MutationRecord rec(long version, MutationKind kind, long offset, long length, long opId, long sizeAfter) {
    return MutationRecord.newBuilder().setContext(CTX).setFileId(FILE).setVersion(version).setKind(kind)
        .setOffset(offset).setLength(length).setOpId(opId).setSizeAfter(sizeAfter).setAtNanos(1_000 * version).build();
  }

  /**
   * v1 CREATE 8 KiB, v2 WRITE A [0, 4K), v3 WRITE B [4K, 8K), v4 PUNCH [1K, 2K), v5 TRUNCATE to 3K,
   * v6 TRUNCATE to 8K, v7 WRITE C [6K, 7K).
   */
  private static List<MutationRecord> log() {
    return List.of(
        rec(1, MutationKind.CREATE, 0, 8192, 0, 8192),
        rec(2, MutationKind.WRITE, 0, 4096, OP_A, 8192),
        rec(3, MutationKind.WRITE, 4096, 4096, OP_B, 8192),
        rec(4, MutationKind.PUNCH_HOLE, 1024, 1024, 0, 8192),
        rec(5, MutationKind.TRUNCATE, 3072, 0, 0, 3072),
        rec(6, MutationKind.TRUNCATE, 8192, 0, 0, 8192),
        rec(7, MutationKind.WRITE, 6144, 1024, OP_C, 8192));
  }

  private static FileHistory history(List<MutationRecord> records) {
    FileHistory h = new FileHistory();
    for (MutationRecord r : records) {
      assertThat(h.add(r)).as("add v%d", r.getVersion()).isTrue();
    }
    return h;
  }

  private static final Map<Long, Character> NAMES = Map.of(OP_A, 'A', OP_B, 'B', OP_C, 'C', OP_D, 'D', OP_E, 'E');

  /**
   * One character per UNIT bytes of [start, end) at the version: '0' for zeros, else the op's
   * letter. Also checks that the spans tile [start, end) exactly, in order, without overlap, and
   * that zero spans carry op id 0.
   */
  private static String map(FileHistory h, long version, long start, long end) {
    List<FileHistory.Span> spans = h.contents(version, start, end);
    long pos = start;
    for (FileHistory.Span s : spans) {
      assertThat(s.start()).as("spans tile the range: %s", spans).isEqualTo(pos);
      assertThat(s.end()).as("non-empty span in %s", spans).isGreaterThan(s.start());
      if (s.zero()) {
        assertThat(s.opId()).as("zero span op id").isZero();
      }
      pos = s.end();
    }
    assertThat(pos).as("spans reach the end: %s", spans).isEqualTo(end);
    StringBuilder out = new StringBuilder();
    for (long u = start; u < end; u += UNIT) {
      for (FileHistory.Span s : spans) {
        if (s.start() <= u && u < s.end()) {
          assertThat(s.end()).as("span boundary on a unit boundary").isGreaterThanOrEqualTo(u + UNIT);
          out.append(s.zero() ? '0' : NAMES.getOrDefault(s.opId(), '?'));
        }
      }
    }
    return out.toString();
  }

  @Test
  void contentsAtEveryVersionOfCreateWritesPunchAndTruncates() {
    FileHistory h = history(log());
    assertThat(h.contiguousVersion()).isEqualTo(7);
    assertThat(map(h, 1, 0, 8192)).isEqualTo("00000000");
    assertThat(map(h, 2, 0, 8192)).isEqualTo("AAAA0000");
    assertThat(map(h, 3, 0, 8192)).isEqualTo("AAAABBBB");
    assertThat(map(h, 4, 0, 8192)).as("punch zeroes [1K, 2K)").isEqualTo("A0AABBBB");
    assertThat(map(h, 5, 0, 8192)).as("shrink to 3K cuts [3K, 8K)").isEqualTo("A0A00000");
    assertThat(map(h, 6, 0, 8192)).as("grow back to 8K exposes zeros, not the old data").isEqualTo("A0A00000");
    assertThat(map(h, 7, 0, 8192)).as("a later write over the cut region is data").isEqualTo("A0A000C0");
  }

  @Test
  void contentsOfASubRangeIsClippedToIt() {
    FileHistory h = history(log());
    List<FileHistory.Span> spans = h.contents(4, 512, 1536);
    assertThat(spans).containsExactly(
        new FileHistory.Span(512, 1024, false, OP_A),
        new FileHistory.Span(1024, 1536, true, 0));
    assertThat(h.contents(3, 4096 + 64, 4096 + 128)).containsExactly(new FileHistory.Span(4160, 4224, false, OP_B));
  }

  @Test
  void contentsBeyondTheKnownVersionsIsTheLatestState() {
    FileHistory h = history(log());
    assertThat(map(h, 100, 0, 8192)).isEqualTo(map(h, 7, 0, 8192)).isEqualTo("A0A000C0");
  }

  @Test
  void truncatesOnlyAffectBytesPastTheSmallerSize() {
    FileHistory h = history(List.of(
        rec(1, MutationKind.CREATE, 0, 8192, 0, 8192),
        rec(2, MutationKind.WRITE, 0, 8192, OP_A, 8192),
        rec(3, MutationKind.TRUNCATE, 6144, 0, 0, 6144),
        rec(4, MutationKind.TRUNCATE, 7168, 0, 0, 7168)));
    assertThat(map(h, 3, 0, 8192)).isEqualTo("AAAAAA00");
    assertThat(map(h, 4, 0, 8192)).isEqualTo("AAAAAA00");
    assertThat(map(h, 4, 0, 6144)).isEqualTo("AAAAAA");
  }

  @Test
  void mmapStoresAndDirectWritesAreDataOfTheirOp() {
    FileHistory h = history(List.of(
        rec(1, MutationKind.CREATE, 0, 4096, 0, 4096),
        rec(2, MutationKind.MMAP_STORE, 1024, 1024, OP_D, 4096),
        rec(3, MutationKind.DIRECT_WRITE, 2048, 2048, OP_E, 4096)));
    assertThat(map(h, 3, 0, 4096)).isEqualTo("0DEE");
    assertThat(map(h, 2, 0, 4096)).isEqualTo("0D00");
    assertThat(h.versionOf(OP_D)).isEqualTo(2);
    assertThat(h.versionOf(OP_E)).isEqualTo(3);
  }

  @Test
  void recreateHidesEverythingBefore() {
    FileHistory h = history(List.of(
        rec(1, MutationKind.CREATE, 0, 4096, 0, 4096),
        rec(2, MutationKind.WRITE, 0, 4096, OP_A, 4096),
        rec(3, MutationKind.CREATE, 0, 4096, 0, 4096),
        rec(4, MutationKind.WRITE, 3072, 1024, OP_B, 4096)));
    assertThat(map(h, 2, 0, 4096)).isEqualTo("AAAA");
    assertThat(map(h, 4, 0, 4096)).isEqualTo("000B");
  }

  @Test
  void outOfOrderRecordsWaitForTheGap() {
    List<MutationRecord> log = log();
    FileHistory h = new FileHistory();
    assertThat(h.contiguousVersion()).isZero();
    assertThat(h.add(log.get(0))).isTrue();
    assertThat(h.add(log.get(2))).isTrue(); // v3
    assertThat(h.add(log.get(3))).isTrue(); // v4
    assertThat(h.add(log.get(6))).isTrue(); // v7
    assertThat(h.contiguousVersion()).isEqualTo(1);
    assertThat(h.versionOf(OP_B)).as("v3 is not part of the history before v2 arrives").isEqualTo(-1);
    assertThat(map(h, 7, 0, 8192)).as("only v1 is known").isEqualTo("00000000");

    assertThat(h.add(log.get(1))).isTrue(); // v2 fills the gap up to v4
    assertThat(h.contiguousVersion()).isEqualTo(4);
    assertThat(h.versionOf(OP_A)).isEqualTo(2);
    assertThat(h.versionOf(OP_B)).isEqualTo(3);
    assertThat(h.versionOf(OP_C)).as("v7 still waits for v5, v6").isEqualTo(-1);
    assertThat(map(h, 7, 0, 8192)).isEqualTo("A0AABBBB");

    assertThat(h.add(log.get(5))).isTrue(); // v6
    assertThat(h.contiguousVersion()).isEqualTo(4);
    assertThat(h.add(log.get(4))).isTrue(); // v5 releases v5, v6, v7
    assertThat(h.contiguousVersion()).isEqualTo(7);
    assertThat(h.versionOf(OP_C)).isEqualTo(7);
    assertThat(map(h, 7, 0, 8192)).isEqualTo("A0A000C0");
    for (int v = 1; v <= 7; v++) {
      assertThat(h.at(v)).isEqualTo(log.get(v - 1));
    }
  }

  @Test
  void duplicatesAreRejected() {
    List<MutationRecord> log = log();
    FileHistory h = new FileHistory();
    assertThat(h.add(log.get(0))).isTrue();
    assertThat(h.add(log.get(0))).as("duplicate of an applied version").isFalse();
    assertThat(h.add(log.get(2))).isTrue();
    assertThat(h.add(log.get(2))).as("duplicate of a pending version").isFalse();
    assertThat(h.add(log.get(1))).isTrue();
    assertThat(h.add(log.get(2))).as("duplicate after the gap was filled").isFalse();
    assertThat(h.add(log.get(1))).isFalse();
    assertThat(h.contiguousVersion()).isEqualTo(3);
    assertThat(map(h, 3, 0, 8192)).isEqualTo("AAAABBBB");
  }

  @Test
  void versionOfMapsOpIdsToTheVersionThatWroteThem() {
    FileHistory h = history(log());
    assertThat(h.versionOf(OP_A)).isEqualTo(2);
    assertThat(h.versionOf(OP_B)).isEqualTo(3);
    assertThat(h.versionOf(OP_C)).isEqualTo(7);
    assertThat(h.versionOf(0xFFFF)).isEqualTo(-1);
  }

  @Test
  void effectIsWhatOneVersionDidToTheBytes() {
    FileHistory h = history(log());
    assertThat(h.effect(1)).isEqualTo(new FileHistory.Effect(0, Long.MAX_VALUE, true, 0));
    assertThat(h.effect(2)).isEqualTo(new FileHistory.Effect(0, 4096, false, OP_A));
    assertThat(h.effect(4)).as("punch").isEqualTo(new FileHistory.Effect(1024, 2048, true, 0));
    assertThat(h.effect(5)).as("shrink 8K -> 3K").isEqualTo(new FileHistory.Effect(3072, Long.MAX_VALUE, true, 0));
    assertThat(h.effect(6)).as("grow 3K -> 8K").isEqualTo(new FileHistory.Effect(3072, 8192, true, 0));
    assertThat(h.effect(7)).isEqualTo(new FileHistory.Effect(6144, 7168, false, OP_C));
  }

  @Test
  void versionAtIsTheNewestVersionAppliedAtOrBeforeAnInstant() {
    FileHistory h = history(log()); // version v applied at 1000 * v ns
    assertThat(h.versionAt(0)).as("before the first record: at least 1").isEqualTo(1);
    assertThat(h.versionAt(1_000)).isEqualTo(1);
    assertThat(h.versionAt(2_999)).isEqualTo(2);
    assertThat(h.versionAt(3_000)).as("applied at the instant").isEqualTo(3);
    assertThat(h.versionAt(7_000)).isEqualTo(7);
    assertThat(h.versionAt(Long.MAX_VALUE)).isEqualTo(7);
    FileHistory same = history(List.of(
        rec(1, MutationKind.CREATE, 0, 8192, 0, 8192),
        rec(2, MutationKind.WRITE, 0, 1024, OP_A, 8192).toBuilder().setAtNanos(5_000).build(),
        rec(3, MutationKind.WRITE, 0, 1024, OP_B, 8192).toBuilder().setAtNanos(5_000).build(),
        rec(4, MutationKind.WRITE, 0, 1024, OP_C, 8192).toBuilder().setAtNanos(5_000).build(),
        rec(5, MutationKind.WRITE, 0, 1024, OP_D, 8192).toBuilder().setAtNanos(9_000).build()));
    assertThat(same.versionAt(5_000)).as("the newest of several at one instant").isEqualTo(4);
    assertThat(same.versionAt(4_999)).isEqualTo(1);
  }
}
