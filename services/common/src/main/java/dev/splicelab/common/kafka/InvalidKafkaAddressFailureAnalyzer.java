package dev.splicelab.common.kafka;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns a bad Kafka address into Spring Boot's "APPLICATION FAILED TO START" report, without a stack trace. */
public class InvalidKafkaAddressFailureAnalyzer extends AbstractFailureAnalyzer<KafkaBootstrap.InvalidKafkaAddressException> {

  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, KafkaBootstrap.InvalidKafkaAddressException cause) {
    return new FailureAnalysis(cause.getMessage(),
        "Set SPLICELAB_KAFKA (or --spring.kafka.bootstrap-servers) to HOST:PORT[,HOST:PORT...] of a reachable Kafka broker.",
        cause);
  }
}
