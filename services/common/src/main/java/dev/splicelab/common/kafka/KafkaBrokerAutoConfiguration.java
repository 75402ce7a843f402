package dev.splicelab.common.kafka;

import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * Start-up check of the Kafka address (fails fast, see {@link InvalidKafkaAddressFailureAnalyzer})
 * and the "kafka" health contributor every service's /actuator/health includes.
 */
@AutoConfiguration
public class KafkaBrokerAutoConfiguration {

  @Bean
  KafkaBootstrap kafkaBootstrap(@Value("${spring.kafka.bootstrap-servers:}") String servers) {
    return KafkaBootstrap.parse(servers);
  }

  @Bean
  KafkaBrokerHealthIndicator kafkaHealthIndicator(KafkaBootstrap bootstrap,
      @Value("${splicelab.kafka.health-timeout-ms:3000}") long timeoutMs) {
    return new KafkaBrokerHealthIndicator(bootstrap, Duration.ofMillis(timeoutMs));
  }
}
