package dev.splicelab.kernel;

import dev.splicelab.common.time.Sleeper;
import dev.splicelab.kernel.sys.FolioProbe;
import dev.splicelab.proto.FolioRef;
import dev.splicelab.proto.FsProfile;
import dev.splicelab.proto.MutationKind;
import dev.splicelab.proto.RunContext;
import dev.splicelab.proto.Strategy;
import dev.splicelab.storage.domain.PageCache;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.stream.Stream;

/**
 * A fidelity case on the storage model: the storage-node's {@link PageCache} used in-process with
 * the profile of the directory's filesystem (TMPFS or EXT4), and the read-ahead of the service's
 * default configuration (128 KiB). Pipes and the socket's queues are lists of the folio references
 * {@link PageCache#spliceRead} hands out (what the pipe-broker and network-sender hold), read with
 * {@link PageCache#readFolio} as the pipe reader or the NIC would.
 *
 * <p>Where the model has no operation of its own the mapping is stated: ZERO_RANGE uses
 * {@code punchHole} (the same page-cache effect, truncate_pagecache_range, in ext4); user memory
 * given to vmsplice is a TMPFS file of the model (anonymous memory is order-0 pages here, and
 * vmsplice takes page references like splice), stores into it are mmap stores and MADV_DONTNEED
 * is a punch of whole pages (the page leaves the mapping, holders keep it). A tee'd pipe holds the
 * same references as the pipe it copies.
 */
final class ModelBackend implements Backend {

  static final int READAHEAD = 128 << 10;
  private static final int FILE = 7;
  private static final int DEFAULT_SLOTS = 16;
  private static final int SENDFILE_SLOTS = 16;

  /** One pipe buffer or queued socket fragment: a folio slice, or anonymous bytes. */
  private record Buf(FolioRef ref, byte[] anon) {
    int length() {
      return ref != null ? ref.getLength() : anon.length;
    }
  }

  private static final class ModelPipe {
    final Deque<Buf> bufs = new ArrayDeque<>();
    int slots = DEFAULT_SLOTS;

    int free() {
      return slots - bufs.size();
    }

    long bytes() {
      return bufs.stream().mapToLong(Buf::length).sum();
    }
  }

  private final FsProfile profile;
  private final Path tmp;
  private final PageCache cache;
  private final RunContext ctx = RunContext.newBuilder().setRunId("fidelity").setScenario("fidelity")
      .setStrategy(Strategy.SHARE).build();
  private final List<String> trace = new ArrayList<>();
  private final List<Long> pins = new ArrayList<>();
  private final ModelPipe pipe = new ModelPipe();
  private ModelPipe teePipe;
  private final Deque<Buf> socket = new ArrayDeque<>();
  private long ops = 1_000_000;

  ModelBackend(FsProfile profile) {
    this.profile = profile;
    try {
      this.tmp = Files.createTempDirectory("splicelab-model-");
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    this.cache = new PageCache(new PageCache.Config(tmp, 64L << 20, 0, READAHEAD), Clock.systemUTC(), Sleeper.NONE,
        r -> { });
  }

  @Override
  public String name() {
    return "model";
  }

  @Override
  public List<String> trace() {
    return trace;
  }

  private void log(String s) {
    trace.add(s);
  }

  @Override
  public void createFile() {
    cache.create(ctx, FILE, 0, profile);
    log("create file (" + profile + " profile)");
  }

  @Override
  public void pwrite(long offset, byte[] data) {
    cache.write(ctx, FILE, offset, data, ++ops, MutationKind.WRITE);
    log("write(" + data.length + " B at " + offset + ")");
  }

  @Override
  public void mmapStore(long offset, byte[] data) {
    cache.write(ctx, FILE, offset, data, ++ops, MutationKind.MMAP_STORE);
    log("mmap store(" + data.length + " B at " + offset + ")");
  }

  @Override
  public void directWrite(long offset, byte[] data) {
    PageCache.Applied a = cache.directWrite(ctx, FILE, offset, data, ++ops);
    log("directWrite(" + data.length + " B at " + offset + "): " + a.foliosRemoved() + " folio(s) left the mapping");
  }

  @Override
  public void punchHole(long offset, long length) {
    PageCache.Applied a = cache.punchHole(ctx, FILE, offset, length, ++ops);
    log("punchHole(" + offset + ", " + length + "): " + a.foliosRemoved() + " folio(s) removed, "
        + a.bytesZeroedInPlace() + " B zeroed in place");
  }

  @Override
  public void zeroRange(long offset, long length) {
    PageCache.Applied a = cache.punchHole(ctx, FILE, offset, length, ++ops);
    log("zero range as punchHole(" + offset + ", " + length + "): " + a.foliosRemoved() + " folio(s) removed, "
        + a.bytesZeroedInPlace() + " B zeroed in place");
  }

  @Override
  public void truncate(long size) {
    PageCache.Applied a = cache.truncate(ctx, FILE, size, ++ops);
    log("truncate(" + size + "): " + a.foliosRemoved() + " folio(s) removed, " + a.bytesZeroedInPlace()
        + " B zeroed in place");
  }

  @Override
  public void evict(long size) {
    cache.writeBackAll();
    PageCache.Evicted e = cache.evict(FILE, 0, size);
    log("writeBackAll, evict: " + e.evicted() + " folio(s) evicted, " + e.pinned() + " pinned");
  }

  /** round_pipe_size: whole pages, rounded up to a power of two. */
  static int pipeSlots(int bytes) {
    int pages = Math.max(1, (bytes + 4095) / 4096);
    return Integer.highestOneBit(pages) == pages ? pages : Integer.highestOneBit(pages) << 1;
  }

  @Override
  public int pipeSize(int bytes) {
    pipe.slots = pipeSlots(bytes);
    log("pipe capacity " + pipe.slots + " buffers");
    return pipe.slots * 4096;
  }

  private List<Buf> splice(int fileId, long offset, long length, int maxBuffers) {
    PageCache.Spliced s = cache.spliceRead(fileId, offset, length, PageCache.SpliceKind.REFERENCE, maxBuffers);
    List<Buf> out = new ArrayList<>();
    for (PageCache.Piece p : s.pieces()) {
      pins.add(p.ref().getFolioId());
      out.add(new Buf(p.ref(), null));
    }
    return out;
  }

  @Override
  public long spliceIn(long offset, long length) {
    List<Buf> got = splice(FILE, offset, length, pipe.free());
    pipe.bufs.addAll(got);
    long n = got.stream().mapToLong(Buf::length).sum();
    log("spliceRead(" + offset + ", " + length + ", max " + (pipe.slots - pipe.bufs.size() + got.size()) + " buffers): "
        + got.size() + " buffer(s), " + n + " B");
    return n;
  }

  @Override
  public long tee() {
    teePipe = new ModelPipe();
    teePipe.slots = pipe.slots;
    teePipe.bufs.addAll(pipe.bufs);
    log("tee: pipe2 holds the same " + pipe.bufs.size() + " folio reference(s)");
    return pipe.bytes();
  }

  @Override
  public long drainToSocket() {
    long n = pipe.bytes();
    socket.addAll(pipe.bufs);
    pipe.bufs.clear();
    log("drain pipe -> socket queue: " + n + " B of references");
    return n;
  }

  @Override
  public long sendfile(long offset, long length) {
    long done = 0;
    while (done < length) {
      List<Buf> got = splice(FILE, offset + done, length - done, SENDFILE_SLOTS);
      long n = got.stream().mapToLong(Buf::length).sum();
      if (n == 0) {
        break;
      }
      socket.addAll(got);
      done += n;
    }
    log("sendfile as spliceRead (16-buffer internal pipe) -> socket queue: " + done + " B");
    return done;
  }

  @Override
  public void userFill(byte[] data) {
    cache.create(ctx, FILE, data.length, FsProfile.TMPFS);
    cache.write(ctx, FILE, 0, data, ++ops, MutationKind.MMAP_STORE);
    log("user memory as a TMPFS model file of " + data.length + " B, filled by stores");
  }

  @Override
  public void userStore(long offset, byte[] data) {
    cache.write(ctx, FILE, offset, data, ++ops, MutationKind.MMAP_STORE);
    log("store into user memory as mmap store (" + data.length + " B at " + offset + ")");
  }

  @Override
  public void userDontneed(long offset, long length) {
    PageCache.Applied a = cache.punchHole(ctx, FILE, offset, length, ++ops);
    log("MADV_DONTNEED as punchHole of whole pages: " + a.foliosRemoved() + " page(s) left the mapping");
  }

  @Override
  public long vmsplice(long offset, long length, boolean gift) {
    List<Buf> got = splice(FILE, offset, length, pipe.free());
    pipe.bufs.addAll(got);
    long n = got.stream().mapToLong(Buf::length).sum();
    log("vmsplice as spliceRead of the user pages" + (gift ? " (SPLICE_F_GIFT: no effect on reading)" : "") + ": " + n
        + " B");
    return n;
  }

  @Override
  public void primePipe() {
    log("prime pipe: no effect in the model (no stale merge flag survives a drained slot)");
  }

  @Override
  public void pipeWrite(byte[] data) {
    pipe.bufs.add(new Buf(null, data.clone()));
    log("pipe write: a new anonymous buffer of " + data.length + " B (a spliced buffer is never merged into)");
  }

  @Override
  public byte[] receive(Endpoint from, int n) {
    Deque<Buf> q = switch (from) {
      case PIPE -> pipe.bufs;
      case TEE -> teePipe.bufs;
      case SOCKET -> socket;
    };
    byte[] out = new byte[n];
    int got = 0;
    while (got < n && !q.isEmpty()) {
      Buf b = q.peekFirst();
      int take = Math.min(n - got, b.length());
      byte[] bytes;
      if (b.ref() != null) {
        FolioRef part = b.ref().toBuilder().setLength(take).build();
        bytes = cache.readFolio(List.of(part)).data();
      } else {
        bytes = java.util.Arrays.copyOf(b.anon(), take);
      }
      System.arraycopy(bytes, 0, out, got, take);
      got += take;
      q.pollFirst();
      if (take < b.length()) {
        if (b.ref() != null) {
          FolioRef r = b.ref();
          q.addFirst(new Buf(r.toBuilder().setOffsetInFolio(r.getOffsetInFolio() + take).setLength(r.getLength() - take)
              .setFileOffset(r.getFileOffset() + take).build(), null));
        } else {
          q.addFirst(new Buf(null, java.util.Arrays.copyOfRange(b.anon(), take, b.anon().length)));
        }
      }
    }
    log("read(" + from.name().toLowerCase() + ", " + n + ") = " + got + " B (readFolio of the references)");
    return java.util.Arrays.copyOf(out, got);
  }

  @Override
  public byte[] readFile(long offset, int length) {
    byte[] b = cache.read(FILE, offset, length).data();
    log("read(file, " + offset + ", " + length + ") = " + b.length + " B");
    return b;
  }

  @Override
  public String folios(long offset, long length, long fileSize) {
    List<FolioProbe.Folio> out = new ArrayList<>();
    for (PageCache.FolioView f : cache.stat(FILE).folios()) {
      if (f.fileOffset() < offset + length && f.fileOffset() + f.size() > offset) {
        out.add(new FolioProbe.Folio(f.fileOffset(), f.size()));
      }
    }
    return FolioProbe.describe(out);
  }

  @Override
  public void close() {
    try {
      if (!pins.isEmpty()) {
        cache.unpin(pins);
      }
    } catch (RuntimeException e) {
      // the cache goes away anyway
    }
    cache.close();
    try (Stream<Path> s = Files.walk(tmp)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // scratch
    }
  }
}
