package dev.splicelab.storage.grpc;

import com.google.protobuf.ByteString;
import dev.splicelab.common.grpc.Args;
import dev.splicelab.common.grpc.Calls;
import dev.splicelab.proto.*;
import dev.splicelab.storage.domain.PageCache;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;

/**
 * gRPC face of the page cache. Validates every argument (INVALID_ARGUMENT naming the field and
 * range) before touching state. Thread-safe: the page cache serializes per file.
 */
public class StorageGrpcService extends StorageNodeGrpc.StorageNodeImplBase {

  /** O_DIRECT logical block size, bytes. */
  public static final int DIRECT_IO_BLOCK = 4096;
  /** Largest write payload accepted in one call, bytes. */
  public static final int MAX_WRITE = 4 << 20;
  /** Largest splice request, bytes. */
  public static final long MAX_SPLICE = 16L << 20;

  private final PageCache cache;
  private final MeterRegistry meters;

  public StorageGrpcService(PageCache cache, MeterRegistry meters) {
    this.cache = cache;
    this.meters = meters;
  }

  @Override
  public void createFile(CreateFileRequest r, StreamObserver<MutationReply> out) {
    Calls.unary(out, () -> {
      Args.range("file_id", r.getFileId(), 1, 65535);
      Args.range("size", r.getSize(), 0, cache.maxFileSize());
      Args.known("profile", r.getProfile(), FsProfile.FS_PROFILE_UNSPECIFIED, r.getProfileValue());
      long waitMs = Args.range("stable_wait_timeout_ms", r.getStableWaitTimeoutMs(), 0, 60_000);
      Args.require(r.getStableTimeoutPolicyValue() >= 0 && r.getStableTimeoutPolicyValue() <= 2, "stable_timeout_policy",
          "must be FAIL_WRITER or LET_THROUGH", r.getStableTimeoutPolicyValue());
      PageCache.StablePolicy policy = new PageCache.StablePolicy(waitMs == 0 ? 200_000 : waitMs * 1000,
          r.getStableTimeoutPolicy() != StableTimeoutPolicy.LET_THROUGH);
      double scale = r.getTimeScale() == 0 ? 1 : Args.range("time_scale", r.getTimeScale(), 0.25, 64);
      return reply(cache.create(r.getContext(), r.getFileId(), r.getSize(), r.getProfile(), policy, scale));
    });
  }

  @Override
  public void write(WriteRequest r, StreamObserver<MutationReply> out) {
    Calls.unary(out, () -> {
      checkWrite(r);
      count(r.getContext(), MutationKind.WRITE);
      return reply(cache.write(r.getContext(), r.getFileId(), r.getOffset(), r.getData().toByteArray(), r.getOpId(), MutationKind.WRITE,
          r.getHonorsSends()));
    });
  }

  @Override
  public void mmapStore(WriteRequest r, StreamObserver<MutationReply> out) {
    Calls.unary(out, () -> {
      checkWrite(r);
      count(r.getContext(), MutationKind.MMAP_STORE);
      return reply(cache.write(r.getContext(), r.getFileId(), r.getOffset(), r.getData().toByteArray(), r.getOpId(),
          MutationKind.MMAP_STORE, r.getHonorsSends()));
    });
  }

  @Override
  public void directWrite(WriteRequest r, StreamObserver<MutationReply> out) {
    Calls.unary(out, () -> {
      checkWrite(r);
      if (cache.profile(r.getFileId()) != FsProfile.TMPFS) { // shmem O_DIRECT is buffered: no alignment rule
        Args.require(r.getOffset() % DIRECT_IO_BLOCK == 0, "offset", "must be a multiple of " + DIRECT_IO_BLOCK + " for O_DIRECT (EINVAL)", r.getOffset());
        Args.require(r.getData().size() % DIRECT_IO_BLOCK == 0, "data", "length must be a multiple of " + DIRECT_IO_BLOCK + " for O_DIRECT (EINVAL)", r.getData().size());
      }
      count(r.getContext(), MutationKind.DIRECT_WRITE);
      return reply(cache.directWrite(r.getContext(), r.getFileId(), r.getOffset(), r.getData().toByteArray(), r.getOpId(),
          r.getHonorsSends()));
    });
  }

  @Override
  public void punchHole(RangeRequest r, StreamObserver<MutationReply> out) {
    Calls.unary(out, () -> {
      checkRange(r.getFileId(), r.getOffset(), r.getLength());
      count(r.getContext(), MutationKind.PUNCH_HOLE);
      return reply(cache.punchHole(r.getContext(), r.getFileId(), r.getOffset(), r.getLength(), r.getOpId(), r.getHonorsSends()));
    });
  }

  @Override
  public void truncate(TruncateRequest r, StreamObserver<MutationReply> out) {
    Calls.unary(out, () -> {
      checkFile(r.getFileId());
      Args.range("new_size", r.getNewSize(), 0, cache.maxFileSize());
      count(r.getContext(), MutationKind.TRUNCATE);
      return reply(cache.truncate(r.getContext(), r.getFileId(), r.getNewSize(), r.getOpId(), r.getHonorsSends()));
    });
  }

  @Override
  public void read(RangeRequest r, StreamObserver<ReadReply> out) {
    Calls.unary(out, () -> {
      checkRange(r.getFileId(), r.getOffset(), r.getLength());
      Args.range("length", r.getLength(), 1, MAX_SPLICE);
      PageCache.ReadResult res = cache.read(r.getFileId(), r.getOffset(), r.getLength());
      return ReadReply.newBuilder().setData(ByteString.copyFrom(res.data())).setVersion(res.version()).build();
    });
  }

  @Override
  public void evict(RangeRequest r, StreamObserver<EvictReply> out) {
    Calls.unary(out, () -> {
      checkRange(r.getFileId(), r.getOffset(), r.getLength());
      PageCache.Evicted e = cache.evict(r.getFileId(), r.getOffset(), r.getLength());
      return EvictReply.newBuilder().setFoliosEvicted(e.evicted()).setFoliosPinned(e.pinned()).build();
    });
  }

  @Override
  public void spliceRead(SpliceReadRequest r, StreamObserver<SpliceReadReply> out) {
    Calls.unary(out, () -> spliceRead(r));
  }

  SpliceReadReply spliceRead(SpliceReadRequest r) {
    {
      checkFile(r.getFileId());
      Args.range("offset", r.getOffset(), 0, cache.maxFileSize() - 1);
      Args.range("length", r.getLength(), 1, MAX_SPLICE);
      Args.range("max_buffers", r.getMaxBuffers(), 1, 65536);
      Args.known("mode", r.getMode(), SpliceMode.SPLICE_MODE_UNSPECIFIED, r.getModeValue());
      PageCache.SpliceKind kind = switch (r.getMode()) {
        case COPY -> PageCache.SpliceKind.COPY;
        case PRIVATE_REFERENCE -> PageCache.SpliceKind.PRIVATE_REFERENCE;
        case STABLE_REFERENCE -> PageCache.SpliceKind.STABLE_REFERENCE;
        default -> PageCache.SpliceKind.REFERENCE;
      };
      PageCache.Spliced s = cache.spliceRead(r.getFileId(), r.getOffset(), r.getLength(), kind, r.getMaxBuffers());
      SpliceReadReply.Builder b = SpliceReadReply.newBuilder().setVersion(s.version()).setLength(s.length())
          .setBytesCopied(s.bytesCopied()).setAtNanos(s.atNanos()).setCookie(s.cookie());
      for (PageCache.Piece p : s.pieces()) {
        b.addPieces(SplicePiece.newBuilder().setFileOffset(p.fileOffset()).setLength(p.length()).setRef(p.ref()));
      }
      return b.build();
    }
  }

  @Override
  public void readFolio(ReadFolioRequest r, StreamObserver<ReadFolioReply> out) {
    Calls.unary(out, () -> {
      Args.range("slices", r.getSlicesCount(), 1, 65536);
      if (r.getConfirm()) {
        checkFile(r.getFileId());
        PageCache.Confirmed c = cache.readFolioConfirmed(r.getSlicesList(), r.getFileId(), r.getExpectedCookie());
        if (c.failed()) {
          return ReadFolioReply.newBuilder().setConfirmFailed(true).build();
        }
        return ReadFolioReply.newBuilder().setData(ByteString.copyFrom(c.bytes().data()))
            .setSlicesOutOfMapping(c.bytes().outOfMapping()).build();
      }
      PageCache.FolioBytes b = cache.readFolio(r.getSlicesList());
      return ReadFolioReply.newBuilder().setData(ByteString.copyFrom(b.data())).setSlicesOutOfMapping(b.outOfMapping()).build();
    });
  }

  @Override
  public void arena(ArenaRequest r, StreamObserver<ArenaReply> out) {
    Calls.unary(out, () -> {
      dev.splicelab.common.arena.Arena a = cache.memory().arena();
      return ArenaReply.newBuilder().setPath(a.path().toString()).setToken(a.token()).setFrames(a.frames())
          .setFileBytes(a.fileBytes()).setFramesUsed(cache.memory().used()).build();
    });
  }

  @Override
  public void deleteFile(StatRequest r, StreamObserver<DeleteFileReply> out) {
    Calls.unary(out, () -> {
      checkFile(r.getFileId());
      int[] d = cache.delete(r.getFileId());
      return DeleteFileReply.newBuilder().setFoliosDropped(d[0]).setFoliosStillPinned(d[1]).build();
    });
  }

  @Override
  public void unpin(UnpinRequest r, StreamObserver<UnpinReply> out) {
    Calls.unary(out, () -> unpin(r));
  }

  UnpinReply unpin(UnpinRequest r) {
    return UnpinReply.newBuilder()
        .setFoliosFreed(cache.unpin(r.getFolioIdsList(), r.getPrivateFolioIdsList(), r.getStableFolioIdsList())).build();
  }

  @Override
  public void stableHold(StableHoldRequest r, StreamObserver<StableHoldReply> out) {
    Calls.unary(out, () -> stableHold(r));
  }

  StableHoldReply stableHold(StableHoldRequest r) {
    Args.range("folio_ids", r.getFolioIdsCount(), 1, 65536);
    return StableHoldReply.newBuilder().setHeldFolios(cache.stableHold(r.getFolioIdsList(), r.getBegin())).build();
  }

  @Override
  public void sendRange(SendRangeRequest r, StreamObserver<SendRangeReply> out) {
    Calls.unary(out, () -> sendRange(r));
  }

  SendRangeReply sendRange(SendRangeRequest r) {
    Args.require(!r.getSendId().isBlank(), "send_id", "must be non-empty", "''");
    if (r.getBegin()) {
      checkRange(r.getFileId(), r.getOffset(), r.getLength());
    } else {
      checkFile(r.getFileId());
    }
    return SendRangeReply.newBuilder().setInFlight(cache.sendRange(r.getFileId(), r.getSendId(), r.getOffset(), r.getLength(),
        r.getBegin())).build();
  }

  /**
   * The control calls on one stream, answered in order. A request with no operation is a Failure
   * naming the field; the stream itself never fails for one request.
   */
  @Override
  public StreamObserver<StorageRequest> session(StreamObserver<StorageResponse> out) {
    return new StreamObserver<>() {
      @Override
      public void onNext(StorageRequest q) {
        StorageResponse.Builder b = StorageResponse.newBuilder().setId(q.getId());
        StorageResponse reply = dev.splicelab.common.grpc.StreamCalls.answer(() -> switch (q.getOpCase()) {
          case SPLICE_READ -> b.setSpliced(spliceRead(q.getSpliceRead())).build();
          case UNPIN -> b.setUnpinned(unpin(q.getUnpin())).build();
          case STABLE_HOLD -> b.setHeld(stableHold(q.getStableHold())).build();
          case SEND_RANGE -> b.setSent(sendRange(q.getSendRange())).build();
          default -> throw new IllegalArgumentException("op: must be splice_read, unpin, stable_hold or send_range, got none");
        }, f -> StorageResponse.newBuilder().setId(q.getId()).setFailure(f).build());
        synchronized (out) {
          out.onNext(reply);
        }
      }

      @Override
      public void onError(Throwable t) {
        // the peer went away; what it held it releases by unpinning (or its pipes do)
      }

      @Override
      public void onCompleted() {
        synchronized (out) {
          out.onCompleted();
        }
      }
    };
  }

  @Override
  public void costs(StatRequest r, StreamObserver<CostsReply> out) {
    Calls.unary(out, () -> {
      checkFile(r.getFileId());
      PageCache.Costs c = cache.costs(r.getFileId());
      return CostsReply.newBuilder().setBytesCopied(c.bytesCopied()).setFoliosCopied(c.foliosCopied())
          .setWriteProtectFaults(c.writeProtectFaults()).setCookieBumps(c.cookieBumps()).setSilentStores(c.silentStores())
          .setStalls(c.stalls()).setStallP50Us(c.stallP50()).setStallP90Us(c.stallP90()).setStallP99Us(c.stallP99())
          .setStallP999Us(c.stallP999()).setStallMaxUs(c.stallMax()).setStableTimeoutsFailed(c.stableTimeoutsFailed())
          .setStableTimeoutsLetThrough(c.stableTimeoutsLetThrough()).setPinnedBytes(c.pinnedBytes()).build();
    });
  }

  @Override
  public void stat(StatRequest r, StreamObserver<StatReply> out) {
    Calls.unary(out, () -> {
      checkFile(r.getFileId());
      PageCache.FileStat s = cache.stat(r.getFileId());
      List<FolioInfo> folios = new ArrayList<>();
      for (PageCache.FolioView v : s.folios()) {
        folios.add(FolioInfo.newBuilder().setFolioId(v.id()).setFileOffset(v.fileOffset()).setSize(v.size())
            .setPins(v.pins()).setDirty(v.dirty()).setGeneration(v.generation()).build());
      }
      return StatReply.newBuilder().setSize(s.size()).setVersion(s.version()).setProfile(s.profile())
          .addAllFolios(folios).setOrphanFolios(s.orphans()).setPinnedBytes(s.pinnedBytes())
          .setCookieSlot(cache.cookieSlot(r.getFileId())).build();
    });
  }

  private void checkFile(int fileId) {
    Args.range("file_id", fileId, 1, 65535);
    Args.require(cache.exists(fileId), "file_id", "must name a created file", fileId);
  }

  private void checkRange(int fileId, long offset, long length) {
    checkFile(fileId);
    Args.range("offset", offset, 0, cache.maxFileSize() - 1);
    Args.range("length", length, 1, cache.maxFileSize() - offset);
  }

  private void checkWrite(WriteRequest r) {
    checkFile(r.getFileId());
    Args.range("offset", r.getOffset(), 0, cache.maxFileSize() - 1);
    Args.range("data", r.getData().size(), 1, Math.min(MAX_WRITE, cache.maxFileSize() - r.getOffset()));
  }

  private void count(RunContext ctx, MutationKind kind) {
    meters.counter("splicelab.storage.mutations", "kind", kind.name(), "scenario", ctx.getScenario()).increment();
  }

  private static MutationReply reply(PageCache.Applied a) {
    return MutationReply.newBuilder().setVersion(a.version()).setSize(a.size()).setFoliosRemoved(a.foliosRemoved())
        .setBytesZeroedInPlace(a.bytesZeroedInPlace()).setStallUs(a.stallMicros()).setFoliosCopied(a.foliosCopied()).build();
  }
}
