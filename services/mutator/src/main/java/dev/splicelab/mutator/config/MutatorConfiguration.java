package dev.splicelab.mutator.config;

import dev.splicelab.common.time.Sleeper;
import dev.splicelab.mutator.domain.MutationEngine;
import dev.splicelab.mutator.grpc.MutatorGrpcService;
import dev.splicelab.proto.StorageNodeGrpc;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.grpc.client.GrpcChannelFactory;

@Configuration(proxyBeanMethods = false)
public class MutatorConfiguration {

  /** Channel "storage": spring.grpc.client.channels.storage.address. */
  @Bean
  MutationEngine mutationEngine(GrpcChannelFactory channels, Sleeper sleeper, MeterRegistry meters) {
    MutationEngine engine = new MutationEngine(StorageNodeGrpc.newBlockingStub(channels.createChannel("storage")), sleeper);
    FunctionCounter.builder("splicelab.mutator.mutations", engine, e -> e.status().getMutations()).register(meters);
    FunctionCounter.builder("splicelab.mutator.failures", engine, e -> e.status().getFailures()).register(meters);
    return engine;
  }

  @Bean
  MutatorGrpcService mutatorGrpcService(MutationEngine engine) {
    return new MutatorGrpcService(engine);
  }
}
