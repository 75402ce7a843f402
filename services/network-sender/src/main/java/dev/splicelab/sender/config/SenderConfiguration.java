package dev.splicelab.sender.config;

import dev.splicelab.common.kafka.EventPublisher;
import dev.splicelab.common.time.Sleeper;
import dev.splicelab.proto.PipeBrokerGrpc;
import dev.splicelab.proto.ReceiverGrpc;
import dev.splicelab.proto.SenderStatus;
import dev.splicelab.proto.StorageNodeGrpc;
import dev.splicelab.sender.domain.TransferEngine;
import dev.splicelab.sender.grpc.SenderGrpcService;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import dev.splicelab.proto.Strategy;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.grpc.client.GrpcChannelFactory;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(SenderProperties.class)
public class SenderConfiguration {

  /** Channels "pipe", "storage" and "receiver": spring.grpc.client.channels.NAME.address. */
  @Bean
  TransferEngine transferEngine(GrpcChannelFactory channels, EventPublisher events, Clock clock, Sleeper sleeper,
      MeterRegistry meters, SenderProperties properties) {
    io.grpc.ManagedChannel storage = channels.createChannel("storage");
    TransferEngine engine = new TransferEngine(new TransferEngine.Peers(
        PipeBrokerGrpc.newStub(channels.createChannel("pipe")), StorageNodeGrpc.newBlockingStub(storage),
        StorageNodeGrpc.newStub(storage), ReceiverGrpc.newStub(channels.createChannel("receiver"))), events, clock, sleeper,
        properties.realtimePriority());
    counter(meters, engine, "splicelab.sender.transfers.started", s -> s.getTransfersStarted());
    counter(meters, engine, "splicelab.sender.transfers.completed", s -> s.getTransfersCompleted());
    counter(meters, engine, "splicelab.sender.transfers.abandoned", s -> s.getTransfersAbandoned());
    counter(meters, engine, "splicelab.sender.segments", s -> s.getSegmentsSent());
    counter(meters, engine, "splicelab.sender.retransmissions", s -> s.getRetransmissions());
    counter(meters, engine, "splicelab.sender.checksum.rejects", s -> s.getChecksumRejects());
    Gauge.builder("splicelab.sender.pinned.peak.bytes", engine, e -> e.status().getPeakPinnedBytes()).baseUnit("bytes").register(meters);
    Gauge.builder("splicelab.sender.latency.p99", engine, e -> e.status().getLatencyP99Us() / 1e6).baseUnit("seconds").register(meters);
    counter(meters, engine, "splicelab.sender.confirm.retries", s -> s.getConfirmRetries());
    counter(meters, engine, "splicelab.sender.confirm.gaveup", s -> s.getConfirmGaveUp());
    counter(meters, engine, "splicelab.sender.mac.failures", s -> s.getMacFailures());
    FunctionCounter.builder("splicelab.sender.acked.bytes", engine, e -> e.status().getBytesAcked()).baseUnit("bytes").register(meters);
    // One timer per strategy, registered now so every series exists before the first transfer.
    Map<Strategy, Timer> latency = new EnumMap<>(Strategy.class);
    for (Strategy s : Strategy.values()) {
      if (s != Strategy.STRATEGY_UNSPECIFIED && s != Strategy.UNRECOGNIZED) {
        latency.put(s, Timer.builder("splicelab.sender.transfer.latency")
            .description("Transfer latency from splice-in to the last ack, per acknowledged transfer")
            .tag("strategy", s.name()).publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofNanos(100_000)).maximumExpectedValue(Duration.ofSeconds(60)).register(meters));
      }
    }
    engine.onLatency((strategy, micros) -> {
      Timer t = latency.get(strategy);
      if (t != null) {
        t.record(micros, TimeUnit.MICROSECONDS);
      }
    });
    return engine;
  }

  private static void counter(MeterRegistry meters, TransferEngine engine, String name, ToDoubleFunction<SenderStatus> f) {
    FunctionCounter.builder(name, engine, e -> f.applyAsDouble(e.status())).register(meters);
  }

  @Bean
  SenderGrpcService senderGrpcService(TransferEngine engine) {
    return new SenderGrpcService(engine);
  }
}
