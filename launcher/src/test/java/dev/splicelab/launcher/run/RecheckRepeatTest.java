package dev.splicelab.launcher.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.MessageLite;
import dev.splicelab.common.cells.CellCodec;
import dev.splicelab.proto.DeliveryRecord;
import dev.splicelab.proto.MutationKind;
import dev.splicelab.proto.MutationRecord;
import dev.splicelab.proto.RunContext;
import dev.splicelab.proto.SpliceRecord;
import dev.splicelab.proto.Topics;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * check --repeat K: a recorded history fed K times on ids and times of its own is judged as K
 * times the transfers, each with its own verdict: a clean one stays OK, one that read a write made
 * after its splice stays NEWER_VERSION (with the op ids moved consistently, never TORN), and the
 * verifier does not keep the finished copies' mutations.
 */
class RecheckRepeatTest {

  private static final String RUN = "run-repeat";
  private static final RunContext CTX = RunContext.newBuilder().setRunId(RUN).setCell(0).build();
  private static final long MS = 1_000_000L;
  private static final int FILE = 3;
  private static final long OP = (7L << 40) | 1;

  @TempDir
  Path dir;

  @Test
  void eachCopyIsJudgedAgainWithTheSameVerdicts() throws IOException {
    Path events = Files.createDirectories(dir.resolve("events"));
    write(events, Topics.MUTATIONS,
        mutation(1, MutationKind.CREATE, 0, 8192, 0, 1),
        mutation(2, MutationKind.WRITE, 4096, 4096, OP, 3), // after the second splice, over its range
        mutation(3, MutationKind.WRITE, 0, 64, OP + 1, 9)); // shows the log passed both deliveries
    write(events, Topics.SPLICES, splice(RUN + "/0/0/1", 0, 1, 2), splice(RUN + "/0/0/2", 4096, 1, 2));
    write(events, Topics.DELIVERIES,
        delivery(RUN + "/0/0/1", 0, new byte[4096], 5),
        delivery(RUN + "/0/0/2", 4096, CellCodec.fill(FILE, OP, 4096, 4096), 6));
    write(events, Topics.TRANSMISSIONS);

    long[] once = new long[4];
    Map<String, Long> one = Recheck.run(dir, RUN, once, 1, n -> { }).get(0).get("SNAPSHOT");
    long[] stats = new long[4];
    Map<String, Long> three = Recheck.run(dir, RUN, stats, 3, n -> { }).get(0).get("SNAPSHOT");

    assertThat(one).containsOnly(Map.entry("OK/NONE", 1L), Map.entry("VIOLATED/NEWER_VERSION", 1L));
    assertThat(three).containsOnly(Map.entry("OK/NONE", 3L), Map.entry("VIOLATED/NEWER_VERSION", 3L));
    assertThat(stats[0]).isEqualTo(3 * once[0]);
  }

  @Test
  void aRepeatOutsideItsRangeIsRefusedNamingTheFlag() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Recheck.run(dir, RUN, new long[4], 0, n -> { }))
        .hasMessageContaining("--repeat: must be between 1 and 100000, got 0");
  }

  private static MutationRecord mutation(long version, MutationKind kind, long offset, long length, long op, long atMs) {
    return MutationRecord.newBuilder().setContext(CTX).setFileId(FILE).setVersion(version).setKind(kind)
        .setOffset(offset).setLength(length).setOpId(op).setSizeAfter(8192).setAtNanos(atMs * MS).build();
  }

  private static SpliceRecord splice(String id, long offset, long version, long atMs) {
    return SpliceRecord.newBuilder().setContext(CTX).setTransferId(id).setFileId(FILE).setOffset(offset)
        .setLength(4096).setVersion(version).setPipeId(1).setAtNanos(atMs * MS).build();
  }

  private static DeliveryRecord delivery(String id, long offset, byte[] bytes, long atMs) {
    return DeliveryRecord.newBuilder().setContext(CTX).setTransferId(id).setFileId(FILE).setOffset(offset)
        .setLength(bytes.length).addAllRuns(CellCodec.decodeRuns(FILE, offset, bytes)).setAtNanos(atMs * MS).build();
  }

  private static void write(Path events, String topic, MessageLite... records) throws IOException {
    try (OutputStream out = Files.newOutputStream(events.resolve(topic + ".pb"))) {
      for (MessageLite r : records) {
        r.writeDelimitedTo(out);
      }
    }
  }
}
