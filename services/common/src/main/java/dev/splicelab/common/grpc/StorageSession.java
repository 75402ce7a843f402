package dev.splicelab.common.grpc;

import dev.splicelab.proto.Failure;
import dev.splicelab.proto.SendRangeReply;
import dev.splicelab.proto.SendRangeRequest;
import dev.splicelab.proto.SpliceReadReply;
import dev.splicelab.proto.SpliceReadRequest;
import dev.splicelab.proto.StableHoldReply;
import dev.splicelab.proto.StableHoldRequest;
import dev.splicelab.proto.StorageNodeGrpc;
import dev.splicelab.proto.StorageRequest;
import dev.splicelab.proto.StorageResponse;
import dev.splicelab.proto.UnpinReply;
import dev.splicelab.proto.UnpinRequest;

/**
 * The storage node's data-plane control calls (SpliceRead, Unpin, StableHold, SendRange) on one
 * StorageNode.Session stream, each waiting for its answer as the blocking unary call would (and
 * failing with the same status). Thread-safe; one per caller that wants its own ordering.
 */
public final class StorageSession implements AutoCloseable {

  /** Deadline of each call, as the callers' blocking stubs have. */
  public static final long TIMEOUT_MILLIS = 10_000;

  /** How a session's requests and responses carry their ids and failures (package: the tests use it). */
  static final StreamCalls.Codec<StorageRequest, StorageResponse> CODEC = new StreamCalls.Codec<>() {
    @Override
    public StorageRequest withId(StorageRequest request, long id) {
      return request.toBuilder().setId(id).build();
    }

    @Override
    public long idOf(StorageResponse response) {
      return response.getId();
    }

    @Override
    public Failure failureOf(StorageResponse response) {
      return response.hasFailure() ? response.getFailure() : null;
    }
  };

  private final StreamCalls<StorageRequest, StorageResponse> calls;

  public StorageSession(StorageNodeGrpc.StorageNodeStub stub) {
    this.calls = new StreamCalls<>("storage node session", stub::session, CODEC);
  }

  public SpliceReadReply spliceRead(SpliceReadRequest r) {
    return calls.call(StorageRequest.newBuilder().setSpliceRead(r).build(), TIMEOUT_MILLIS).getSpliced();
  }

  public UnpinReply unpin(UnpinRequest r) {
    return calls.call(StorageRequest.newBuilder().setUnpin(r).build(), TIMEOUT_MILLIS).getUnpinned();
  }

  public StableHoldReply stableHold(StableHoldRequest r) {
    return calls.call(StorageRequest.newBuilder().setStableHold(r).build(), TIMEOUT_MILLIS).getHeld();
  }

  public SendRangeReply sendRange(SendRangeRequest r) {
    return calls.call(StorageRequest.newBuilder().setSendRange(r).build(), TIMEOUT_MILLIS).getSent();
  }

  /**
   * The same calls without waiting: sent now, in order with every other request on the session
   * (the node handles them in order); the future completes with the answer or its failure.
   */
  public java.util.concurrent.CompletableFuture<StorageResponse> send(StorageRequest r) {
    return calls.send(r);
  }

  public java.util.concurrent.CompletableFuture<StorageResponse> unpinLater(UnpinRequest r) {
    return send(StorageRequest.newBuilder().setUnpin(r).build());
  }

  public java.util.concurrent.CompletableFuture<StorageResponse> stableHoldLater(StableHoldRequest r) {
    return send(StorageRequest.newBuilder().setStableHold(r).build());
  }

  public java.util.concurrent.CompletableFuture<StorageResponse> sendRangeLater(SendRangeRequest r) {
    return send(StorageRequest.newBuilder().setSendRange(r).build());
  }

  @Override
  public void close() {
    calls.close();
  }
}
