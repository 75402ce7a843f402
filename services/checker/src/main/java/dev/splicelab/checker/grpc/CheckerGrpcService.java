package dev.splicelab.checker.grpc;

import dev.splicelab.checker.domain.HistoryReader;
import dev.splicelab.checker.domain.Verifier;
import dev.splicelab.common.grpc.Args;
import dev.splicelab.common.grpc.Calls;
import dev.splicelab.proto.*;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.TimeoutException;

public class CheckerGrpcService extends CheckerGrpc.CheckerImplBase {

  private final Verifier verifier;
  private final HistoryReader reader;

  public CheckerGrpcService(Verifier verifier, HistoryReader reader) {
    this.verifier = verifier;
    this.reader = reader;
  }

  @Override
  public void cellStatus(CellRequest r, StreamObserver<CellSummary> out) {
    Calls.unary(out, () -> verifier.status(r.getRunId(), r.getCell()));
  }

  @Override
  public void finalizeCell(FinalizeRequest r, StreamObserver<CellSummary> out) {
    Calls.unary(out, () -> {
      Args.require(!r.getRunId().isBlank(), "run_id", "must be non-empty", "''");
      Args.range("timeout_ms", r.getTimeoutMs(), 1, 600_000);
      Args.range("witnesses_per_class", r.getWitnessesPerClass(), 0, 100);
      try {
        reader.awaitCaughtUp(r.getTimeoutMs(), 1500);
      } catch (TimeoutException e) {
        throw Status.DEADLINE_EXCEEDED.withDescription(e.getMessage() + (reader.error().isEmpty() ? "" : "; last error: " + reader.error()))
            .asRuntimeException();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw Status.CANCELLED.asRuntimeException();
      }
      return verifier.finalizeCell(r.getRunId(), r.getCell(), r.getWitnessesPerClass());
    });
  }
}
