package dev.splicelab.checker.domain;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.splicelab.proto.Topics;
import dev.splicelab.proto.DeliveryRecord;
import dev.splicelab.proto.MutationRecord;
import dev.splicelab.proto.TransmissionRecord;
import dev.splicelab.proto.SpliceRecord;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds the verifier from Kafka: one thread, one consumer assigned to every partition of the
 * history topics (partitions are assigned, not balanced: the checker reads the whole history
 * itself). With fromBeginning it starts at the start of each partition (re-checking old runs).
 * Otherwise, with a consumer group, it resumes where the group's committed offsets say (see
 * {@link ResumePosition}: the start of the oldest live cell, committed every 5 s), so a restarted
 * checker rebuilds the cells in flight without re-reading every run before them; with no
 * committed offset (a first start) it starts at the end (a run starts after the checker is
 * healthy). A record that does not parse is counted and skipped, never fatal.
 */
public final class HistoryReader implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(HistoryReader.class);
  private static final List<String> TOPICS = List.of(Topics.MUTATIONS, Topics.SPLICES, Topics.TRANSMISSIONS, Topics.DELIVERIES);

  private final String bootstrap;
  private final Verifier verifier;
  private final boolean fromBeginning;
  /** The consumer group whose committed offsets hold the resume position; null for none. */
  private final String groupId;
  private final ResumePosition resume = new ResumePosition();
  private long lastCommitMillis;
  private volatile String resumedFrom = "";
  /** Where the consumer's own Kafka client metrics go; null for none. */
  private final MeterRegistry meters;
  private final Map<TopicPartition, Long> positions = new ConcurrentHashMap<>();
  private volatile boolean ready;
  private volatile boolean closing;
  private volatile String error = "";
  private volatile long malformed;
  /** Records behind: sum over the assigned partitions of end offset - position, NaN until known. */
  private volatile double lag = Double.NaN;
  private Thread thread;

  public HistoryReader(String bootstrap, Verifier verifier, boolean fromBeginning) {
    this(bootstrap, verifier, fromBeginning, null, null);
  }

  /**
   * With {@code meters}, the consumer's Kafka client metrics are bound to it while the consumer is
   * open; with {@code groupId}, the resume position is committed under that group and read back at
   * start.
   */
  public HistoryReader(String bootstrap, Verifier verifier, boolean fromBeginning, MeterRegistry meters, String groupId) {
    this.bootstrap = bootstrap;
    this.verifier = verifier;
    this.fromBeginning = fromBeginning;
    this.meters = meters;
    this.groupId = groupId == null || groupId.isBlank() ? null : groupId;
  }

  /** Where this reader started: "" until positioned, then a sentence (for logs and the health details). */
  public String resumedFrom() {
    return resumedFrom;
  }

  private Properties props() {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
    if (groupId != null) {
      p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    }
    return p;
  }

  public void start() {
    thread = new Thread(this::loop, "history-reader");
    thread.setDaemon(true);
    thread.start();
  }

  /** True once every partition is assigned and positioned. */
  public boolean ready() {
    return ready;
  }

  public String error() {
    return error;
  }

  public long malformed() {
    return malformed;
  }

  /**
   * Records the reader is behind the end of the history: the sum over every assigned partition of
   * its end offset (high watermark) minus the reader's position, as last computed by the reading
   * thread from the consumer's fetch state (no call to the consumer from here). NaN before the
   * first poll of a consumer.
   */
  public double lag() {
    return lag;
  }

  private void loop() {
    while (!closing) {
      try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props());
          ClientMetrics clientMetrics = new ClientMetrics(consumer)) {
        List<TopicPartition> parts = new ArrayList<>();
        for (String topic : TOPICS) {
          List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
          if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("topic " + topic + " does not exist on " + bootstrap);
          }
          for (PartitionInfo i : infos) {
            parts.add(new TopicPartition(topic, i.partition()));
          }
        }
        consumer.assign(parts);
        if (fromBeginning) {
          consumer.seekToBeginning(parts);
          resumedFrom = "the beginning of every partition (from-beginning)";
        } else if (positions.isEmpty()) {
          position(consumer, parts);
        } else {
          positions.forEach(consumer::seek);
        }
        for (TopicPartition tp : parts) {
          positions.put(tp, consumer.position(tp, Duration.ofSeconds(30)));
        }
        ready = true;
        error = "";
        while (!closing) {
          for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
            dispatch(r);
          }
          commitResumePosition(consumer);
          long behind = 0;
          boolean known = false;
          for (TopicPartition tp : parts) {
            positions.put(tp, consumer.position(tp));
            OptionalLong l = consumer.currentLag(tp); // from the last fetch's high watermark, no round trip
            if (l.isPresent()) {
              behind += l.getAsLong();
              known = true;
            }
          }
          lag = known ? behind : Double.NaN;
        }
      } catch (RuntimeException e) {
        lag = Double.NaN;
        if (closing) {
          return;
        }
        error = e.toString();
        log.warn("history reader failed, retrying in 1s: {}", e.toString());
        try {
          Thread.sleep(1000);
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  /**
   * The consumer's Kafka client metrics bound to the registry while it is open; closed (its meters
   * removed) before the consumer closes.
   */
  private final class ClientMetrics implements AutoCloseable {
    private final KafkaClientMetrics bound;

    ClientMetrics(KafkaConsumer<String, byte[]> consumer) {
      // the spring.id tag gives these meters the same tag keys as those spring-kafka's producer
      // listener registers (Prometheus requires one key set per meter name)
      bound = meters == null ? null : new KafkaClientMetrics(consumer,
          java.util.List.of(io.micrometer.core.instrument.Tag.of("spring.id", "history-reader")));
      if (bound != null) {
        bound.bindTo(meters);
      }
    }

    @Override
    public void close() {
      if (bound != null) {
        bound.close();
      }
    }
  }

  /** First positioning of this process: the committed resume position where there is one, else the end. */
  private void position(KafkaConsumer<String, byte[]> consumer, List<TopicPartition> parts) {
    Map<TopicPartition, OffsetAndMetadata> committed = groupId == null ? Map.of()
        : consumer.committed(new java.util.HashSet<>(parts), Duration.ofSeconds(30));
    List<TopicPartition> atEnd = new ArrayList<>();
    long behind = 0;
    Map<TopicPartition, Long> ends = consumer.endOffsets(parts, Duration.ofSeconds(30));
    for (TopicPartition tp : parts) {
      OffsetAndMetadata o = committed.get(tp);
      if (o == null) {
        atEnd.add(tp);
      } else {
        consumer.seek(tp, o.offset());
        behind += Math.max(0, ends.getOrDefault(tp, o.offset()) - o.offset());
      }
    }
    if (!atEnd.isEmpty()) {
      consumer.seekToEnd(atEnd); // (an empty list would mean every assigned partition)
    }
    if (atEnd.size() == parts.size()) {
      resumedFrom = "the end of every partition (no committed position" + (groupId == null ? "" : " for group " + groupId) + ")";
    } else {
      List<String> done = ResumePosition.finalizedIn(committed);
      verifier.finalizedElsewhere(done);
      resumedFrom = "the committed position of group " + groupId + " (" + behind + " records to re-read; "
          + done.size() + " cells finalized before the restart are skipped)";
    }
    log.info("history reader starts at {}", resumedFrom);
  }

  /** Every COMMIT_EVERY_MILLIS, commits where a restart must resume (errors are logged, never fatal). */
  private void commitResumePosition(KafkaConsumer<String, byte[]> consumer) {
    long now = System.currentTimeMillis();
    if (groupId == null || now - lastCommitMillis < ResumePosition.COMMIT_EVERY_MILLIS) {
      return;
    }
    lastCommitMillis = now;
    try {
      consumer.commitSync(resume.commit(new HashMap<>(positions), verifier.finalizedCells(), now), Duration.ofSeconds(10));
    } catch (RuntimeException e) {
      log.warn("committing the resume position failed (a restart would re-read more): {}", e.toString());
    }
  }

  private void dispatch(ConsumerRecord<String, byte[]> r) {
    try {
      dev.splicelab.proto.RunContext context;
      switch (r.topic()) {
        case Topics.MUTATIONS -> {
          MutationRecord m = MutationRecord.parseFrom(r.value());
          context = m.getContext();
          verifier.onMutation(m);
        }
        case Topics.SPLICES -> {
          SpliceRecord m = SpliceRecord.parseFrom(r.value());
          context = m.getContext();
          verifier.onSplice(m);
        }
        case Topics.TRANSMISSIONS -> {
          TransmissionRecord m = TransmissionRecord.parseFrom(r.value());
          context = m.getContext();
          verifier.onTransmission(m);
        }
        case Topics.DELIVERIES -> {
          DeliveryRecord m = DeliveryRecord.parseFrom(r.value());
          context = m.getContext();
          verifier.onDelivery(m);
        }
        default -> context = null;
      }
      if (context != null && groupId != null) {
        resume.seen(Verifier.cellKey(context), new TopicPartition(r.topic(), r.partition()), r.offset(),
            System.currentTimeMillis());
      }
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      malformed++;
      log.warn("skipping malformed record {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.toString());
    }
  }

  /**
   * Waits until this reader has consumed every record that existed when called, and the log has
   * then stayed quiet for {@code quietMillis} (producers of a stopped workload have drained).
   */
  public void awaitCaughtUp(long timeoutMillis, long quietMillis) throws TimeoutException, InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    Map<TopicPartition, Long> lastEnds = null;
    long quietSince = 0;
    try (KafkaConsumer<String, byte[]> probe = new KafkaConsumer<>(props())) {
      while (System.currentTimeMillis() < deadline) {
        Map<TopicPartition, Long> ends = new HashMap<>(probe.endOffsets(positions.keySet(), Duration.ofSeconds(10)));
        boolean caught = ready && ends.entrySet().stream().allMatch(e -> positions.getOrDefault(e.getKey(), 0L) >= e.getValue());
        if (caught && ends.equals(lastEnds)) {
          if (System.currentTimeMillis() - quietSince >= quietMillis) {
            return;
          }
        } else {
          quietSince = System.currentTimeMillis();
        }
        lastEnds = caught ? ends : null;
        Thread.sleep(100);
      }
    }
    throw new TimeoutException("the history could not be read to its end within " + timeoutMillis + " ms");
  }

  @Override
  public void close() throws InterruptedException {
    closing = true;
    if (thread != null) {
      thread.join(5000);
    }
  }
}
