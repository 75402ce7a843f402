package dev.splicelab.common.kafka;

import com.google.protobuf.MessageLite;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * Publishes protobuf records keyed by file id. Thread-safe. Calls made in a given order by one
 * thread for one file land in that order (same key, same partition, idempotent producer).
 * A failed send is logged and counted, never thrown at the caller: the checker then sees a gap
 * and reports it, rather than the data path stalling on Kafka.
 */
public class EventPublisher {

  private static final Logger log = LoggerFactory.getLogger(EventPublisher.class);
  private final KafkaTemplate<String, byte[]> template;
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong published = new AtomicLong();

  public EventPublisher(KafkaTemplate<String, byte[]> template) {
    this.template = template;
  }

  public void publish(String topic, int fileId, MessageLite record) {
    template.send(topic, Integer.toString(fileId), record.toByteArray()).whenComplete((r, e) -> {
      if (e != null) {
        failures.incrementAndGet();
        log.warn("publish to {} failed: {}", topic, e.toString());
      } else {
        published.incrementAndGet();
      }
    });
  }

  /** Blocks until every record sent so far is acknowledged by the broker (or timeout). */
  public void flush(long timeout, TimeUnit unit) {
    template.flush();
  }

  public long failures() {
    return failures.get();
  }

  public long published() {
    return published.get();
  }
}
