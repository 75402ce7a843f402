package dev.splicelab.storage.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.splicelab.common.arena.Arena;
import dev.splicelab.common.errors.ResourceExhaustedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PhysicalMemoryTest {

  @TempDir
  Path dir;

  private PhysicalMemory memory(int frames) {
    return PhysicalMemory.create(dir.resolve("arena"), (long) frames * Arena.PAGE);
  }

  @Test
  void sizeIsRoundedDownToWholeFramesAndIsAtLeastOne() {
    try (PhysicalMemory m = PhysicalMemory.create(dir.resolve("a"), 3L * Arena.PAGE + Arena.PAGE - 1)) {
      assertThat(m.arena().frames()).isEqualTo(3);
    }
    try (PhysicalMemory m = PhysicalMemory.create(dir.resolve("b"), 10)) {
      assertThat(m.arena().frames()).isEqualTo(1);
    }
  }

  @Test
  void allocationHandsOutEveryFrameOnceAndCountsThem() {
    try (PhysicalMemory m = memory(4)) {
      assertThat(m.used()).isZero();
      Set<Integer> got = new HashSet<>();
      for (int i = 0; i < 4; i++) {
        got.add(m.allocate());
        assertThat(m.used()).isEqualTo(i + 1);
      }
      assertThat(got).containsExactlyInAnyOrder(0, 1, 2, 3);
    }
  }

  @Test
  void exhaustionIsAResourceExhaustedNamingTheArenaSizeAndItsSetting() {
    try (PhysicalMemory m = memory(2)) {
      m.allocate();
      m.allocate();
      assertThatThrownBy(m::allocate)
          .isInstanceOf(PhysicalMemory.Exhausted.class)
          .isInstanceOf(ResourceExhaustedException.class)
          .hasMessageContaining("2 page frames")
          .hasMessageContaining("splicelab.storage.arena-bytes");
      assertThat(m.used()).as("a refused allocation takes nothing").isEqualTo(2);
    }
  }

  @Test
  void aReleasedFrameIsReusedAndUncounted() {
    try (PhysicalMemory m = memory(3)) {
      m.allocate();
      int b = m.allocate();
      m.allocate();
      m.release(b);
      assertThat(m.used()).isEqualTo(2);
      assertThat(m.allocate()).isEqualTo(b);
      assertThat(m.used()).isEqualTo(3);
      assertThatThrownBy(m::allocate).isInstanceOf(PhysicalMemory.Exhausted.class);
    }
  }

  @Test
  void aFolioGetsAllItsFramesOrNone() {
    try (PhysicalMemory m = memory(4)) {
      int[] folio = m.allocate(3);
      assertThat(folio).hasSize(3).doesNotHaveDuplicates();
      assertThatThrownBy(() -> m.allocate(2)).isInstanceOf(PhysicalMemory.Exhausted.class);
      assertThat(m.used()).as("the partial allocation was given back").isEqualTo(3);
      int last = m.allocate();
      assertThat(folio).doesNotContain(last);
      assertThatThrownBy(m::allocate).isInstanceOf(PhysicalMemory.Exhausted.class);

      m.release(folio);
      assertThat(m.used()).isEqualTo(1);
      assertThat(m.allocate(3)).containsExactlyInAnyOrder(folio);
    }
  }

  @Test
  void cookieSlotsAreHandedOutOnceUntilReleased() {
    try (PhysicalMemory m = memory(1)) {
      Set<Integer> slots = new HashSet<>();
      for (int i = 0; i < Arena.COOKIE_SLOTS; i++) {
        slots.add(m.allocateCookieSlot());
      }
      assertThat(slots).hasSize(Arena.COOKIE_SLOTS);
      assertThat(slots).allSatisfy(s -> assertThat(s).isBetween(0, Arena.COOKIE_SLOTS - 1));
      assertThatThrownBy(m::allocateCookieSlot)
          .isInstanceOf(ResourceExhaustedException.class)
          .hasMessageContaining("cookie table is full")
          .hasMessageContaining(String.valueOf(Arena.COOKIE_SLOTS));
      m.releaseCookieSlot(17);
      assertThat(m.allocateCookieSlot()).isEqualTo(17);
    }
  }

  @Test
  void closeDeletesTheArenaFile() {
    PhysicalMemory m = memory(2);
    Path file = m.arena().path();
    assertThat(file).exists();
    m.close();
    assertThat(Files.exists(file)).isFalse();
  }
}
