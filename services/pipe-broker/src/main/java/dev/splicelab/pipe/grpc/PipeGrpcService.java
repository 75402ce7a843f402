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
 * splice(file -> pipe) and the pipe buffer operations the sender needs. SpliceIn holds the pipe's
 * monitor across the storage call, so pipes fill in call order; different pipes run in parallel.
 */
public class PipeGrpcService extends PipeBrokerGrpc.PipeBrokerImplBase {

  private final PipeTable pipes;
  private final StorageNodeGrpc.StorageNodeBlockingStub storage;
  private final EventPublisher events;
  private final Clock clock;
  private final MeterRegistry meters;

  public PipeGrpcService(PipeTable pipes, StorageNodeGrpc.StorageNodeBlockingStub storage, EventPublisher events,
      Clock clock, MeterRegistry meters) {
    this.pipes = pipes;
    this.storage = storage;
    this.events = events;
    this.clock = clock;
    this.meters = meters;
  }

  @Override
  public void createPipe(CreatePipeRequest r, StreamObserver<PipeReply> out) {
    Calls.unary(out, () -> {
      Args.range("capacity", r.getCapacity(), 1, 1024);
      Pipe p = pipes.create(r.getCapacity());
      return PipeReply.newBuilder().setPipeId(p.id()).setCapacity(p.capacity()).build();
    });
  }

  @Override
  public void spliceIn(SpliceInRequest r, StreamObserver<SpliceInReply> out) {
    Calls.unary(out, () -> {
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
        List<FolioRef> refs = new ArrayList<>();
        for (SplicePiece piece : s.getPiecesList()) {
          PipeBuffer.Builder b = PipeBuffer.newBuilder().setFileOffset(piece.getFileOffset()).setLength(piece.getLength())
              .setTransferId(r.getTransferId()).setSplicedAtNanos(now);
          if (piece.hasRef()) {
            b.setRef(piece.getRef());
            refs.add(piece.getRef());
          } else {
            b.setCopy(piece.getCopy());
          }
          pipe.push(b.build());
        }
        if (s.getLength() > 0) {
          events.publish(Topics.SPLICES, r.getFileId(), SpliceRecord.newBuilder()
              .setContext(r.getContext()).setTransferId(r.getTransferId()).setFileId(r.getFileId())
              .setOffset(r.getOffset()).setLength(s.getLength()).setVersion(s.getVersion()).setPipeId(pipe.id())
              .addAllRefs(refs).setCopied(copy).setAtNanos(now).setAttempt(r.getAttempt()).setCookie(s.getCookie()).build());
          meters.counter("splicelab.pipe.splices", "strategy", r.getContext().getStrategy().name(),
              "scenario", r.getContext().getScenario()).increment();
          meters.counter("splicelab.pipe.spliced.bytes", "strategy", r.getContext().getStrategy().name(),
              "scenario", r.getContext().getScenario()).increment(s.getLength());
        }
        return SpliceInReply.newBuilder().setLength(s.getLength()).setVersion(s.getVersion())
            .setBuffers(s.getPiecesCount()).setCookie(s.getCookie()).build();
      }
    });
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
    Calls.unary(out, () -> {
      Args.range("max_bytes", r.getMaxBytes(), 1, Long.MAX_VALUE);
      Pipe pipe = pipes.get(r.getPipeId());
      synchronized (pipe) {
        return DrainReply.newBuilder().addAllBuffers(pipe.drain(r.getMaxBytes())).build();
      }
    });
  }

  @Override
  public void closePipe(PipeId r, StreamObserver<PipeReply> out) {
    Calls.unary(out, () -> {
      Pipe pipe = pipes.remove(r.getPipeId());
      UnpinRequest.Builder unpin = UnpinRequest.newBuilder();
      synchronized (pipe) {
        for (PipeBuffer b : pipe.drainAll()) {
          if (b.hasRef()) {
            Pins.release(unpin, b.getRef());
          }
        }
      }
      int released = Pins.count(unpin);
      if (released > 0) {
        storage.unpin(unpin.build());
      }
      return PipeReply.newBuilder().setPipeId(pipe.id()).setCapacity(pipe.capacity()).setReleased(released).build();
    });
  }
}
