package dev.splicelab.launcher.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** On this JVM's own threads, through the real /proc: only data-path threads change, and back. */
class DataPathPriorityTest {

  private static Integer niceOf(String name) throws Exception {
    try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path t : tasks.toList()) {
        if (Files.readString(t.resolve("comm")).trim().equals(name)) {
          String stat = Files.readString(t.resolve("stat"));
          return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16]); // field 19: nice
        }
      }
    }
    return null;
  }

  private static Thread parked(String name, CountDownLatch release) {
    Thread t = new Thread(() -> {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  @Test
  void onlyDataPathThreadsTakeTheCellsNiceValueAndGiveItBack() throws Exception {
    assumeThat(Files.isDirectory(Path.of("/proc/self/task"))).as("Linux /proc").isTrue();
    CountDownLatch release = new CountDownLatch(1);
    parked("data-path-test", release);
    parked("observer-test", release);
    try {
      while (niceOf("data-path-test") == null || niceOf("observer-test") == null) {
        Thread.sleep(1);
      }
      long self = ProcessHandle.current().pid();
      DataPathPriority p = new DataPathPriority(3); // a positive value: allowed without privileges
      String on = p.apply(List.of(self), true);
      assertThat(on).startsWith("nice 3 for ").endsWith(" data-path threads of 1 processes");
      assertThat(niceOf("data-path-test")).isEqualTo(3);
      assertThat(niceOf("observer-test")).as("not a data-path thread").isZero();

      String off = p.apply(List.of(self), false);
      if (off.startsWith("nice 0 for ")) {
        assertThat(niceOf("data-path-test")).isZero();
      } else {
        assertThat(off).as("back to 0 needs CAP_SYS_NICE: refused, and said so").contains("setpriority(0) failed");
      }
    } finally {
      release.countDown();
    }
  }

  @Test
  void dataPathThreadsAreTheNamedOnesAndThoseThatEndAPause() {
    assertThat(DataPathPriority.dataPath("data-path-worke")).isTrue();
    assertThat(DataPathPriority.dataPath("VM Thread")).isTrue();
    assertThat(DataPathPriority.dataPath("GC Thread#0")).isTrue();
    assertThat(DataPathPriority.dataPath("C2 CompilerThre")).isFalse();
    assertThat(DataPathPriority.dataPath("history-reader")).isFalse();
    assertThat(DataPathPriority.dataPath("kafka-producer-")).isFalse();
  }

  @Test
  void nothingChangesWithoutProcessesOrWithNiceZero() {
    assertThat(new DataPathPriority(-10).apply(List.of(), true)).contains("not processes of this launcher");
    assertThat(new DataPathPriority(0).apply(List.of(ProcessHandle.current().pid()), true))
        .isEqualTo("data-path threads at nice 0 (SPLICELAB_DATA_PATH_NICE=0)");
  }
}
