package dev.splicelab.common;

import dev.splicelab.common.faults.TransportFaults;
import dev.splicelab.common.kafka.EventPublisher;
import dev.splicelab.proto.Topics;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaAdmin;
import dev.splicelab.common.time.Sleeper;
import java.time.Clock;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * Beans every splicelab service shares: the injected clock and sleeper, and the Kafka event
 * publisher. Defaults (idempotent byte-array producer, Prometheus endpoint) come from
 * splicelab-common.properties and are overridden by each service's application.yaml.
 */
@AutoConfiguration(afterName = "org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration")
public class SplicelabCommonAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean
  Clock clock() {
    return Clock.systemUTC();
  }

  @Bean
  @ConditionalOnMissingBean
  Sleeper sleeper() {
    return Sleeper.REAL;
  }

  /** The history topics, created at start-up if missing (KafkaAdmin; replication 1 unless overridden). */
  @Bean
  KafkaAdmin.NewTopics splicelabTopics(
      @Value("${splicelab.kafka.replication-factor:1}") short replication) {
    return new KafkaAdmin.NewTopics(Topics.ALL.stream()
        .map(t -> TopicBuilder.name(t).partitions(Topics.PARTITIONS).replicas(replication).build())
        .toArray(NewTopic[]::new));
  }

  /** Transport faults: the FaultControl service and the global interceptor applying them. */
  @Bean
  @org.springframework.grpc.server.GlobalServerInterceptor
  TransportFaults transportFaults() {
    return new TransportFaults();
  }

  /**
   * The gRPC transport's threads, named as data-path threads (see {@link
   * dev.splicelab.common.time.Realtime}), for the server and every channel.
   */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  dev.splicelab.common.grpc.DataPathTransport dataPathTransport() {
    return new dev.splicelab.common.grpc.DataPathTransport();
  }

  /** The Netty server on the data-path transport's threads (other server kinds, in-process ones, keep theirs). */
  @Bean
  @SuppressWarnings({"rawtypes", "unchecked"})
  org.springframework.grpc.server.ServerBuilderCustomizer dataPathServer(dev.splicelab.common.grpc.DataPathTransport t) {
    return builder -> {
      if (builder instanceof io.grpc.netty.NettyServerBuilder netty) {
        t.configure(netty);
      }
    };
  }

  /** Every Netty client channel on the data-path transport's threads. */
  @Bean
  @SuppressWarnings({"rawtypes", "unchecked"})
  org.springframework.grpc.client.GrpcChannelBuilderCustomizer dataPathChannels(
      dev.splicelab.common.grpc.DataPathTransport t) {
    return (authority, builder) -> {
      if (builder instanceof io.grpc.netty.NettyChannelBuilder netty) {
        t.configure(netty);
      }
    };
  }

  @Bean
  @ConditionalOnMissingBean
  EventPublisher eventPublisher(KafkaTemplate<String, byte[]> template) {
    return new EventPublisher(template);
  }
}
