package dev.splicelab.mutator.grpc;

import dev.splicelab.common.grpc.Args;
import dev.splicelab.common.grpc.Calls;
import dev.splicelab.mutator.domain.MutationEngine;
import dev.splicelab.proto.*;
import io.grpc.stub.StreamObserver;

public class MutatorGrpcService extends MutatorGrpc.MutatorImplBase {

  private final MutationEngine engine;

  public MutatorGrpcService(MutationEngine engine) {
    this.engine = engine;
  }

  @Override
  public void prepareFile(PrepareFileRequest r, StreamObserver<MutatorStatus> out) {
    Calls.unary(out, () -> {
      Args.range("file_id", r.getFileId(), 1, 65535);
      Args.multiple("size", r.getSize(), 64, 64, 64L << 20);
      Args.known("profile", r.getProfile(), FsProfile.FS_PROFILE_UNSPECIFIED, r.getProfileValue());
      Args.multiple("fill_chunk", r.getFillChunk(), 4096, 4096, 2L << 20);
      Args.range("stable_wait_timeout_ms", r.getStableWaitTimeoutMs(), 0, 60_000);
      if (r.getTimeScale() != 0) {
        Args.range("time_scale", r.getTimeScale(), 0.25, 64);
      }
      return engine.prepare(r);
    });
  }

  @Override
  public void startMutations(MutationWorkload w, StreamObserver<MutatorStatus> out) {
    Calls.unary(out, () -> {
      validate(w);
      return engine.start(w);
    });
  }

  @Override
  public void stopMutations(StopRequest r, StreamObserver<MutatorStatus> out) {
    Calls.unary(out, () -> engine.stop(Args.range("drain_timeout_ms", r.getDrainTimeoutMs(), 0, 600_000)));
  }

  @Override
  public void status(StatusRequest r, StreamObserver<MutatorStatus> out) {
    Calls.unary(out, engine::status);
  }

  static void validate(MutationWorkload w) {
    Args.require(!w.getContext().getRunId().isBlank(), "context.run_id", "must be non-empty", "''");
    Args.range("file_id", w.getFileId(), 1, 65535);
    Args.range("writers", w.getWriters(), 1, 64);
    Args.require(w.getRatePerSecond() > 0 && w.getRatePerSecond() <= 1_000_000, "rate_per_second",
        "must be > 0 and at most 1000000", w.getRatePerSecond());
    MutationMix m = w.getMix();
    double[] mix = {m.getWrite(), m.getMmapStore(), m.getPunchPartial(), m.getPunchWhole(), m.getTruncateExtend(), m.getDirectWrite()};
    String[] names = {"mix.write", "mix.mmap_store", "mix.punch_partial", "mix.punch_whole", "mix.truncate_extend", "mix.direct_write"};
    double total = 0;
    for (int i = 0; i < mix.length; i++) {
      Args.range(names[i], mix[i], 0, 1e9);
      total += mix[i];
    }
    Args.require(total > 0, "mix", "must have at least one weight > 0", total);
    Args.multiple("min_write_bytes", w.getMinWriteBytes(), 64, 64, 4L << 20);
    Args.multiple("max_write_bytes", w.getMaxWriteBytes(), 64, w.getMinWriteBytes(), 4L << 20);
    Args.multiple("punch_block", w.getPunchBlock(), 4096, 4096, 2L << 20);
    Args.range("hot_probability", w.getHotProbability(), 0, 1);
    if (w.getHotProbability() > 0) {
      Args.require(w.getHotFractionOfFile() > 0 && w.getHotFractionOfFile() <= 1, "hot_fraction_of_file",
          "must be > 0 and at most 1", w.getHotFractionOfFile());
    }
    Args.range("max_mutations", w.getMaxMutations(), 0, Long.MAX_VALUE);
    Args.range("application_fraction", w.getApplicationFraction(), 0, 1);
  }
}
