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

/**
 * splice(file -> pipe) and the pipe buffer operations the sender needs, as unary calls and on the
 * Connect stream (one per sender connection: its pipes close when it ends). SpliceIn holds the
 * pipe's monitor across the storage call, so pipes fill in call order; different pipes run in
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
    {
      Args.range("offset", r.getOffset(), 0, Long.MAX_VALUE);
      Args.range("length", r.getLength(), 1, 16L << 20);
      Args.require(!r.getTransferId().isBlank(), "transfer_id", "must be non-empty", "''");
      Args.known("context.strategy", r.getContext().getStrategy(), Strategy.STRATEGY_UNSPECIFIED, r.getContext().getStrategyValue());
      Pipe pipe = pipes.get(r.getPipeId());
      synchronized (pipe) {
        if (pipe.free() == 0) {
          return SpliceInReply.newBuilder().setLength(0).build();
        }
        SpliceMode mode = modeFor(r.getContext().getStrategy(), r.getStableFromSplice());
        boolean copy = mode == SpliceMode.COPY;
        SpliceReadReply s = storage.spliceRead(SpliceReadRequest.newBuilder()
            .setContext(r.getContext()).setFileId(r.getFileId()).setOffset(r.getOffset()).setLength(r.getLength())
            .setMode(mode).setMaxBuffers(pipe.free()).build());
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
    }
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
    {
      Pipe pipe = pipes.remove(r.getPipeId());
      UnpinRequest.Builder unpin = UnpinRequest.newBuilder();
      synchronized (pipe) {
        for (PipeBuffer b : pipe.drainAll()) {
          Pins.release(unpin, b.getRef());
        }
      }
      int released = Pins.count(unpin);
      if (released > 0) {
        storage.unpin(unpin.build());
      }
      return PipeReply.newBuilder().setPipeId(pipe.id()).setCapacity(pipe.capacity()).setReleased(released).build();
    }
  }

  /**
   * One sender connection's stream: its requests in order, its storage calls on its own session,
   * and its pipes closed (buffers unpinned) when the stream ends, however it ends.
   */
  @Override
  public StreamObserver<PipeRequest> connect(StreamObserver<PipeResponse> out) {
    dev.splicelab.common.grpc.StorageSession session = new dev.splicelab.common.grpc.StorageSession(sessions);
    Storage storage = new Storage() {
      @Override
      public SpliceReadReply spliceRead(SpliceReadRequest r) {
        return session.spliceRead(r);
      }

      @Override
      public void unpin(UnpinRequest r) {
        session.unpin(r);
      }
    };
    java.util.Set<Long> owned = java.util.concurrent.ConcurrentHashMap.newKeySet();
    return new StreamObserver<>() {
      @Override
      public void onNext(PipeRequest q) {
        PipeResponse.Builder b = PipeResponse.newBuilder().setId(q.getId());
        PipeResponse reply = dev.splicelab.common.grpc.StreamCalls.answer(() -> switch (q.getOpCase()) {
          case CREATE -> {
            PipeReply p = create(q.getCreate());
            owned.add(p.getPipeId());
            yield b.setCreated(p).build();
          }
          case SPLICE_IN -> b.setSpliced(spliceIn(q.getSpliceIn(), storage)).build();
          case DRAIN -> b.setDrained(drain(q.getDrain())).build();
          case CLOSE -> {
            PipeReply p = close(q.getClose(), storage);
            owned.remove(p.getPipeId());
            yield b.setClosed(p).build();
          }
          default -> throw new IllegalArgumentException("op: must be create, splice_in, drain or close, got none");
        }, f -> PipeResponse.newBuilder().setId(q.getId()).setFailure(f).build());
        synchronized (out) {
          out.onNext(reply);
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

      /** The connection is gone: its pipes close, as a process's pipes do when it exits. */
      private void end() {
        for (Long id : List.copyOf(owned)) {
          try {
            close(PipeId.newBuilder().setPipeId(id).build(), unary);
          } catch (RuntimeException e) {
            // already closed, or the storage node is gone with the pins
          }
        }
        owned.clear();
        session.close();
      }
    };
  }
}
