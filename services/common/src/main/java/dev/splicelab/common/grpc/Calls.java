package dev.splicelab.common.grpc;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs a unary call body and maps its failure to a gRPC status (never leaks a stack trace). */
public final class Calls {

  private static final Logger log = LoggerFactory.getLogger(Calls.class);

  private Calls() {}

  public static <T> void unary(StreamObserver<T> out, Supplier<T> body) {
    T reply;
    try {
      reply = body.get();
    } catch (RuntimeException e) {
      out.onError(status(e).asRuntimeException());
      return;
    }
    out.onNext(reply);
    out.onCompleted();
  }

  /**
   * The status a failed call body maps to: a StatusRuntimeException's own; RESOURCE_EXHAUSTED,
   * INVALID_ARGUMENT and FAILED_PRECONDITION for the domain's exhausted resources, bad arguments
   * and wrong states, with their messages; INTERNAL (logged) for anything else.
   */
  public static Status status(RuntimeException e) {
    if (e instanceof StatusRuntimeException s) {
      return s.getStatus();
    }
    if (e instanceof dev.splicelab.common.errors.ResourceExhaustedException) {
      return Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage());
    }
    if (e instanceof IllegalArgumentException) {
      return Status.INVALID_ARGUMENT.withDescription(e.getMessage());
    }
    if (e instanceof IllegalStateException) {
      return Status.FAILED_PRECONDITION.withDescription(e.getMessage());
    }
    log.error("call failed", e);
    return Status.INTERNAL.withDescription(String.valueOf(e));
  }
}
