package dev.splicelab.launcher.fleet;

import dev.splicelab.proto.Topics;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * The Kafka the run uses: an embedded single-node KRaft broker in this JVM (the default, no
 * Docker needed), or an external one given as host:port. Either way the history topics exist
 * when {@link #start} returns.
 */
public final class KafkaBroker implements AutoCloseable {

  private final EmbeddedKafkaKraftBroker embedded;
  private final String bootstrap;

  private KafkaBroker(EmbeddedKafkaKraftBroker embedded, String bootstrap) {
    this.embedded = embedded;
    this.bootstrap = bootstrap;
  }

  public static KafkaBroker start(String external) {
    if (external != null && !external.isBlank()) {
      ensureTopics(external);
      return new KafkaBroker(null, external);
    }
    EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, Topics.PARTITIONS, Topics.ALL.toArray(String[]::new));
    broker.brokerProperties(Map.of("log.retention.hours", "24", "auto.create.topics.enable", "false",
        "group.initial.rebalance.delay.ms", "0"));
    broker.afterPropertiesSet();
    return new KafkaBroker(broker, broker.getBrokersAsString());
  }

  /** Creates the history topics on an external broker if they are missing; fails fast if unreachable. */
  static void ensureTopics(String bootstrap) {
    ensureTopics(bootstrap, "");
  }

  /**
   * Creates the history topics, each name with {@code prefix} in front, if they are missing; fails
   * fast if the broker is unreachable. A prefix keeps records apart that no checker must read.
   */
  public static void ensureTopics(String bootstrap, String prefix) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "15000");
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
    try (Admin admin = Admin.create(p)) {
      var existing = admin.listTopics().names().get(20, TimeUnit.SECONDS);
      var missing = Topics.ALL.stream().map(t -> prefix + t).filter(t -> !existing.contains(t))
          .map(t -> new NewTopic(t, Topics.PARTITIONS, (short) 1)).collect(Collectors.toList());
      if (!missing.isEmpty()) {
        admin.createTopics(missing).all().get(20, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      throw new IllegalStateException("--kafka " + bootstrap + ": cannot reach the broker or create the topics ("
          + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", e);
    }
  }

  public String bootstrap() {
    return bootstrap;
  }

  public String describe() {
    return embedded != null ? "embedded KRaft " + bootstrap : "external " + bootstrap;
  }

  @Override
  public void close() {
    if (embedded != null) {
      embedded.destroy();
    }
  }
}
