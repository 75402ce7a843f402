package dev.splicelab.common.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class RealtimeTest {

  @Test
  void thePriorityComesFromTheEnvironmentWithinItsRange() {
    assertThat(Realtime.parsePriority(null)).isEqualTo(Realtime.DEFAULT_PRIORITY);
    assertThat(Realtime.parsePriority(" ")).isEqualTo(Realtime.DEFAULT_PRIORITY);
    assertThat(Realtime.parsePriority("0")).isZero();
    assertThat(Realtime.parsePriority(" 99 ")).isEqualTo(99);
    for (String bad : new String[] {"100", "-1", "ten", "1.5"}) {
      assertThatThrownBy(() -> Realtime.parsePriority(bad)).isInstanceOf(IllegalArgumentException.class)
          .hasMessage("SPLICELAB_REALTIME_PRIORITY: must be an integer between 0 (off) and 99, got '" + bad + "'");
    }
  }

  @Test
  void theDataPathNiceValueComesFromTheEnvironmentWithinItsRange() {
    assertThat(Realtime.parseNice(null)).isEqualTo(-10);
    assertThat(Realtime.parseNice("0")).isZero();
    assertThat(Realtime.parseNice("-20")).isEqualTo(-20);
    assertThat(Realtime.parseNice("19")).isEqualTo(19);
    for (String bad : new String[] {"-21", "20", "low"}) {
      assertThatThrownBy(() -> Realtime.parseNice(bad)).isInstanceOf(IllegalArgumentException.class)
          .hasMessage("SPLICELAB_DATA_PATH_NICE: must be an integer between -20 and 19 (0: leave the threads as they "
              + "are), got '" + bad + "'");
    }
    assertThatThrownBy(() -> Realtime.niceThread(0, 20)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("nice: must be between -20 and 19, got 20");
  }

  @Test
  void anOutOfRangePriorityIsRefusedAndZeroLeavesTheThreadAlone() throws Exception {
    assertThatThrownBy(() -> Realtime.promoteCurrentThread(100)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("between 0 (off) and 99, got 100");
    Promoted off = promoteANewThread(0);
    assertThat(off.outcome().applied()).isFalse();
    assertThat(off.outcome().description()).isEqualTo("SCHED_OTHER (real-time priority off)");
    if (off.policy() != null) {
      assertThat(off.policy()).as("the thread's policy in /proc").isZero();
    }
  }

  /** What a promotion says is what the kernel then reports for the thread, whichever way it went. */
  @Test
  void aPromotionReportsWhatTheKernelThenSays() throws Exception {
    Promoted p = promoteANewThread(3);
    if (p.outcome().applied()) {
      assertThat(p.outcome().description()).isEqualTo("SCHED_RR 3");
      if (p.policy() != null) {
        assertThat(p.policy()).as("SCHED_RR in /proc/thread-self/stat").isEqualTo(Realtime.SCHED_RR);
      }
    } else {
      assertThat(p.outcome().description()).startsWith("SCHED_OTHER (").doesNotContain("real-time priority off");
      if (p.policy() != null) {
        assertThat(p.policy()).isZero();
      }
    }
  }

  /** A promotion's outcome, and the policy the kernel then reports for the thread (null off Linux). */
  record Promoted(Realtime.Outcome outcome, Integer policy) {}

  /** Promotes a new thread of its own (so that this one stays as it is), and reads its policy back. */
  private static Promoted promoteANewThread(int priority) throws InterruptedException {
    AtomicReference<Promoted> result = new AtomicReference<>();
    Thread t = new Thread(() -> result.set(new Promoted(Realtime.promoteCurrentThread(priority), policy())));
    t.start();
    t.join();
    return result.get();
  }

  /** The calling thread's scheduling policy (field 41 of its stat), or null off Linux. */
  private static Integer policy() {
    Path stat = Path.of("/proc/thread-self/stat");
    try {
      String s = Files.readString(stat);
      String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
      return Integer.parseInt(f[38]); // fields from 3 on: policy is field 41
    } catch (Exception e) {
      return null;
    }
  }
}
