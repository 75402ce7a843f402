package dev.splicelab.launcher.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.splicelab.proto.MutationRecord;
import dev.splicelab.proto.Topics;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A recorded topic read on its own thread: records displaced in time by less than the reorder
 * buffer come out in time order across batch boundaries, each once, remapped; a damaged file
 * surfaces on the consumer's thread naming the file; closing it early stops the reading thread.
 */
class RecordedTopicTest {

  @TempDir
  Path dir;

  @Test
  void recordsDisplacedInTimeComeOutInTimeOrderEachOnceAndRemapped() throws IOException {
    int n = 20_000;
    long[] times = new long[n];
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < n; i++) {
      times[i] = 1_000L * i + random.nextLong(5_000_000); // up to 5,000 records late or early
    }
    write(times);
    long sum = 0;
    int count = 0;
    long last = Long.MIN_VALUE;
    try (RecordedTopic<MutationRecord> t = new RecordedTopic<>(dir, Topics.MUTATIONS, MutationRecord.parser(),
        MutationRecord::getAtNanos, r -> r.toBuilder().setVersion(r.getVersion() + 1_000_000).build())) {
      while (t.head() != null) {
        MutationRecord r = t.take();
        assertThat(r.getAtNanos()).as("record %d", count).isGreaterThanOrEqualTo(last);
        assertThat(r.getVersion()).isGreaterThan(1_000_000);
        last = r.getAtNanos();
        sum += r.getVersion() - 1_000_000;
        count++;
      }
    }
    assertThat(count).isEqualTo(n);
    assertThat(sum).isEqualTo((long) n * (n + 1) / 2); // versions 1..n, each exactly once
  }

  @Test
  void aDamagedFileFailsOnTheConsumersThreadNamingTheFile() throws IOException {
    Path events = Files.createDirectories(dir.resolve("events"));
    Files.write(events.resolve(Topics.MUTATIONS + ".pb"), new byte[] {0x7f, 0x01, 0x02}); // length 127, 2 bytes
    assertThatThrownBy(() -> {
      try (RecordedTopic<MutationRecord> t = new RecordedTopic<>(dir, Topics.MUTATIONS, MutationRecord.parser(),
          MutationRecord::getAtNanos, r -> r)) {
        while (t.head() != null) {
          t.take();
        }
      }
    }).isInstanceOf(UncheckedIOException.class).hasMessageContaining(Topics.MUTATIONS + ".pb");
  }

  @Test
  void closingBeforeTheEndStopsTheReadingThread() throws Exception {
    long[] times = new long[200_000];
    for (int i = 0; i < times.length; i++) {
      times[i] = i;
    }
    write(times);
    RecordedTopic<MutationRecord> t = new RecordedTopic<>(dir, Topics.MUTATIONS, MutationRecord.parser(),
        MutationRecord::getAtNanos, r -> r);
    assertThat(t.take().getAtNanos()).isZero();
    // found before close: once closed, the thread may be gone before anyone looks
    Thread reader = Thread.getAllStackTraces().keySet().stream()
        .filter(th -> th.getName().equals("recheck-" + Topics.MUTATIONS)).findFirst().orElse(null);
    assertThat(reader).as("reading thread, 199,999 records still to read").isNotNull();
    t.close();
    reader.join(10_000);
    assertThat(reader.isAlive()).as("reading thread after close").isFalse();
  }

  private void write(long[] times) throws IOException {
    Path events = Files.createDirectories(dir.resolve("events"));
    try (OutputStream out = Files.newOutputStream(events.resolve(Topics.MUTATIONS + ".pb"))) {
      for (int i = 0; i < times.length; i++) {
        MutationRecord.newBuilder().setVersion(i + 1).setAtNanos(times[i]).build().writeDelimitedTo(out);
      }
    }
  }
}
