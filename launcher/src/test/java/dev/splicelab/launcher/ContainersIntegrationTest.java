package dev.splicelab.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.splicelab.launcher.fleet.KafkaBroker;
import dev.splicelab.launcher.fleet.NetworkFaults;
import dev.splicelab.launcher.fleet.ServiceFleet.Service;
import dev.splicelab.launcher.run.HistoryRecorder;
import dev.splicelab.launcher.scenario.Scenario;
import dev.splicelab.proto.MutationRecord;
import dev.splicelab.proto.RunContext;
import dev.splicelab.proto.SpliceRecord;
import dev.splicelab.proto.Topics;
import eu.rekawek.toxiproxy.ToxiproxyClient;
import eu.rekawek.toxiproxy.model.Toxic;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.toxiproxy.ToxiproxyContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The launcher against real containers (Testcontainers, any Docker API: Docker, or Podman's
 * socket through DOCKER_HOST). Disabled where no engine answers; a test whose image is neither
 * local nor pullable (no registry, as on the check machines) is skipped with the reason.
 * Images: SPLICELAB_KAFKA_IMAGE (default apache/kafka:4.1.2; deploy/local/compose-check builds a
 * stand-in with the same contract) and SPLICELAB_TOXIPROXY_IMAGE (default
 * ghcr.io/shopify/toxiproxy:2.12.0).
 */
@Testcontainers(disabledWithoutDocker = true)
class ContainersIntegrationTest {

  @TempDir
  Path tmp;

  static String image(String env, String fallback) {
    String v = System.getenv(env);
    return v == null || v.isBlank() ? fallback : v;
  }

  /** Whether the engine has the image or can pull it. */
  static boolean available(String image) {
    var docker = DockerClientFactory.instance().client();
    try {
      docker.inspectImageCmd(image).exec();
      return true;
    } catch (RuntimeException notLocal) {
      try {
        DockerImageName n = DockerImageName.parse(image);
        return docker.pullImageCmd(n.getUnversionedPart()).withTag(n.getVersionPart()).start()
            .awaitCompletion(120, TimeUnit.SECONDS);
      } catch (RuntimeException | InterruptedException noRegistry) {
        return false;
      }
    }
  }

  @Test
  void theHistoryOfARunRoundTripsThroughAKafkaContainer() throws Exception {
    String image = image("SPLICELAB_KAFKA_IMAGE", "apache/kafka:4.1.2");
    assumeTrue(available(image), "Kafka image " + image + " is neither local nor pullable");
    try (KafkaContainer kafka = new KafkaContainer(DockerImageName.parse(image).asCompatibleSubstituteFor("apache/kafka"))) {
      kafka.start();
      String bootstrap = kafka.getBootstrapServers();
      try (KafkaBroker broker = KafkaBroker.start(bootstrap)) {
        Properties a = new Properties();
        a.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(a)) {
          assertThat(admin.describeTopics(Topics.ALL).allTopicNames().get(30, TimeUnit.SECONDS))
              .allSatisfy((name, d) -> assertThat(d.partitions()).hasSize(Topics.PARTITIONS));
        }
        RunContext mine = RunContext.newBuilder().setRunId("tc-run").setCell(0).build();
        RunContext other = RunContext.newBuilder().setRunId("someone-else").setCell(0).build();
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
          for (int i = 0; i < 10; i++) {
            producer.send(new ProducerRecord<>(Topics.MUTATIONS, Integer.toString(i % 3),
                MutationRecord.newBuilder().setContext(i % 2 == 0 ? mine : other).setFileId(i % 3).setVersion(i).build().toByteArray()));
          }
          producer.send(new ProducerRecord<>(Topics.SPLICES, "1",
              SpliceRecord.newBuilder().setContext(mine).setFileId(1).build().toByteArray()));
          producer.send(new ProducerRecord<>(Topics.SPLICES, "1", new byte[] {(byte) 0xff, 0x01})); // malformed
          producer.flush();
        }
        Map<String, Long> counts = HistoryRecorder.record(bootstrap, "tc-run", tmp);
        assertThat(counts).containsEntry(Topics.MUTATIONS, 5L).containsEntry(Topics.SPLICES, 1L)
            .containsEntry(Topics.TRANSMISSIONS, 0L).containsEntry(Topics.DELIVERIES, 0L);
        List<Long> versions = new java.util.ArrayList<>();
        HistoryRecorder.replay(tmp, Topics.MUTATIONS, MutationRecord.parser(), m -> versions.add(m.getVersion()));
        assertThat(versions).containsExactlyInAnyOrder(0L, 2L, 4L, 6L, 8L);
      }
    }
  }

  @Test
  void scenarioFaultsBecomeToxicsOnARealToxiproxy() throws Exception {
    String image = image("SPLICELAB_TOXIPROXY_IMAGE", "ghcr.io/shopify/toxiproxy:2.12.0");
    assumeTrue(available(image), "Toxiproxy image " + image + " is neither local nor pullable");
    try (ToxiproxyContainer toxiproxy = new ToxiproxyContainer(DockerImageName.parse(image)
        .asCompatibleSubstituteFor("ghcr.io/shopify/toxiproxy"))) {
      toxiproxy.start();
      String url = "http://" + toxiproxy.getHost() + ":" + toxiproxy.getControlPort();
      ToxiproxyClient client = new ToxiproxyClient(toxiproxy.getHost(), toxiproxy.getControlPort());
      client.createProxy("storage", "0.0.0.0:8666", "storage-node:9091");
      client.createProxy("receiver", "0.0.0.0:8667", "checker:9095");
      NetworkFaults net = NetworkFaults.probe(url).orElseThrow();
      Duration d = Duration.ofSeconds(1);
      NetworkFaults.Applied latency = net.apply(new Scenario.FaultSpec("grpc_latency", "storage-node", Duration.ZERO, d, 2500, 0),
          Service.STORAGE, "lat");
      NetworkFaults.Applied reset = net.apply(new Scenario.FaultSpec("grpc_reset", "checker", Duration.ZERO, d, 0, 0.5),
          Service.CHECKER, "rst");
      NetworkFaults.Applied bw = net.apply(new Scenario.FaultSpec("bandwidth", "checker", Duration.ZERO, d, 0, 0, 64, 0, 0),
          Service.CHECKER, "bw");
      assertThat(client.getProxy("storage").toxics().getAll()).extracting(Toxic::getName).containsExactly("lat");
      assertThat(client.getProxy("storage").toxics().get("lat", eu.rekawek.toxiproxy.model.toxic.Latency.class).getLatency())
          .isEqualTo(3); // 2500 us rounded up to whole ms
      assertThat(client.getProxy("receiver").toxics().getAll()).extracting(Toxic::getName)
          .containsExactlyInAnyOrder("rst", "bw-up", "bw-down");
      assertThat(client.getProxy("receiver").toxics().get("rst").getToxicity()).isEqualTo(0.5f);
      net.remove(latency);
      net.remove(reset);
      net.remove(bw);
      assertThat(client.getProxy("storage").toxics().getAll()).isEmpty();
      assertThat(client.getProxy("receiver").toxics().getAll()).isEmpty();
    }
  }
}
