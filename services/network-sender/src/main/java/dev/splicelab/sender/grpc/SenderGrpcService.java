package dev.splicelab.sender.grpc;

import dev.splicelab.common.grpc.Args;
import dev.splicelab.common.grpc.Calls;
import dev.splicelab.proto.*;
import dev.splicelab.sender.domain.TransferEngine;
import io.grpc.stub.StreamObserver;

/** Drives the transfer workload. Validates the whole workload before starting anything. */
public class SenderGrpcService extends NetworkSenderGrpc.NetworkSenderImplBase {

  private final TransferEngine engine;

  public SenderGrpcService(TransferEngine engine) {
    this.engine = engine;
  }

  @Override
  public void startTransfers(TransferWorkload w, StreamObserver<SenderStatus> out) {
    Calls.unary(out, () -> {
      validate(w);
      return engine.start(w);
    });
  }

  @Override
  public void stopTransfers(StopRequest r, StreamObserver<SenderStatus> out) {
    Calls.unary(out, () -> engine.stop(Args.range("drain_timeout_ms", r.getDrainTimeoutMs(), 0, 600_000)));
  }

  @Override
  public void status(StatusRequest r, StreamObserver<SenderStatus> out) {
    Calls.unary(out, engine::status);
  }

  static void validate(TransferWorkload w) {
    Args.require(!w.getContext().getRunId().isBlank(), "context.run_id", "must be non-empty", "''");
    Args.known("context.strategy", w.getContext().getStrategy(), Strategy.STRATEGY_UNSPECIFIED, w.getContext().getStrategyValue());
    Args.range("file_id", w.getFileId(), 1, 65535);
    Args.known("sender_mode", w.getSenderMode(), SenderMode.SENDER_MODE_UNSPECIFIED, w.getSenderModeValue());
    Args.range("connections", w.getConnections(), 1, 64);
    Args.range("pipe_capacity", w.getPipeCapacity(), 1, 1024);
    Args.multiple("min_transfer_bytes", w.getMinTransferBytes(), 64, 64, 16L << 20);
    Args.multiple("max_transfer_bytes", w.getMaxTransferBytes(), 64, w.getMinTransferBytes(), 16L << 20);
    Args.range("min_residency_us", w.getMinResidencyUs(), 0, 60_000_000);
    Args.range("max_residency_us", w.getMaxResidencyUs(), w.getMinResidencyUs(), 60_000_000);
    Args.multiple("segment_bytes", w.getSegmentBytes(), 64, 64, 1 << 20);
    Args.range("csum_to_dma_us", w.getCsumToDmaUs(), 0, 1_000_000);
    Args.range("link.latency_us", w.getLink().getLatencyUs(), 0, 10_000_000);
    Args.range("link.jitter_us", w.getLink().getJitterUs(), 0, 10_000_000);
    Args.range("link.loss", w.getLink().getLoss(), 0.0, 1.0);
    Args.range("link.rto_us", w.getLink().getRtoUs(), 1, 60_000_000);
    Args.range("link.max_attempts", w.getLink().getMaxAttempts(), 1, 100);
    Args.range("max_transfers", w.getMaxTransfers(), 0, Long.MAX_VALUE);
    Args.range("max_confirm_retries", w.getMaxConfirmRetries(), 0, 1000);
    Args.range("link.bandwidth_bytes_per_second", w.getLink().getBandwidthBytesPerSecond(), 0, 100_000_000_000L);
    Args.range("link.duplicate", w.getLink().getDuplicate(), 0.0, 1.0);
    Args.range("link.reorder", w.getLink().getReorder(), 0.0, 1.0);
    Args.range("link.reorder_delay_us", w.getLink().getReorderDelayUs(), 0, 10_000_000);
    Args.range("link.corrupt", w.getLink().getCorrupt(), 0.0, 1.0);
    Args.range("arrival_rate_per_second", w.getArrivalRatePerSecond(), 0.0, 1_000_000.0);
    if (w.getSendBufferBytes() != 0) {
      Args.range("send_buffer_bytes", w.getSendBufferBytes(), 16 << 10, 1L << 30);
    }
    for (int i = 0; i < w.getLink().getPartitionsCount(); i++) {
      Args.range("link.partitions[" + i + "].start_ms", w.getLink().getPartitions(i).getStartMs(), 0, 3_600_000);
      Args.range("link.partitions[" + i + "].duration_ms", w.getLink().getPartitions(i).getDurationMs(), 1, 3_600_000);
    }
  }
}
