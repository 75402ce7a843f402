package dev.splicelab.sender.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.splicelab.proto.LinkProfile;
import dev.splicelab.proto.RunContext;
import dev.splicelab.proto.SenderMode;
import dev.splicelab.proto.Strategy;
import dev.splicelab.proto.TransferWorkload;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SenderValidationTest {

  private static TransferWorkload.Builder valid() {
    return TransferWorkload.newBuilder()
        .setContext(RunContext.newBuilder().setRunId("run-1").setCell(0).setScenario("s").setStrategy(Strategy.SHARE))
        .setFileId(1)
        .setSeed(42)
        .setStrategy(Strategy.SHARE)
        .setSenderMode(SenderMode.CSUM_OFFLOAD)
        .setConnections(4)
        .setPipeCapacity(16)
        .setMinTransferBytes(4096)
        .setMaxTransferBytes(65536)
        .setMinResidencyUs(0)
        .setMaxResidencyUs(1000)
        .setSegmentBytes(1024)
        .setCsumToDmaUs(10)
        .setLink(LinkProfile.newBuilder().setLatencyUs(100).setJitterUs(10).setLoss(0.01).setRtoUs(200_000).setMaxAttempts(5))
        .setMaxTransfers(100);
  }

  private static UnaryOperator<TransferWorkload.Builder> link(UnaryOperator<LinkProfile.Builder> f) {
    return b -> b.setLink(f.apply(b.getLink().toBuilder()));
  }

  private static Arguments bad(String field, String rule, String got, UnaryOperator<TransferWorkload.Builder> change) {
    return Arguments.of(field, rule, got, change);
  }

  static Stream<Arguments> badWorkloads() {
    return Stream.of(
        bad("context.run_id", "must be non-empty", "''", b -> b.setContext(b.getContext().toBuilder().setRunId(""))),
        bad("context.run_id", "must be non-empty", "''", b -> b.setContext(b.getContext().toBuilder().setRunId("   "))),
        bad("context.strategy", "must be set to a known value", "0",
            b -> b.setContext(b.getContext().toBuilder().setStrategy(Strategy.STRATEGY_UNSPECIFIED))),
        bad("file_id", "between 1 and 65535", "0", b -> b.setFileId(0)),
        bad("file_id", "between 1 and 65535", "65536", b -> b.setFileId(65536)),
        bad("sender_mode", "must be set to a known value", "0", b -> b.clearSenderMode()),
        bad("sender_mode", "must be set to a known value", "77", b -> b.setSenderModeValue(77)),
        bad("connections", "between 1 and 64", "0", b -> b.setConnections(0)),
        bad("connections", "between 1 and 64", "65", b -> b.setConnections(65)),
        bad("pipe_capacity", "between 1 and 1024", "0", b -> b.setPipeCapacity(0)),
        bad("pipe_capacity", "between 1 and 1024", "1025", b -> b.setPipeCapacity(1025)),
        bad("min_transfer_bytes", "multiple of 64 between 64 and 16777216", "100", b -> b.setMinTransferBytes(100)),
        bad("min_transfer_bytes", "multiple of 64 between 64 and 16777216", "0", b -> b.setMinTransferBytes(0)),
        bad("max_transfer_bytes", "multiple of 64 between 4096 and 16777216", "1024", b -> b.setMaxTransferBytes(1024)),
        bad("max_transfer_bytes", "multiple of 64 between 4096 and 16777216", "8100", b -> b.setMaxTransferBytes(8100)),
        bad("max_transfer_bytes", "multiple of 64 between 4096 and 16777216", "16777280",
            b -> b.setMaxTransferBytes((16L << 20) + 64)),
        bad("min_residency_us", "between 0 and 60000000", "-1", b -> b.setMinResidencyUs(-1)),
        bad("max_residency_us", "between 500 and 60000000", "499", b -> b.setMinResidencyUs(500).setMaxResidencyUs(499)),
        bad("segment_bytes", "multiple of 64 between 64 and 1048576", "1000", b -> b.setSegmentBytes(1000)),
        bad("segment_bytes", "multiple of 64 between 64 and 1048576", "0", b -> b.setSegmentBytes(0)),
        bad("segment_bytes", "multiple of 64 between 64 and 1048576", "2097152", b -> b.setSegmentBytes(2 << 20)),
        bad("csum_to_dma_us", "between 0 and 1000000", "-5", b -> b.setCsumToDmaUs(-5)),
        bad("link.latency_us", "between 0 and 10000000", "-1", link(l -> l.setLatencyUs(-1))),
        bad("link.jitter_us", "between 0 and 10000000", "-1", link(l -> l.setJitterUs(-1))),
        bad("link.loss", "between 0.0 and 1.0", "1.5", link(l -> l.setLoss(1.5))),
        bad("link.loss", "between 0.0 and 1.0", "-0.1", link(l -> l.setLoss(-0.1))),
        bad("link.loss", "between 0.0 and 1.0", "NaN", link(l -> l.setLoss(Double.NaN))),
        bad("link.rto_us", "between 1 and 60000000", "0", link(l -> l.setRtoUs(0))),
        bad("link.rto_us", "between 1 and 60000000", "0", b -> b.clearLink()),
        bad("link.max_attempts", "between 1 and 100", "0", link(l -> l.setMaxAttempts(0))),
        bad("link.max_attempts", "between 1 and 100", "101", link(l -> l.setMaxAttempts(101))),
        bad("max_transfers", "between 0 and " + Long.MAX_VALUE, "-1", b -> b.setMaxTransfers(-1)));
  }

  @ParameterizedTest(name = "{0} got {2}")
  @MethodSource("badWorkloads")
  void badFieldIsInvalidArgumentNamingFieldAndRange(String field, String rule, String got,
      UnaryOperator<TransferWorkload.Builder> change) {
    TransferWorkload w = change.apply(valid()).build();
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> SenderGrpcService.validate(w));
    assertThat(e).as("validate(%s) must throw", field).isNotNull();
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription())
        .startsWith(field + ": ")
        .contains(rule)
        .endsWith("got " + got);
  }

  @Test
  void aValidWorkloadPasses() {
    assertThatCode(() -> SenderGrpcService.validate(valid().build())).doesNotThrowAnyException();
  }

  @Test
  void boundaryValuesPass() {
    TransferWorkload low = valid()
        .setContext(RunContext.newBuilder().setRunId("r").setStrategy(Strategy.COPY_AT_SPLICE))
        .setFileId(1).setSenderMode(SenderMode.CSUM_SOFTWARE).setConnections(1).setPipeCapacity(1)
        .setMinTransferBytes(64).setMaxTransferBytes(64).setMinResidencyUs(0).setMaxResidencyUs(0)
        .setSegmentBytes(64).setCsumToDmaUs(0)
        .setLink(LinkProfile.newBuilder().setLatencyUs(0).setJitterUs(0).setLoss(0.0).setRtoUs(1).setMaxAttempts(1))
        .setMaxTransfers(0).build();
    assertThatCode(() -> SenderGrpcService.validate(low)).doesNotThrowAnyException();

    TransferWorkload high = valid()
        .setFileId(65535).setConnections(64).setPipeCapacity(1024)
        .setMinTransferBytes(16L << 20).setMaxTransferBytes(16L << 20)
        .setMinResidencyUs(60_000_000).setMaxResidencyUs(60_000_000).setSegmentBytes(1 << 20).setCsumToDmaUs(1_000_000)
        .setLink(LinkProfile.newBuilder().setLatencyUs(10_000_000).setJitterUs(10_000_000).setLoss(1.0)
            .setRtoUs(60_000_000).setMaxAttempts(100))
        .setMaxTransfers(Long.MAX_VALUE).build();
    assertThatCode(() -> SenderGrpcService.validate(high)).doesNotThrowAnyException();
  }
}
