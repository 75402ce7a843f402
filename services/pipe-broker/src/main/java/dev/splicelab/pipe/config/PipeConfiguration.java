package dev.splicelab.pipe.config;

import dev.splicelab.common.kafka.EventPublisher;
import dev.splicelab.pipe.domain.PipeTable;
import dev.splicelab.pipe.grpc.PipeGrpcService;
import dev.splicelab.proto.StorageNodeGrpc;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.grpc.client.GrpcChannelFactory;

@Configuration(proxyBeanMethods = false)
public class PipeConfiguration {

  @Bean
  PipeTable pipeTable(MeterRegistry meters) {
    PipeTable t = new PipeTable();
    Gauge.builder("splicelab.pipe.pipes", t, PipeTable::size).register(meters);
    Gauge.builder("splicelab.pipe.buffers", t, PipeTable::bufferedBuffers).register(meters);
    return t;
  }

  /** Channel "storage": spring.grpc.client.channels.storage.address. */
  @Bean
  io.grpc.ManagedChannel storageChannel(GrpcChannelFactory channels) {
    return channels.createChannel("storage");
  }

  @Bean
  PipeGrpcService pipeGrpcService(PipeTable pipes, io.grpc.ManagedChannel storageChannel, EventPublisher events,
      Clock clock, MeterRegistry meters) {
    // the sessions' answers run on the transport's thread: the stream handlers never block on them
    return new PipeGrpcService(pipes, StorageNodeGrpc.newBlockingStub(storageChannel),
        StorageNodeGrpc.newStub(storageChannel).withExecutor(Runnable::run), events, clock, meters);
  }
}
