package dev.splicelab.checker.domain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JudgedSetTest {

  private static final String CONN = "run-1/0/2/";

  @Test
  void anIdIsContainedOnceAdded() {
    JudgedSet s = new JudgedSet();
    assertThat(s.contains(CONN + 0)).isFalse();
    s.add(CONN + 0);
    assertThat(s.contains(CONN + 0)).isTrue();
    assertThat(s.contains(CONN + 1)).isFalse();
    assertThat(s.contains("run-1/0/3/0")).as("another connection").isFalse();
    assertThat(s.contains("run-1/1/2/0")).as("another cell").isFalse();
  }

  @Test
  void inOrderSequencesAreRememberedByTheFloorAlone() {
    JudgedSet s = new JudgedSet();
    for (int i = 0; i < 1000; i++) {
      s.add(CONN + i);
    }
    assertThat(s.size()).isZero();
    assertThat(s.contains(CONN + 0)).isTrue();
    assertThat(s.contains(CONN + 999)).isTrue();
    assertThat(s.contains(CONN + 1000)).isFalse();
    s.add(CONN + 5);
    assertThat(s.size()).as("adding a judged id again keeps nothing").isZero();
  }

  @Test
  void outOfOrderSequencesWaitAboveTheFloorUntilTheGapFills() {
    JudgedSet s = new JudgedSet();
    s.add(CONN + 2);
    s.add(CONN + 3);
    assertThat(s.size()).isEqualTo(2);
    assertThat(s.contains(CONN + 1)).isFalse();
    assertThat(s.contains(CONN + 3)).isTrue();
    s.add(CONN + 0);
    assertThat(s.size()).isEqualTo(2);
    s.add(CONN + 1);
    assertThat(s.size()).as("0..3 are below the floor now").isZero();
    for (int i = 0; i <= 3; i++) {
      assertThat(s.contains(CONN + i)).isTrue();
    }
    assertThat(s.contains(CONN + 4)).isFalse();
  }

  @Test
  void connectionsKeepTheirOwnFloors() {
    JudgedSet s = new JudgedSet();
    s.add("run-1/0/1/0");
    s.add("run-1/0/1/1");
    s.add("run-1/0/2/1");
    assertThat(s.contains("run-1/0/2/0")).isFalse();
    assertThat(s.contains("run-1/0/2/1")).isTrue();
    assertThat(s.contains("run-1/0/1/1")).isTrue();
    assertThat(s.size()).isEqualTo(1);
  }

  @Test
  void idsWithoutANumericLastPartAreKeptAsTheyAre() {
    JudgedSet s = new JudgedSet();
    for (String id : new String[] {"t-0042", "run-1/0/2/7~1", "run-1/0/2/", "/5", "run-1/0/2/12345678901234567890"}) {
      assertThat(s.contains(id)).as(id).isFalse();
      s.add(id);
      assertThat(s.contains(id)).as(id).isTrue();
    }
    assertThat(s.size()).isEqualTo(5);
    assertThat(s.contains(CONN + 7)).as("a recheck copy is not the original").isFalse();
    assertThat(s.contains("/6")).isFalse();
  }

  @Test
  void theFloorSkipsAGapOnceMoreThanTheLimitWaitAboveIt() {
    JudgedSet s = new JudgedSet();
    s.add(CONN + 2);
    for (long i = 4; i < 4 + JudgedSet.AHEAD_LIMIT - 1; i++) {
      s.add(CONN + i);
    }
    assertThat(s.size()).as("at the limit nothing is skipped").isEqualTo(JudgedSet.AHEAD_LIMIT);
    assertThat(s.contains(CONN + 0)).isFalse();

    s.add(CONN + (4 + JudgedSet.AHEAD_LIMIT - 1));
    assertThat(s.contains(CONN + 0)).as("skipped: taken as judged").isTrue();
    assertThat(s.contains(CONN + 1)).isTrue();
    assertThat(s.contains(CONN + 2)).isTrue();
    assertThat(s.contains(CONN + 3)).as("the next gap is the new floor").isFalse();
    assertThat(s.size()).isEqualTo(JudgedSet.AHEAD_LIMIT);
    s.add(CONN + 3);
    assertThat(s.size()).isZero();
    assertThat(s.contains(CONN + (4 + JudgedSet.AHEAD_LIMIT - 1))).isTrue();
    assertThat(s.contains(CONN + (4 + JudgedSet.AHEAD_LIMIT))).isFalse();
  }
}
