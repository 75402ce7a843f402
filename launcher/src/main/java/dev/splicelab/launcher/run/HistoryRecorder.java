package dev.splicelab.launcher.run;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import dev.splicelab.proto.DeliveryRecord;
import dev.splicelab.proto.MutationRecord;
import dev.splicelab.proto.RunContext;
import dev.splicelab.proto.TransmissionRecord;
import dev.splicelab.proto.SpliceRecord;
import dev.splicelab.proto.Topics;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The run's history, copied out of Kafka into {@code RUN_DIR/events/TOPIC.pb} (length-delimited
 * protobuf records in partition order), so that a finished run can be re-checked from its logs
 * alone after the broker is gone.
 */
public final class HistoryRecorder {

  /** The topics the verifier reads, and the record type of each. */
  public static final List<String> TOPICS = List.of(Topics.MUTATIONS, Topics.SPLICES, Topics.TRANSMISSIONS, Topics.DELIVERIES);

  private HistoryRecorder() {}

  /** Copies every record of {@code runId} from the broker; returns records written per topic. */
  public static Map<String, Long> record(String bootstrap, String runId, Path runDir) throws IOException {
    Path dir = Files.createDirectories(runDir.resolve("events"));
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
    Map<String, Long> counts = new java.util.LinkedHashMap<>();
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p)) {
      for (String topic : TOPICS) {
        List<TopicPartition> parts = new ArrayList<>();
        for (PartitionInfo i : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
          parts.add(new TopicPartition(topic, i.partition()));
        }
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
        Map<TopicPartition, Long> ends = consumer.endOffsets(parts, Duration.ofSeconds(30));
        long n = 0;
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(dir.resolve(topic + ".pb")))) {
          while (parts.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
              RunContext ctx = context(topic, r.value());
              if (ctx != null && ctx.getRunId().equals(runId)) {
                writeDelimited(out, r.value());
                n++;
              }
            }
          }
        }
        counts.put(topic, n);
      }
    }
    return counts;
  }

  private static void writeDelimited(OutputStream out, byte[] bytes) throws IOException {
    com.google.protobuf.CodedOutputStream c = com.google.protobuf.CodedOutputStream.newInstance(out, 16);
    c.writeUInt32NoTag(bytes.length);
    c.flush();
    out.write(bytes);
  }

  private static RunContext context(String topic, byte[] value) {
    try {
      return switch (topic) {
        case Topics.MUTATIONS -> MutationRecord.parseFrom(value).getContext();
        case Topics.SPLICES -> SpliceRecord.parseFrom(value).getContext();
        case Topics.TRANSMISSIONS -> TransmissionRecord.parseFrom(value).getContext();
        default -> DeliveryRecord.parseFrom(value).getContext();
      };
    } catch (InvalidProtocolBufferException e) {
      return null; // a malformed record is not part of any run
    }
  }

  /** Reads a recorded topic back, in order, handing each record to {@code sink}. */
  public static <T extends MessageLite> long replay(Path runDir, String topic, com.google.protobuf.Parser<T> parser,
      Consumer<T> sink) throws IOException {
    Path f = runDir.resolve("events").resolve(topic + ".pb");
    if (!Files.isRegularFile(f)) {
      throw new IllegalArgumentException(runDir + ": no recorded history (" + f.getFileName() + " is missing); "
          + "only runs made by this version of the testbed can be re-checked");
    }
    long n = 0;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(f))) {
      T r;
      while ((r = parser.parseDelimitedFrom(in)) != null) {
        sink.accept(r);
        n++;
      }
    }
    return n;
  }
}
