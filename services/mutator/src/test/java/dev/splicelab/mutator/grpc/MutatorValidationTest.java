package dev.splicelab.mutator.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.splicelab.proto.MutationMix;
import dev.splicelab.proto.MutationWorkload;
import dev.splicelab.proto.RunContext;
import dev.splicelab.proto.Strategy;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MutatorValidationTest {

  private static MutationWorkload.Builder valid() {
    return MutationWorkload.newBuilder()
        .setContext(RunContext.newBuilder().setRunId("run-1").setCell(0).setScenario("s").setStrategy(Strategy.SHARE))
        .setFileId(1)
        .setSeed(7)
        .setWriters(2)
        .setRatePerSecond(100)
        .setMix(MutationMix.newBuilder().setWrite(1))
        .setMinWriteBytes(64)
        .setMaxWriteBytes(4096)
        .setPunchBlock(4096)
        .setHotProbability(0)
        .setMaxMutations(0);
  }

  private static UnaryOperator<MutationWorkload.Builder> mix(UnaryOperator<MutationMix.Builder> f) {
    return b -> b.setMix(f.apply(b.getMix().toBuilder()));
  }

  private static Arguments bad(String field, String rule, String got, UnaryOperator<MutationWorkload.Builder> change) {
    return Arguments.of(field, rule, got, change);
  }

  static Stream<Arguments> badWorkloads() {
    return Stream.of(
        bad("context.run_id", "must be non-empty", "''", b -> b.setContext(b.getContext().toBuilder().setRunId(""))),
        bad("file_id", "between 1 and 65535", "0", b -> b.setFileId(0)),
        bad("file_id", "between 1 and 65535", "65536", b -> b.setFileId(65536)),
        bad("writers", "between 1 and 64", "0", b -> b.setWriters(0)),
        bad("writers", "between 1 and 64", "65", b -> b.setWriters(65)),
        bad("rate_per_second", "must be > 0 and at most 1000000", "-1.0", b -> b.setRatePerSecond(-1)),
        bad("rate_per_second", "must be > 0 and at most 1000000", "0.0", b -> b.setRatePerSecond(0)),
        bad("rate_per_second", "must be > 0 and at most 1000000", "NaN", b -> b.setRatePerSecond(Double.NaN)),
        bad("rate_per_second", "must be > 0 and at most 1000000", "2000000.0", b -> b.setRatePerSecond(2e6)),
        bad("mix.write", "between 0.0 and 1.0E9", "-1.0", mix(m -> m.setWrite(-1).setMmapStore(1))),
        bad("mix.mmap_store", "between 0.0 and 1.0E9", "-0.5", mix(m -> m.setMmapStore(-0.5))),
        bad("mix.punch_partial", "between 0.0 and 1.0E9", "NaN", mix(m -> m.setPunchPartial(Double.NaN))),
        bad("mix.punch_whole", "between 0.0 and 1.0E9", "-1.0", mix(m -> m.setPunchWhole(-1))),
        bad("mix.truncate_extend", "between 0.0 and 1.0E9", "Infinity", mix(m -> m.setTruncateExtend(Double.POSITIVE_INFINITY))),
        bad("mix.direct_write", "between 0.0 and 1.0E9", "-2.0", mix(m -> m.setDirectWrite(-2))),
        bad("mix", "at least one weight > 0", "0.0", b -> b.clearMix()),
        bad("mix", "at least one weight > 0", "0.0", b -> b.setMix(MutationMix.newBuilder().setWrite(0).setPunchWhole(0))),
        bad("min_write_bytes", "multiple of 64 between 64 and 4194304", "100", b -> b.setMinWriteBytes(100)),
        bad("min_write_bytes", "multiple of 64 between 64 and 4194304", "0", b -> b.setMinWriteBytes(0)),
        bad("max_write_bytes", "multiple of 64 between 1024 and 4194304", "512",
            b -> b.setMinWriteBytes(1024).setMaxWriteBytes(512)),
        bad("max_write_bytes", "multiple of 64 between 64 and 4194304", "4100", b -> b.setMaxWriteBytes(4100)),
        bad("max_write_bytes", "multiple of 64 between 64 and 4194304", "4194368", b -> b.setMaxWriteBytes((4L << 20) + 64)),
        bad("punch_block", "multiple of 4096 between 4096 and 2097152", "1000", b -> b.setPunchBlock(1000)),
        bad("punch_block", "multiple of 4096 between 4096 and 2097152", "6144", b -> b.setPunchBlock(6144)),
        bad("punch_block", "multiple of 4096 between 4096 and 2097152", "0", b -> b.setPunchBlock(0)),
        bad("punch_block", "multiple of 4096 between 4096 and 2097152", "4194304", b -> b.setPunchBlock(4L << 20)),
        bad("hot_probability", "between 0.0 and 1.0", "2.0", b -> b.setHotProbability(2)),
        bad("hot_probability", "between 0.0 and 1.0", "-0.1", b -> b.setHotProbability(-0.1)),
        bad("hot_fraction_of_file", "must be > 0 and at most 1", "0.0", b -> b.setHotProbability(0.5).setHotFractionOfFile(0)),
        bad("hot_fraction_of_file", "must be > 0 and at most 1", "1.5", b -> b.setHotProbability(0.5).setHotFractionOfFile(1.5)),
        bad("max_mutations", "between 0 and " + Long.MAX_VALUE, "-1", b -> b.setMaxMutations(-1)));
  }

  @ParameterizedTest(name = "{0} got {2}")
  @MethodSource("badWorkloads")
  void badFieldIsInvalidArgumentNamingFieldAndRange(String field, String rule, String got,
      UnaryOperator<MutationWorkload.Builder> change) {
    MutationWorkload w = change.apply(valid()).build();
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> MutatorGrpcService.validate(w));
    assertThat(e).as("validate(%s) must throw", field).isNotNull();
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription())
        .startsWith(field + ": ")
        .contains(rule)
        .endsWith("got " + got);
  }

  @Test
  void aValidWorkloadPasses() {
    assertThatCode(() -> MutatorGrpcService.validate(valid().build())).doesNotThrowAnyException();
  }

  @Test
  void boundaryAndOtherValidValuesPass() {
    MutationWorkload low = valid().setWriters(1).setRatePerSecond(0.001)
        .setMix(MutationMix.newBuilder().setDirectWrite(0.5))
        .setMinWriteBytes(64).setMaxWriteBytes(64).setPunchBlock(4096)
        .setHotProbability(0).setHotFractionOfFile(0).setMaxMutations(0).build();
    assertThatCode(() -> MutatorGrpcService.validate(low)).doesNotThrowAnyException();

    MutationWorkload high = valid().setFileId(65535).setWriters(64).setRatePerSecond(1_000_000)
        .setMix(MutationMix.newBuilder().setWrite(1).setMmapStore(2).setPunchPartial(3).setPunchWhole(4)
            .setTruncateExtend(5).setDirectWrite(1e9))
        .setMinWriteBytes(4L << 20).setMaxWriteBytes(4L << 20).setPunchBlock(2L << 20)
        .setHotProbability(1).setHotFractionOfFile(1).setMaxMutations(Long.MAX_VALUE).build();
    assertThatCode(() -> MutatorGrpcService.validate(high)).doesNotThrowAnyException();

    MutationWorkload hot = valid().setHotProbability(0.9).setHotFractionOfFile(0.05).build();
    assertThatCode(() -> MutatorGrpcService.validate(hot)).doesNotThrowAnyException();
  }
}
