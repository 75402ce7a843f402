package dev.splicelab.pipe.grpc;

import dev.splicelab.common.grpc.Args;
import dev.splicelab.common.grpc.Calls;
import dev.splicelab.common.kafka.EventPublisher;
import dev.splicelab.common.pins.Pins;
import dev.splicelab.proto.Topics;
import dev.splicelab.common.time.Clocks;
import dev.splicelab.pipe.domain.Pipe;
import dev.splicelab.pipe.domain.PipeTable;
import dev.splicelab.proto.*;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * splice(file -> pipe) and the pipe buffer operations the sender needs, as unary calls and on the
 * Connect stream (one per sender connection: its pipes close when it ends). A unary SpliceIn holds
 * the pipe's monitor across the storage call; one on a stream reserves the pipe's free slots
 * instead and waits for nothing. Either way pipes fill in call order; different pipes run in
 * parallel. The storage calls of a Connect stream go on its own storage session.
 */
public class PipeGrpcService extends PipeBrokerGrpc.PipeBrokerImplBase {

  /** The storage node's calls a pipe needs: as unary calls, or on a session stream. */
  interface Storage {
    SpliceReadReply spliceRead(SpliceReadRequest r);

    void unpin(UnpinRequest r);
  }

  private final PipeTable pipes;
  private final Storage unary;
  private final StorageNodeGrpc.StorageNodeStub sessions;
  private final EventPublisher events;
  private final Clock clock;
  private final MeterRegistry meters;

  public PipeGrpcService(PipeTable pipes, StorageNodeGrpc.StorageNodeBlockingStub storage,
      StorageNodeGrpc.StorageNodeStub sessions, EventPublisher events, Clock clock, MeterRegistry meters) {
    this.pipes = pipes;
    this.unary = new Storage() {
      @Override
      public SpliceReadReply spliceRead(SpliceReadRequest r) {
        return storage.withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS).spliceRead(r);
      }

      @Override
      public void unpin(UnpinRequest r) {
        storage.withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS).unpin(r);
      }
    };
    this.sessions = sessions;
    this.events = events;
    this.clock = clock;
    this.meters = meters;
  }

  @Override
  public void createPipe(CreatePipeRequest r, StreamObserver<PipeReply> out) {
    Calls.unary(out, () -> create(r));
  }

  PipeReply create(CreatePipeRequest r) {
    Args.range("capacity", r.getCapacity(), 1, 1024);
    Pipe p = pipes.create(r.getCapacity());
    return PipeReply.newBuilder().setPipeId(p.id()).setCapacity(p.capacity()).build();
  }

  @Override
  public void spliceIn(SpliceInRequest r, StreamObserver<SpliceInReply> out) {
    Calls.unary(out, () -> spliceIn(r, unary));
  }

  SpliceInReply spliceIn(SpliceInRequest r, Storage storage) {
    Pipe pipe = pipeOf(r);
    synchronized (pipe) { // held across the storage call: a pipe fills in call order
      SpliceReadRequest read = readFor(r, pipe, pipe.free());
      return read == null ? EMPTY : finish(r, pipe, storage.spliceRead(read));
    }
  }

  private static final SpliceInReply EMPTY = SpliceInReply.newBuilder().setLength(0).build();

  /**
   * The same splice-in without blocking a thread on the storage node (a Connect stream's): the
   * pipe's free slots are reserved while the SpliceRead is under way, and the buffers are pushed
   * and the reply built on the thread that receives the storage node's answer.
   */
  CompletableFuture<SpliceInReply> spliceInLater(SpliceInRequest r,
      Function<SpliceReadRequest, CompletableFuture<SpliceReadReply>> storage) {
    Pipe pipe = pipeOf(r);
    SpliceReadRequest read;
    int slots;
    synchronized (pipe) {
      slots = pipe.free();
      read = readFor(r, pipe, slots);
      if (read == null) {
        return CompletableFuture.completedFuture(EMPTY);
      }
      pipe.reserve(slots);
    }
    return storage.apply(read).handle((s, e) -> {
      synchronized (pipe) {
        pipe.unreserve(slots);
        if (e != null) {
          throw e instanceof CompletionException c ? c : new CompletionException(e);
        }
        return finish(r, pipe, s);
      }
    });
  }

  private Pipe pipeOf(SpliceInRequest r) {
    Args.range("offset", r.getOffset(), 0, Long.MAX_VALUE);
    Args.range("length", r.getLength(), 1, 16L << 20);
    Args.require(!r.getTransferId().isBlank(), "transfer_id", "must be non-empty", "''");
    Args.known("context.strategy", r.getContext().getStrategy(), Strategy.STRATEGY_UNSPECIFIED, r.getContext().getStrategyValue());
    return pipes.get(r.getPipeId());
  }

  /** Under the pipe's monitor: the storage node's SpliceRead for {@code slots} free slots; null when the pipe is full. */
  private static SpliceReadRequest readFor(SpliceInRequest r, Pipe pipe, int slots) {
    if (slots == 0) {
      return null;
    }
    return SpliceReadRequest.newBuilder().setContext(r.getContext()).setFileId(r.getFileId()).setOffset(r.getOffset())
        .setLength(r.getLength()).setMode(modeFor(r.getContext().getStrategy(), r.getStableFromSplice()))
        .setMaxBuffers(slots).build();
  }

  /** Under the pipe's monitor: pushes what the storage node spliced, records it, and builds the reply. */
  private SpliceInReply finish(SpliceInRequest r, Pipe pipe, SpliceReadReply s) {
    boolean copy = modeFor(r.getContext().getStrategy(), r.getStableFromSplice()) == SpliceMode.COPY;
    long now = s.getAtNanos() > 0 ? s.getAtNanos() : Clocks.epochNanos(clock);
    List<Long> folios = new ArrayList<>();
    List<PipeBuffer> added = new ArrayList<>(s.getPiecesCount());
    for (SplicePiece piece : s.getPiecesList()) {
      PipeBuffer buffer = PipeBuffer.newBuilder().setFileOffset(piece.getFileOffset()).setLength(piece.getLength())
          .setTransferId(r.getTransferId()).setSplicedAtNanos(now).setRef(piece.getRef()).build();
      pipe.push(buffer);
      added.add(buffer);
      long id = piece.getRef().getFolioId();
      if (folios.size() < 16 && (folios.isEmpty() || folios.get(folios.size() - 1) != id)) {
        folios.add(id);
      }
    }
    if (s.getLength() > 0) {
      events.publish(Topics.SPLICES, r.getFileId(), SpliceRecord.newBuilder()
          .setContext(r.getContext()).setTransferId(r.getTransferId()).setFileId(r.getFileId())
          .setOffset(r.getOffset()).setLength(s.getLength()).setVersion(s.getVersion()).setPipeId(pipe.id())
          .setPages(s.getPiecesCount()).addAllFolioIds(folios).setCopied(copy).setAtNanos(now)
          .setAttempt(r.getAttempt()).setCookie(s.getCookie()).setTransmissionsFollow(true).build());
      meters.counter("splicelab.pipe.splices", "strategy", r.getContext().getStrategy().name(),
          "scenario", r.getContext().getScenario()).increment();
      meters.counter("splicelab.pipe.spliced.bytes", "strategy", r.getContext().getStrategy().name(),
          "scenario", r.getContext().getScenario()).increment(s.getLength());
    }
    return SpliceInReply.newBuilder().setLength(s.getLength()).setVersion(s.getVersion())
        .setBuffers(s.getPiecesCount()).setCookie(s.getCookie()).setBytesCopied(s.getBytesCopied()).setAtNanos(now)
        .addAllAdded(added).build();
  }

  /** How splice-in takes the data under each strategy. */
  static SpliceMode modeFor(Strategy strategy, boolean stableFromSplice) {
    return switch (strategy) {
      case COPY_AT_SPLICE -> SpliceMode.COPY;
      case COW_PRIVATE_REF -> SpliceMode.PRIVATE_REFERENCE;
      case STABLE_PAGES -> stableFromSplice ? SpliceMode.STABLE_REFERENCE : SpliceMode.REFERENCE;
      default -> SpliceMode.REFERENCE;
    };
  }

  @Override
  public void drain(DrainRequest r, StreamObserver<DrainReply> out) {
    Calls.unary(out, () -> drain(r));
  }

  DrainReply drain(DrainRequest r) {
    Args.range("max_bytes", r.getMaxBytes(), 1, Long.MAX_VALUE);
    Pipe pipe = pipes.get(r.getPipeId());
    synchronized (pipe) {
      return DrainReply.newBuilder().addAllBuffers(pipe.drain(r.getMaxBytes())).build();
    }
  }

  @Override
  public void closePipe(PipeId r, StreamObserver<PipeReply> out) {
    Calls.unary(out, () -> close(r, unary));
  }

  PipeReply close(PipeId r, Storage storage) {
    UnpinRequest.Builder unpin = UnpinRequest.newBuilder();
    PipeReply reply = release(r, unpin);
    if (reply.getReleased() > 0) {
      storage.unpin(unpin.build());
    }
    return reply;
  }

  /** Removes the pipe and adds the pins its buffers held to {@code unpin} (for the caller to drop). */
  private PipeReply release(PipeId r, UnpinRequest.Builder unpin) {
    Pipe pipe = pipes.remove(r.getPipeId());
    synchronized (pipe) {
      for (PipeBuffer b : pipe.drainAll()) {
        Pins.release(unpin, b.getRef());
      }
    }
    return PipeReply.newBuilder().setPipeId(pipe.id()).setCapacity(pipe.capacity()).setReleased(Pins.count(unpin)).build();
  }

  /**
   * One sender connection's stream: its requests answered in order, its storage calls on its own
   * session, and its pipes closed (buffers unpinned) when the stream ends, however it ends. No
   * thread waits for the storage node: a splice-in continues (and the requests after it follow)
   * on the thread that receives the node's answer, so the session's stub may run its callbacks on
   * the transport's own thread ({@code sessions} with a direct executor).
   */
  @Override
  public StreamObserver<PipeRequest> connect(StreamObserver<PipeResponse> out) {
    dev.splicelab.common.grpc.StorageSession session = new dev.splicelab.common.grpc.StorageSession(sessions);
    java.util.Set<Long> owned = java.util.concurrent.ConcurrentHashMap.newKeySet();
    return new StreamObserver<>() {
      /** The answer to the latest request: each request is handled once the one before it is answered. */
      private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);

      @Override
      public void onNext(PipeRequest q) {
        synchronized (this) {
          tail = tail.thenCompose(v -> handle(q)).thenAccept(reply -> {
            synchronized (out) {
              out.onNext(reply);
            }
          }).exceptionally(e -> null); // a reply that cannot be sent: the stream is gone, end() cleans up
        }
      }

      private CompletableFuture<PipeResponse> handle(PipeRequest q) {
        PipeResponse.Builder b = PipeResponse.newBuilder().setId(q.getId());
        Function<Failure, PipeResponse> failed = f -> PipeResponse.newBuilder().setId(q.getId()).setFailure(f).build();
        try {
          CompletableFuture<PipeResponse> answer = switch (q.getOpCase()) {
            case CREATE -> {
              PipeReply p = create(q.getCreate());
              owned.add(p.getPipeId());
              yield CompletableFuture.completedFuture(b.setCreated(p).build());
            }
            case SPLICE_IN -> spliceInLater(q.getSpliceIn(), r -> session.send(StorageRequest.newBuilder()
                .setSpliceRead(r).build()).thenApply(StorageResponse::getSpliced))
                .thenApply(s -> b.setSpliced(s).build());
            case DRAIN -> CompletableFuture.completedFuture(b.setDrained(drain(q.getDrain())).build());
            case CLOSE -> {
              PipeId id = q.getClose();
              UnpinRequest.Builder unpin = UnpinRequest.newBuilder();
              PipeReply p = release(id, unpin);
              owned.remove(p.getPipeId());
              CompletableFuture<?> unpinned = Pins.count(unpin) > 0 ? session.unpinLater(unpin.build())
                  : CompletableFuture.completedFuture(null);
              yield unpinned.thenApply(x -> b.setClosed(p).build());
            }
            default -> throw new IllegalArgumentException("op: must be create, splice_in, drain or close, got none");
          };
          return answer.exceptionally(e -> failure(e, failed));
        } catch (RuntimeException e) {
          return CompletableFuture.completedFuture(failure(e, failed));
        }
      }

      @Override
      public void onError(Throwable t) {
        end();
      }

      @Override
      public void onCompleted() {
        end();
        synchronized (out) {
          out.onCompleted();
        }
      }

      /**
       * The connection is gone: its pipes close, as a process's pipes do when it exits; after the
       * request under way, if any, and never on a transport thread (the unpins wait for the node).
       */
      private void end() {
        CompletableFuture<Void> last;
        synchronized (this) {
          last = tail;
        }
        last.whenCompleteAsync((v, e) -> {
          for (Long id : List.copyOf(owned)) {
            try {
              close(PipeId.newBuilder().setPipeId(id).build(), unary);
            } catch (RuntimeException ex) {
              // already closed, or the storage node is gone with the pins
            }
          }
          owned.clear();
          session.close();
        }, ENDINGS);
      }
    };
  }

  /** Where ended streams release their pipes (blocking calls, off the transport's threads). */
  private static final java.util.concurrent.Executor ENDINGS = java.util.concurrent.Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "pipe-stream-end");
    t.setDaemon(true);
    return t;
  });

  /** A failed request's answer, as {@link Calls#unary} would give it. */
  private static PipeResponse failure(Throwable e, Function<Failure, PipeResponse> failed) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    return failed.apply(dev.splicelab.common.grpc.StreamCalls.failure(
        cause instanceof RuntimeException r ? r : new IllegalStateException(cause)));
  }
}
