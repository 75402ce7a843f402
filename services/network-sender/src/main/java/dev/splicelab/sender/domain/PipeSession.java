package dev.splicelab.sender.domain;

import dev.splicelab.common.grpc.StreamCalls;
import dev.splicelab.proto.CreatePipeRequest;
import dev.splicelab.proto.DrainReply;
import dev.splicelab.proto.DrainRequest;
import dev.splicelab.proto.Failure;
import dev.splicelab.proto.PipeBrokerGrpc;
import dev.splicelab.proto.PipeId;
import dev.splicelab.proto.PipeReply;
import dev.splicelab.proto.PipeRequest;
import dev.splicelab.proto.PipeResponse;
import dev.splicelab.proto.SpliceInReply;
import dev.splicelab.proto.SpliceInRequest;

/**
 * A connection's PipeBroker.Connect stream: its pipe's operations as calls that wait like the
 * blocking unary ones (10 s deadline, same statuses). Ending it closes the connection's pipes in
 * the broker. Thread-safe.
 */
final class PipeSession implements AutoCloseable {

  private static final long TIMEOUT_MILLIS = 10_000;

  private static final StreamCalls.Codec<PipeRequest, PipeResponse> CODEC = new StreamCalls.Codec<>() {
    @Override
    public PipeRequest withId(PipeRequest request, long id) {
      return request.toBuilder().setId(id).build();
    }

    @Override
    public long idOf(PipeResponse response) {
      return response.getId();
    }

    @Override
    public Failure failureOf(PipeResponse response) {
      return response.hasFailure() ? response.getFailure() : null;
    }
  };

  private final StreamCalls<PipeRequest, PipeResponse> calls;

  /**
   * The stream's answers are taken on the transport's own thread (a direct executor): they only
   * complete the futures the application thread waits on, so the splice-in's reply reaches it
   * with one thread hand-off fewer.
   */
  PipeSession(PipeBrokerGrpc.PipeBrokerStub stub) {
    this.calls = new StreamCalls<>("pipe broker stream", stub.withExecutor(Runnable::run)::connect, CODEC);
  }

  PipeReply create(CreatePipeRequest r) {
    return calls.call(PipeRequest.newBuilder().setCreate(r).build(), TIMEOUT_MILLIS).getCreated();
  }

  SpliceInReply spliceIn(SpliceInRequest r) {
    return calls.call(PipeRequest.newBuilder().setSpliceIn(r).build(), TIMEOUT_MILLIS).getSpliced();
  }

  DrainReply drain(DrainRequest r) {
    return calls.call(PipeRequest.newBuilder().setDrain(r).build(), TIMEOUT_MILLIS).getDrained();
  }

  /**
   * Sends a drain without waiting: requests on the stream are handled in order, so the pipe is
   * drained before this connection's next splice-in. The future fails with the call's status.
   */
  java.util.concurrent.CompletableFuture<DrainReply> drainLater(DrainRequest r) {
    return calls.send(PipeRequest.newBuilder().setDrain(r).build()).thenApply(PipeResponse::getDrained);
  }

  PipeReply close(PipeId r) {
    return calls.call(PipeRequest.newBuilder().setClose(r).build(), TIMEOUT_MILLIS).getClosed();
  }

  @Override
  public void close() {
    calls.close();
  }
}
