package dev.splicelab.common.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.splicelab.proto.ClearFaults;
import dev.splicelab.proto.FaultControlGrpc;
import dev.splicelab.proto.PipeBrokerGrpc;
import dev.splicelab.proto.PipeId;
import dev.splicelab.proto.PipeReply;
import dev.splicelab.proto.TransportFault;
import dev.splicelab.proto.TransportFaultKind;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The interceptor really delays, resets and swallows calls of the other services, and only while active. */
class TransportFaultsTest {

  TransportFaults faults;
  SimpleMeterRegistry meters;
  Server server;
  ManagedChannel channel;
  FaultControlGrpc.FaultControlBlockingStub control;
  PipeBrokerGrpc.PipeBrokerBlockingStub pipes;

  @BeforeEach
  void start() throws Exception {
    faults = new TransportFaults();
    meters = new SimpleMeterRegistry();
    faults.bindTo(meters);
    PipeBrokerGrpc.PipeBrokerImplBase echo = new PipeBrokerGrpc.PipeBrokerImplBase() {
      @Override
      public void closePipe(PipeId r, StreamObserver<PipeReply> out) {
        out.onNext(PipeReply.newBuilder().setPipeId(r.getPipeId()).build());
        out.onCompleted();
      }
    };
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).addService(ServerInterceptors.intercept(echo, faults))
        .addService(ServerInterceptors.intercept(faults, faults)).build().start();
    channel = InProcessChannelBuilder.forName(name).build();
    control = FaultControlGrpc.newBlockingStub(channel);
    pipes = PipeBrokerGrpc.newBlockingStub(channel);
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
  }

  @Test
  void latencyDelaysEveryCallUntilTheFaultEnds() {
    control.inject(TransportFault.newBuilder().setKind(TransportFaultKind.GRPC_LATENCY).setLatencyUs(150_000).setDurationMs(600).build());
    long t0 = System.nanoTime();
    pipes.closePipe(PipeId.newBuilder().setPipeId(1).build());
    assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(140);
    sleep(700);
    long t1 = System.nanoTime();
    pipes.closePipe(PipeId.newBuilder().setPipeId(2).build());
    assertThat((System.nanoTime() - t1) / 1_000_000).as("expired").isLessThan(100);
  }

  @Test
  void resetFailsCallsWithUnavailableAndClearEndsIt() {
    control.inject(TransportFault.newBuilder().setKind(TransportFaultKind.GRPC_RESET).setProbability(1).setDurationMs(60_000).build());
    assertThatThrownBy(() -> pipes.closePipe(PipeId.newBuilder().setPipeId(1).build()))
        .isInstanceOf(StatusRuntimeException.class)
        .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    assertThat(control.clear(ClearFaults.getDefaultInstance()).getActive()).isZero();
    assertThat(pipes.closePipe(PipeId.newBuilder().setPipeId(3).build()).getPipeId()).isEqualTo(3);
  }

  @Test
  void timeoutLeavesCallsUnansweredUntilTheClientDeadline() {
    control.inject(TransportFault.newBuilder().setKind(TransportFaultKind.GRPC_TIMEOUT).setProbability(1).setDurationMs(60_000).build());
    assertThatThrownBy(() -> pipes.withDeadlineAfter(300, TimeUnit.MILLISECONDS).closePipe(PipeId.newBuilder().setPipeId(1).build()))
        .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    assertThat(control.clear(ClearFaults.getDefaultInstance()).getAffectedMap()).containsEntry("GRPC_TIMEOUT", 1L);
  }

  @Test
  void badFaultSpecsNameTheField() {
    assertThatThrownBy(() -> control.inject(TransportFault.newBuilder().setKind(TransportFaultKind.GRPC_RESET).setDurationMs(10)
        .setProbability(1.5).build())).hasMessageContaining("probability: must be > 0 and at most 1");
    assertThatThrownBy(() -> control.inject(TransportFault.newBuilder().setKind(TransportFaultKind.GRPC_LATENCY).setDurationMs(0)
        .setLatencyUs(5).build())).hasMessageContaining("duration_ms: must be between 1 and 3600000");
  }

  @Test
  void everyKindHasAnActiveGaugeAtZeroBeforeAnyFault() {
    assertThat(meters.find("splicelab.fault.active").gauges()).extracting(g -> g.getId().getTag("kind"))
        .containsExactlyInAnyOrder("grpc_latency", "grpc_reset", "grpc_timeout", "network_toxic");
    assertThat(meters.find("splicelab.fault.active").gauges()).allSatisfy(g -> assertThat(g.value()).isZero());
  }

  @Test
  void networkToxicIsRecordedAsActiveForItsDurationAndLeavesCallsAlone() {
    assertThat(control.inject(TransportFault.newBuilder().setKind(TransportFaultKind.NETWORK_TOXIC).setDurationMs(500)
        .setLabel("toxiproxy latency 20 ms on storage").build()).getActive()).isEqualTo(1);
    assertThat(active("network_toxic")).isEqualTo(1);
    assertThat(active("grpc_latency")).isZero();
    long t0 = System.nanoTime();
    assertThat(pipes.withDeadlineAfter(2, TimeUnit.SECONDS).closePipe(PipeId.newBuilder().setPipeId(7).build()).getPipeId())
        .isEqualTo(7);
    assertThat((System.nanoTime() - t0) / 1_000_000).as("not delayed").isLessThan(100);
    sleep(600);
    assertThat(active("network_toxic")).as("expired").isZero();
    assertThat(pipes.closePipe(PipeId.newBuilder().setPipeId(8).build()).getPipeId()).isEqualTo(8);
    assertThat(control.clear(ClearFaults.getDefaultInstance()).getAffectedMap()).doesNotContainKey("NETWORK_TOXIC");
  }

  @Test
  void networkToxicNeedsADurationInRangeButNoProbabilityOrLatency() {
    assertThatThrownBy(() -> control.inject(TransportFault.newBuilder().setKind(TransportFaultKind.NETWORK_TOXIC).setDurationMs(0)
        .build())).hasMessageContaining("duration_ms: must be between 1 and 3600000");
    assertThatThrownBy(() -> control.inject(TransportFault.newBuilder().setKind(TransportFaultKind.NETWORK_TOXIC)
        .setDurationMs(3_600_001).build())).hasMessageContaining("duration_ms: must be between 1 and 3600000");
    assertThat(active("network_toxic")).isZero();
  }

  @Test
  void activeGaugeCountsFaultsPerKindAndClearResetsIt() {
    control.inject(TransportFault.newBuilder().setKind(TransportFaultKind.GRPC_RESET).setProbability(0.01).setDurationMs(60_000).build());
    control.inject(TransportFault.newBuilder().setKind(TransportFaultKind.GRPC_RESET).setProbability(0.01).setDurationMs(60_000).build());
    assertThat(active("grpc_reset")).isEqualTo(2);
    control.clear(ClearFaults.getDefaultInstance());
    assertThat(active("grpc_reset")).isZero();
  }

  double active(String kind) {
    return meters.get("splicelab.fault.active").tag("kind", kind).gauge().value();
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
