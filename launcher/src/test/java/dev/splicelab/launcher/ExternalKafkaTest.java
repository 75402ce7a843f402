package dev.splicelab.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.splicelab.launcher.fleet.KafkaBroker;
import dev.splicelab.proto.Topics;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/** --kafka HOST:PORT: a broker the testbed did not start gets the history topics, or a clear error. */
class ExternalKafkaTest {

  @Test
  void anExternalBrokerGetsTheHistoryTopics() throws Exception {
    EmbeddedKafkaKraftBroker other = new EmbeddedKafkaKraftBroker(1, 1);
    other.brokerProperties(Map.of("auto.create.topics.enable", "false"));
    other.afterPropertiesSet();
    try (KafkaBroker broker = KafkaBroker.start(other.getBrokersAsString())) {
      assertThat(broker.describe()).startsWith("external ");
      Properties p = new Properties();
      p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, other.getBrokersAsString());
      try (Admin admin = Admin.create(p)) {
        Set<String> names = admin.listTopics().names().get(20, TimeUnit.SECONDS);
        assertThat(names).containsAll(Topics.ALL);
        assertThat(admin.describeTopics(Topics.ALL).allTopicNames().get(20, TimeUnit.SECONDS).get(Topics.SPLICES)
            .partitions()).hasSize(Topics.PARTITIONS);
      }
      KafkaBroker.start(other.getBrokersAsString()).close(); // idempotent: topics already there
    } finally {
      other.destroy();
    }
  }

  @Test
  void anUnreachableBrokerIsAClearError() {
    assertThatThrownBy(() -> KafkaBroker.start("127.0.0.1:1"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("--kafka 127.0.0.1:1: cannot reach the broker");
  }
}
