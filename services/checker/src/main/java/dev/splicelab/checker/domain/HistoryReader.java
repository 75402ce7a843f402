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
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds the verifier from Kafka: one thread, one consumer assigned to every partition of the
 * history topics (no consumer group: the checker reads the whole history itself). It starts at
 * the end of each partition as it is at start-up (a run starts after the checker is healthy) or,
 * with fromBeginning, at the start (re-checking old runs). A record that does not parse is
 * counted and skipped, never fatal.
 */
public final class HistoryReader implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(HistoryReader.class);
  private static final List<String> TOPICS = List.of(Topics.MUTATIONS, Topics.SPLICES, Topics.TRANSMISSIONS, Topics.DELIVERIES);

  private final String bootstrap;
  private final Verifier verifier;
  private final boolean fromBeginning;
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
    this(bootstrap, verifier, fromBeginning, null);
  }

  /** With {@code meters}, the consumer's Kafka client metrics are bound to it while the consumer is open. */
  public HistoryReader(String bootstrap, Verifier verifier, boolean fromBeginning, MeterRegistry meters) {
    this.bootstrap = bootstrap;
    this.verifier = verifier;
    this.fromBeginning = fromBeginning;
    this.meters = meters;
  }

  private Properties props() {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
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
        } else if (positions.isEmpty()) {
          consumer.seekToEnd(parts);
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

  private void dispatch(ConsumerRecord<String, byte[]> r) {
    try {
      switch (r.topic()) {
        case Topics.MUTATIONS -> verifier.onMutation(MutationRecord.parseFrom(r.value()));
        case Topics.SPLICES -> verifier.onSplice(SpliceRecord.parseFrom(r.value()));
        case Topics.TRANSMISSIONS -> verifier.onTransmission(TransmissionRecord.parseFrom(r.value()));
        case Topics.DELIVERIES -> verifier.onDelivery(DeliveryRecord.parseFrom(r.value()));
        default -> { }
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
