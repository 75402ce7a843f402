package dev.splicelab.checker.config;

import dev.splicelab.checker.domain.HistoryReader;
import dev.splicelab.checker.domain.VerdictRecords;
import dev.splicelab.checker.domain.Verifier;
import dev.splicelab.checker.grpc.CheckerGrpcService;
import dev.splicelab.checker.grpc.ReceiverGrpcService;
import dev.splicelab.common.kafka.EventPublisher;
import dev.splicelab.proto.Topics;
import dev.splicelab.common.time.Clocks;
import dev.splicelab.proto.FailureClass;
import dev.splicelab.proto.Verdict;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
public class CheckerConfiguration {

  /** Per (scenario, strategy): {violated, judged} for the corruption-rate gauge. */
  private final Map<String, AtomicLong[]> rates = new ConcurrentHashMap<>();

  @Bean
  Verifier verifier(EventPublisher events, Clock clock, MeterRegistry meters) {
    return Verifier.perTransfer(models -> {
      models.forEach(j -> count(meters, j));
      try {
        events.publish(Topics.VERDICTS, 0, VerdictRecords.of(models, Clocks.epochNanos(clock)));
      } catch (RuntimeException e) {
        // the verdict is counted (the cell's summary has it); only its record is missing: never
        // let one record fail the judging, or the FinalizeCell that judged it
        meters.counter("splicelab.checker.verdict.publish.failures").increment();
        org.slf4j.LoggerFactory.getLogger(CheckerConfiguration.class).warn("verdict record of {} not published: {}",
            models.get(0).transferId(), e.toString());
      }
    });
  }

  /** The Prometheus counters and the corruption-rate gauge of one model's verdict. */
  private void count(MeterRegistry meters, Verifier.Judged j) {
    String strategy = j.context().getStrategy().name();
    String scenario = j.context().getScenario();
    String mode = j.context().getSenderMode().name();
    String profile = j.context().getFaultProfile();
    meters.counter("splicelab.transfers", "strategy", strategy, "scenario", scenario, "sender_mode", mode,
        "fault_profile", profile, "model", j.model(), "verdict", j.verdict().name(), "class", j.failureClass().name()).increment();
    if (j.model().equals("SNAPSHOT")) {
      boolean silent = j.verdict() == Verdict.VIOLATED && j.failureClass() != FailureClass.LOST;
      meters.counter("splicelab.corruption", "strategy", strategy, "scenario", scenario, "sender_mode", mode,
          "fault_profile", profile, "kind", silent ? "silent" : "none").increment();
      if (j.detected()) {
        meters.counter("splicelab.corruption", "strategy", strategy, "scenario", scenario, "sender_mode", mode,
            "fault_profile", profile, "kind", "detected").increment();
      }
    }
    AtomicLong[] r = rates.computeIfAbsent(scenario + "|" + strategy + "|" + j.model(), k -> {
      AtomicLong[] pair = {new AtomicLong(), new AtomicLong()};
      Gauge.builder("splicelab.corruption.rate", pair, p -> p[1].get() == 0 ? 0 : (double) p[0].get() / p[1].get())
          .tag("strategy", strategy).tag("scenario", scenario).tag("model", j.model()).register(meters);
      return pair;
    });
    if (j.verdict() == Verdict.VIOLATED) {
      r[0].incrementAndGet();
    }
    r[1].incrementAndGet();
  }

  @Bean(initMethod = "start", destroyMethod = "close")
  HistoryReader historyReader(@Value("${spring.kafka.bootstrap-servers}") String bootstrap,
      @Value("${splicelab.checker.from-beginning:false}") boolean fromBeginning,
      @Value("${splicelab.checker.group-id:splicelab-checker}") String groupId, Verifier verifier, MeterRegistry meters) {
    HistoryReader reader = new HistoryReader(bootstrap, verifier, fromBeginning, meters, groupId);
    Gauge.builder("splicelab.checker.consumer.lag", reader, HistoryReader::lag)
        .description("Records of the history topics not yet read by the checker (sum over partitions of end offset - position)")
        .register(meters);
    return reader;
  }

  /** DOWN until the history reader is positioned on every partition (the launcher waits for UP). */
  @Bean
  HealthIndicator historyHealth(HistoryReader reader) {
    return () -> reader.ready() ? Health.up().withDetail("malformed", reader.malformed())
        .withDetail("started_at", reader.resumedFrom()).build()
        : Health.down().withDetail("error", reader.error().isEmpty() ? "not positioned yet" : reader.error()).build();
  }

  @Bean
  ReceiverGrpcService receiverGrpcService(EventPublisher events, Clock clock, MeterRegistry meters) {
    return new ReceiverGrpcService(events, clock, meters);
  }

  @Bean
  CheckerGrpcService checkerGrpcService(Verifier verifier, HistoryReader reader) {
    return new CheckerGrpcService(verifier, reader);
  }
}
