package dev.splicelab.checker.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.splicelab.common.cells.CellCodec;
import dev.splicelab.proto.DeliveryRecord;
import dev.splicelab.proto.MutationKind;
import dev.splicelab.proto.MutationRecord;
import dev.splicelab.proto.RunContext;
import dev.splicelab.proto.SpliceRecord;
import dev.splicelab.proto.Topics;
import dev.splicelab.proto.Verdict;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * A restarted checker resumes from its committed position on a real broker: it rebuilds the cell
 * in flight from that cell's first records, without re-reading (or re-judging) the cell finalized
 * before, so a transfer spliced before the restart and delivered after it is still judged.
 */
class CheckerResumeTest {

  private static final String RUN = "run-resume";
  private static final RunContext A = RunContext.newBuilder().setRunId(RUN).setCell(0).build();
  private static final RunContext B = RunContext.newBuilder().setRunId(RUN).setCell(1).build();
  private static final long MS = 1_000_000L;
  private static final int SIZE = 8192;

  @Test
  void aRestartedCheckerRebuildsTheCellInFlightAndSkipsTheFinalizedOne() throws Exception {
    EmbeddedKafkaKraftBroker kafka = new EmbeddedKafkaKraftBroker(1, 1);
    kafka.afterPropertiesSet();
    String bootstrap = kafka.getBrokersAsString();
    try (KafkaProducer<String, byte[]> producer = producer(bootstrap); Admin admin = admin(bootstrap)) {
      admin.createTopics(Topics.ALL.stream().map(t -> new NewTopic(t, Topics.PARTITIONS, (short) 1)).toList())
          .all().get(30, TimeUnit.SECONDS);
      String group = "checker-resume-test";
      List<Verifier.Judged> before = new CopyOnWriteArrayList<>();
      Verifier first = new Verifier(before::add);
      HistoryReader reader = new HistoryReader(bootstrap, first, false, null, group);
      reader.start();
      await(reader::ready, "the first reader is positioned");
      assertThat(reader.resumedFrom()).contains("no committed position");

      // cell A: a file, a transfer of its zeros, a later write that shows the log passed the delivery
      send(producer, Topics.MUTATIONS, 1, mutation(A, 1, 1, MutationKind.CREATE, 0, SIZE, 0, 1));
      send(producer, Topics.SPLICES, 1, splice(A, RUN + "/a/1", 1, 1, 2));
      send(producer, Topics.DELIVERIES, 1, delivery(A, RUN + "/a/1", 1, new byte[4096], 3));
      send(producer, Topics.MUTATIONS, 1, mutation(A, 1, 2, MutationKind.WRITE, 4096, 64, 0xA0, 4));
      await(() -> before.stream().anyMatch(j -> j.transferId().equals(RUN + "/a/1")), "cell A's transfer is judged");
      first.finalizeCell(RUN, 0, 0);

      // cell B: its file and a transfer spliced before the restart
      send(producer, Topics.MUTATIONS, 2, mutation(B, 2, 1, MutationKind.CREATE, 0, SIZE, 0, 10));
      send(producer, Topics.SPLICES, 2, splice(B, RUN + "/b/1", 2, 1, 11));
      await(() -> first.footprint()[0] == 1, "cell B's transfer is read");
      TopicPartition mutations = new TopicPartition(Topics.MUTATIONS, partitionOf(2));
      await(() -> committed(admin, group).getOrDefault(mutations, new OffsetAndMetadata(0)).offset() == 2,
          "the commit pins the mutations partition at cell B's first record (offset 2), past cell A's");
      reader.close();

      List<Verifier.Judged> after = new CopyOnWriteArrayList<>();
      Verifier second = new Verifier(after::add);
      HistoryReader restarted = new HistoryReader(bootstrap, second, false, null, group);
      restarted.start();
      await(restarted::ready, "the restarted reader is positioned");
      assertThat(restarted.resumedFrom()).contains("committed position of group " + group);

      // B's transfer is delivered after the restart: judging it needs B's CREATE and splice, read before
      byte[] zeros = new byte[4096];
      send(producer, Topics.DELIVERIES, 2, delivery(B, RUN + "/b/1", 2, zeros, 12));
      send(producer, Topics.MUTATIONS, 2, mutation(B, 2, 2, MutationKind.WRITE, 4096, 64, 0xB0, 13));
      await(() -> after.stream().anyMatch(j -> j.transferId().equals(RUN + "/b/1")),
          () -> "cell B's transfer is judged (held " + java.util.Arrays.toString(second.footprint()) + ", lag "
              + restarted.lag() + ", malformed " + restarted.malformed() + ", judged " + after + ")");
      restarted.close();

      assertThat(after).allSatisfy(j -> {
        assertThat(j.transferId()).isEqualTo(RUN + "/b/1");
        assertThat(j.verdict()).isEqualTo(Verdict.OK);
      });
      assertThat(second.finalizedCells()).contains(RUN + "#0");
      assertThat(second.finalizeCell(RUN, 1, 0).getVerdicts()).isEqualTo(1);
    } finally {
      kafka.destroy();
    }
  }

  /** Every record on partition 0, so that cell A's records lie before cell B's in each topic. */
  private static int partitionOf(int fileId) {
    return 0;
  }

  private static void send(KafkaProducer<String, byte[]> p, String topic, int fileId, com.google.protobuf.MessageLite m)
      throws Exception {
    p.send(new ProducerRecord<>(topic, partitionOf(fileId), Integer.toString(fileId), m.toByteArray())).get(20, TimeUnit.SECONDS);
  }

  private static MutationRecord mutation(RunContext ctx, int file, long version, MutationKind kind, long offset,
      long length, long op, long atMs) {
    return MutationRecord.newBuilder().setContext(ctx).setFileId(file).setVersion(version).setKind(kind)
        .setOffset(offset).setLength(length).setOpId(op).setSizeAfter(SIZE).setAtNanos(atMs * MS).build();
  }

  private static SpliceRecord splice(RunContext ctx, String id, int file, long version, long atMs) {
    return SpliceRecord.newBuilder().setContext(ctx).setTransferId(id).setFileId(file).setOffset(0).setLength(4096)
        .setVersion(version).setPipeId(1).setAtNanos(atMs * MS).build();
  }

  private static DeliveryRecord delivery(RunContext ctx, String id, int file, byte[] bytes, long atMs) {
    return DeliveryRecord.newBuilder().setContext(ctx).setTransferId(id).setFileId(file).setOffset(0)
        .setLength(bytes.length).addAllRuns(CellCodec.decodeRuns(file, 0, bytes)).setAtNanos(atMs * MS).build();
  }

  private static Map<TopicPartition, OffsetAndMetadata> committed(Admin admin, String group) {
    try {
      return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      return Map.of();
    }
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    await(condition, () -> what);
  }

  private static void await(BooleanSupplier condition, java.util.function.Supplier<String> what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("within 60 s: " + what.get());
      }
      Thread.sleep(50);
    }
  }

  private static KafkaProducer<String, byte[]> producer(String bootstrap) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    return new KafkaProducer<>(p);
  }

  private static Admin admin(String bootstrap) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    return Admin.create(p);
  }
}
