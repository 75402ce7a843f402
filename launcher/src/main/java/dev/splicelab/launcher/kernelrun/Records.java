package dev.splicelab.launcher.kernelrun;

import com.google.protobuf.MessageLite;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes a kernel run's protobuf records the way the services do (common's EventPublisher):
 * keyed by file id as a decimal string, idempotent producer, acks=all, so records sent in a given
 * order by one thread for one file land in that order. Thread-safe. A failed send is counted, not
 * thrown: the verifier then sees the gap and reports it. With a topic prefix, every record goes
 * to the prefixed topic instead (the load tests' kernel benches: no checker reads those).
 */
final class Records implements AutoCloseable {

  private final KafkaProducer<String, byte[]> producer;
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private volatile String lastFailure = "";

  private final String topicPrefix;

  Records(String bootstrap) {
    this(bootstrap, "");
  }

  Records(String bootstrap, String topicPrefix) {
    this.topicPrefix = topicPrefix;
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000");
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "splicelab-kernel-run");
    producer = new KafkaProducer<>(p);
  }

  void publish(String topic, int fileId, MessageLite record) {
    sent.incrementAndGet();
    producer.send(new ProducerRecord<>(topicPrefix + topic, Integer.toString(fileId), record.toByteArray()), (md, e) -> {
      if (e != null) {
        failures.incrementAndGet();
        lastFailure = topicPrefix + topic + ": " + e;
      }
    });
  }

  /** Blocks until every record sent so far is acknowledged (or failed). */
  void flush() {
    producer.flush();
  }

  long sent() {
    return sent.get();
  }

  long failures() {
    return failures.get();
  }

  String lastFailure() {
    return lastFailure;
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(30));
  }
}
