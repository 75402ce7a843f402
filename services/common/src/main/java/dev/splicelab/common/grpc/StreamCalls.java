package dev.splicelab.common.grpc;

import dev.splicelab.proto.Failure;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;


/**
 * Calls over one long-lived bidirectional stream (PipeBroker.Connect, StorageNode.Session): each
 * request gets an id, its response is matched by id, and {@link #call} waits for it as a blocking
 * unary call would, with a deadline. A response carrying a Failure, or the stream's end, fails the
 * waiting calls with the status the unary call would have given. The stream is opened on first
 * use and again after it broke. Thread-safe.
 *
 * @param <Q> the request message
 * @param <R> the response message
 */
public final class StreamCalls<Q, R> implements AutoCloseable {

  /** How a request gets its id, and what a response's id and failure are. */
  public interface Codec<Q, R> {
    Q withId(Q request, long id);

    long idOf(R response);

    /** The response's failure, or null. */
    Failure failureOf(R response);
  }

  private final String name;
  private final Function<StreamObserver<R>, StreamObserver<Q>> open;
  private final Codec<Q, R> codec;
  private final AtomicLong ids = new AtomicLong();
  private final Map<Long, CompletableFuture<R>> pending = new ConcurrentHashMap<>();
  private StreamObserver<Q> stream;
  private volatile boolean closed;

  /**
   * @param name what the stream is, for errors ("pipe broker stream")
   * @param open starts the stream with a response observer (e.g. {@code stub::connect})
   */
  public StreamCalls(String name, Function<StreamObserver<R>, StreamObserver<Q>> open, Codec<Q, R> codec) {
    this.name = name;
    this.open = open;
    this.codec = codec;
  }

  /** Sends a request and waits up to {@code timeoutMillis} for its response. */
  public R call(Q request, long timeoutMillis) {
    CompletableFuture<R> f = send(request);
    try {
      return f.get(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      pending.values().remove(f); // a late answer finds no caller and is dropped
      throw Status.DEADLINE_EXCEEDED.withDescription(name + ": no response within " + timeoutMillis + " ms")
          .asRuntimeException();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      pending.values().remove(f);
      Thread.currentThread().interrupt();
      throw Status.CANCELLED.withDescription(name + ": interrupted").asRuntimeException();
    }
  }

  /** Sends a request; the future completes with its response (or fails with its status). */
  public CompletableFuture<R> send(Q request) {
    if (closed) {
      throw Status.CANCELLED.withDescription(name + " is closed").asRuntimeException();
    }
    long id = ids.incrementAndGet();
    CompletableFuture<R> f = new CompletableFuture<>();
    pending.put(id, f);
    Q q = codec.withId(request, id);
    synchronized (this) {
      if (stream == null) {
        stream = open.apply(new Responses());
      }
      try {
        stream.onNext(q);
      } catch (RuntimeException e) {
        pending.remove(id);
        stream = null;
        throw e;
      }
    }
    return f;
  }

  private final class Responses implements StreamObserver<R> {
    @Override
    public void onNext(R r) {
      CompletableFuture<R> f = pending.remove(codec.idOf(r));
      if (f == null) {
        return;
      }
      Failure failure = codec.failureOf(r);
      if (failure != null) {
        f.completeExceptionally(Status.fromCodeValue(failure.getCode()).withDescription(failure.getDescription())
            .asRuntimeException());
      } else {
        f.complete(r);
      }
    }

    @Override
    public void onError(Throwable t) {
      broken(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      broken(Status.UNAVAILABLE.withDescription(name + " ended"));
    }

    private void broken(Status s) {
      synchronized (StreamCalls.this) {
        stream = null;
      }
      StatusRuntimeException e = s.withDescription(name + ": " + s.getDescription()).asRuntimeException();
      for (Long id : pending.keySet()) {
        CompletableFuture<R> f = pending.remove(id);
        if (f != null) {
          f.completeExceptionally(e);
        }
      }
    }
  }

  /** Ends the stream (the server releases what it held for it). */
  @Override
  public synchronized void close() {
    closed = true;
    if (stream != null) {
      try {
        stream.onCompleted();
      } catch (RuntimeException e) {
        // already broken
      }
      stream = null;
    }
  }

  /** Answers a stream's requests in order, each as {@link Calls#unary} would: a reply, or a Failure. */
  public static <R> R answer(java.util.function.Supplier<R> body, Function<Failure, R> failed) {
    try {
      return body.get();
    } catch (RuntimeException e) {
      return failed.apply(failure(e));
    }
  }

  /** A request's failure, with the status a unary call would have given for {@code e}. */
  public static Failure failure(RuntimeException e) {
    Status s = Calls.status(e);
    return Failure.newBuilder().setCode(s.getCode().value())
        .setDescription(s.getDescription() == null ? "" : s.getDescription()).build();
  }

}
