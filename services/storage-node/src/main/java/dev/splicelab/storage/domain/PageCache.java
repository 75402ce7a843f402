package dev.splicelab.storage.domain;

import dev.splicelab.common.time.Clocks;
import dev.splicelab.proto.FolioRef;
import dev.splicelab.proto.FsProfile;
import dev.splicelab.proto.MutationKind;
import dev.splicelab.proto.MutationRecord;
import dev.splicelab.proto.RunContext;
import dev.splicelab.common.time.Sleeper;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * The page cache of a set of files over their block devices: the mechanism behind DESIGN
 * section 2. Nothing here knows which outcome a test expects; outcomes follow from folios,
 * mappings, pins, in-place zeroing versus removal.
 *
 * <ul>
 *   <li>Each file has a mapping (file offset -> folio) and a version bumped atomically with every
 *       mutation, under the file's lock; the mutation listener runs under that lock, so records
 *       leave in version order.
 *   <li>A pinned folio stays alive after leaving the mapping (punch, truncate, O_DIRECT
 *       invalidation): its holders keep its bytes, which nobody changes any more.
 *   <li>Bytes of a folio still in the mapping are changed in place by write, mmap store and
 *       partial punch/truncate; holders of pins see the change.
 *   <li>{@link #readFolio} reads folio bytes without the file lock, like a DMA engine.
 * </ul>
 */
public final class PageCache implements AutoCloseable {

  /**
   * Node configuration. readaheadBytes is the read-ahead window (it bounds the folio order a miss
   * grows to); arenaPath is the file of page frames that holds every folio's bytes (shared memory:
   * best on a tmpfs such as /dev/shm), with room for arenaBytes of frames.
   */
  public record Config(Path dataDir, long maxFileSize, long deviceLatencyMicros, int readaheadBytes, Path arenaPath,
      long arenaBytes) {
    /** An arena of 256 MiB in the data directory (tests). */
    public Config(Path dataDir, long maxFileSize, long deviceLatencyMicros, int readaheadBytes) {
      this(dataDir, maxFileSize, deviceLatencyMicros, readaheadBytes, dataDir.resolve("arena.mem"), 256L << 20);
    }
  }

  /** Result of one mutation. */
  public record Applied(long version, long size, int foliosRemoved, long bytesZeroedInPlace, long stallMicros,
      int foliosCopied) {
    Applied(long version, long size, int foliosRemoved, long bytesZeroedInPlace) {
      this(version, size, foliosRemoved, bytesZeroedInPlace, 0, 0);
    }
  }

  /** How a splice takes the data (see SpliceMode). */
  public enum SpliceKind { REFERENCE, COPY, PRIVATE_REFERENCE, STABLE_REFERENCE }

  /** The STABLE_PAGES wait bound of a file and what happens when it expires. */
  public FsProfile profile(int fileId) {
    return file(fileId).profile;
  }

  public record StablePolicy(long waitMicros, boolean failWriter) {
    public static final StablePolicy DEFAULT = new StablePolicy(200_000, true);
  }

  /** Costs accumulated for one file since it was created. */
  public record Costs(long bytesCopied, long foliosCopied, long writeProtectFaults, long cookieBumps, long silentStores,
      long stalls, long stallP50, long stallP90, long stallP99, long stallP999, long stallMax, long stableTimeoutsFailed,
      long stableTimeoutsLetThrough, long pinnedBytes) {}

  /** One piece of a splice: a pinned page-sized slice of a folio, or of the anonymous page holding its copy. */
  public record Piece(long fileOffset, int length, FolioRef ref) {}

  public record Spliced(long version, long length, List<Piece> pieces, long bytesCopied, long atNanos, long cookie) {}

  public record FolioView(long id, long fileOffset, int size, int pins, boolean dirty, long generation) {}

  public record FileStat(long size, long version, FsProfile profile, List<FolioView> folios, int orphans, long pinnedBytes) {}

  private static final int MAX_ORDER = 9; // 2 MiB
  /** How long a writer honouring the completion contract waits for a send before giving up. */
  private static final long SEND_WAIT_MICROS = 30_000_000;

  private final Config config;
  private final PhysicalMemory memory;
  private final Clock clock;
  private final Sleeper sleeper;
  private final Consumer<MutationRecord> mutationListener;
  private final Map<Integer, CachedFile> files = new ConcurrentHashMap<>();
  private final Map<Long, Folio> live = new ConcurrentHashMap<>();
  private final AtomicLong folioIds = new AtomicLong();
  private final AtomicLong pinnedPages = new AtomicLong();
  private final AtomicLong bytesCopied = new AtomicLong();
  /** Told every writer stall (microseconds) as it is recorded into the file's stall histogram. */
  private volatile LongConsumer stallListener = micros -> { };

  private static final class CachedFile {
    final int id;
    final FsProfile profile;
    final BlockDevice device;
    final ReentrantLock lock = new ReentrantLock();
    final java.util.concurrent.locks.Condition released = lock.newCondition();
    final TreeMap<Long, Folio> mapping = new TreeMap<>();
    long size;
    long version;
    /** The model's i_version: bumped as Linux does (not by silent stores to writable mappings). */
    long cookie;
    StablePolicy stablePolicy = StablePolicy.DEFAULT;
    /** Slot of the arena's cookie table mirroring {@link #cookie} for peers. */
    int cookieSlot = -1;
    /** Multiplies the writeback period (the scenario's time_scale). */
    double timeScale = 1;
    /** When the flusher last wrote the file back, epoch nanos (injected clock). */
    long lastWriteback;
    /** Sends in flight (COMPLETION_AFTER_SNAPSHOT): id -> {offset, end}. */
    final Map<String, long[]> sends = new HashMap<>();
    long bytesCopied;
    long foliosCopied;
    long wpFaults;
    long cookieBumps;
    long silentStores;
    long stableFailed;
    long stableLetThrough;
    long pinnedPages;
    /** Read-ahead state: where a sequential reader's next miss is expected, and the order reached. */
    long raNext = -1;
    int raOrder;
    final org.HdrHistogram.Histogram stalls = new org.HdrHistogram.Histogram(3);

    CachedFile(int id, FsProfile profile, BlockDevice device) {
      this.id = id;
      this.profile = profile;
      this.device = device;
    }
  }

  public PageCache(Config config, Clock clock, Sleeper sleeper, Consumer<MutationRecord> mutationListener) {
    this.config = config;
    this.memory = PhysicalMemory.create(config.arenaPath(), config.arenaBytes());
    this.clock = clock;
    this.sleeper = sleeper;
    this.mutationListener = mutationListener;
  }

  /**
   * Sets who is told of every writer stall (a writer that waited on stable pages or a send in
   * flight), in microseconds, the same value the file's stall histogram records. Called under
   * the file's lock: it must be quick.
   */
  public void onStall(LongConsumer micros) {
    this.stallListener = micros == null ? m -> { } : micros;
  }

  public long maxFileSize() {
    return config.maxFileSize();
  }

  public boolean exists(int fileId) {
    return files.containsKey(fileId);
  }

  // ---------------------------------------------------------------- mutations

  /** Creates the file (or replaces it: the old mapping is dropped, pinned folios stay alive). */
  public Applied create(RunContext ctx, int fileId, long size, FsProfile profile) {
    return create(ctx, fileId, size, profile, StablePolicy.DEFAULT);
  }

  public Applied create(RunContext ctx, int fileId, long size, FsProfile profile, StablePolicy stablePolicy) {
    return create(ctx, fileId, size, profile, stablePolicy, 1);
  }

  /**
   * Creates the file; {@code timeScale} multiplies the node's time constants for it (the device's
   * latency and the writeback period), as the scenario's time_scale does every other one.
   */
  public Applied create(RunContext ctx, int fileId, long size, FsProfile profile, StablePolicy stablePolicy,
      double timeScale) {
    CachedFile old = files.remove(fileId);
    if (old != null) {
      drop(old);
    }
    BlockDevice device = new BlockDevice(config.dataDir().resolve("file-" + fileId + ".img"),
        Math.round(config.deviceLatencyMicros() * timeScale), sleeper);
    CachedFile f = new CachedFile(fileId, profile, device);
    f.lock.lock();
    try {
      files.put(fileId, f);
      f.size = size;
      f.version = 1;
      f.cookieSlot = memory.allocateCookieSlot();
      f.cookie = 1;
      memory.arena().publishCookie(f.cookieSlot, f.cookie);
      f.stablePolicy = stablePolicy;
      f.timeScale = timeScale;
      f.lastWriteback = Clocks.epochNanos(clock);
      Applied a = new Applied(1, size, 0, 0);
      publish(ctx, f, MutationKind.CREATE, 0, size, 0, a, true, false, false);
      return a;
    } finally {
      f.lock.unlock();
    }
  }

  /** write(2) (kind WRITE) or a store through a shared mapping (kind MMAP_STORE). */
  public Applied write(RunContext ctx, int fileId, long offset, byte[] data, long opId, MutationKind kind) {
    return write(ctx, fileId, offset, data, opId, kind, false);
  }

  /**
   * write(2) (kind WRITE) or a store through a shared mapping (kind MMAP_STORE). A store to a
   * folio splice write-protected faults (counted); a change to a privately pinned folio goes into
   * a copy that replaces it in the mapping (COW_PRIVATE_REF). write(2) always bumps the cookie; a
   * store bumps it only when it faults (the folio was not already mapped writable and dirty).
   */
  public Applied write(RunContext ctx, int fileId, long offset, byte[] data, long opId, MutationKind kind, boolean honorsSends) {
    CachedFile f = file(fileId);
    long end = offset + data.length;
    f.lock.lock();
    try {
      if (kind == MutationKind.MMAP_STORE && end > f.size) {
        throw Status.OUT_OF_RANGE.withDescription("offset + length: a store through a mapping must end at or before EOF ("
            + f.size + "), got " + end + " (the kernel raises SIGBUS)").asRuntimeException();
      }
      Wait w = awaitWritable(f, offset, end, honorsSends);
      boolean mmap = kind == MutationKind.MMAP_STORE;
      boolean faulted = false;
      int copied = 0;
      List<Folio> touched = new ArrayList<>();
      for (long pos = offset; pos < end; ) {
        Folio folio = folioAt(f, pos);
        if (folio == null) {
          // a write sizes its folio from its length; a store through a mapping faults it in (read-ahead)
          folio = mmap ? readMiss(f, pos, end) : allocate(f, pos, end - pageStart(pos), Math.max(f.size, end));
        }
        if (mmap && (folio.writeProtected || !folio.mappedWritable)) {
          faulted = true;
          if (folio.writeProtected) {
            f.wpFaults++;
          }
        }
        if (folio.privatePins > 0) {
          folio = copyOnWrite(f, folio);
          copied++;
        }
        touched.add(folio);
        pos = folio.end();
      }
      boolean bump = !mmap || faulted;
      if (bump) {
        bumpCookie(f); // before any byte changes: a peer confirming against the cookie reads no byte of this write
      } else {
        f.silentStores++;
      }
      for (Folio folio : touched) {
        folio.writeProtected = false;
        if (mmap) {
          folio.mappedWritable = true;
        }
        long from = Math.max(offset, folio.fileOffset);
        int n = (int) (Math.min(end, folio.end()) - from);
        folio.write((int) (from - folio.fileOffset), data, (int) (from - offset), n);
        folio.dirty = true;
        folio.generation++;
      }
      f.size = Math.max(f.size, end);
      Applied a = new Applied(++f.version, f.size, 0, 0, w.micros, copied);
      publish(ctx, f, kind, offset, data.length, opId, a, bump, honorsSends, w.timedOut);
      return a;
    } finally {
      f.lock.unlock();
    }
  }

  /** fallocate(PUNCH_HOLE | KEEP_SIZE): whole folios leave the mapping, partial ones are zeroed in place. */
  public Applied punchHole(RunContext ctx, int fileId, long offset, long length, long opId) {
    return punchHole(ctx, fileId, offset, length, opId, false);
  }

  public Applied punchHole(RunContext ctx, int fileId, long offset, long length, long opId, boolean honorsSends) {
    CachedFile f = file(fileId);
    long end = offset + length;
    f.lock.lock();
    try {
      Wait w = awaitWritable(f, offset, end, honorsSends);
      int removed = 0;
      int copied = 0;
      long zeroed = 0;
      bumpCookie(f);
      for (Folio folio : overlapping(f, offset, end)) {
        if (folio.fileOffset >= offset && folio.end() <= end) {
          removeFromMapping(f, folio);
          removed++;
        } else {
          if (folio.privatePins > 0) {
            folio = copyOnWrite(f, folio);
            copied++;
          }
          zeroed += zeroInPlace(folio, Math.max(offset, folio.fileOffset), Math.min(end, folio.end()));
        }
      }
      if (offset < f.size) {
        f.device.zero(offset, Math.min(end, f.size) - offset);
      }
      Applied a = new Applied(++f.version, f.size, removed, zeroed, w.micros, copied);
      publish(ctx, f, MutationKind.PUNCH_HOLE, offset, length, opId, a, true, honorsSends, w.timedOut);
      return a;
    } finally {
      f.lock.unlock();
    }
  }

  /** ftruncate(2): shrinking drops folios past EOF and zeroes the straddling folio's tail in place. */
  public Applied truncate(RunContext ctx, int fileId, long newSize, long opId) {
    return truncate(ctx, fileId, newSize, opId, false);
  }

  public Applied truncate(RunContext ctx, int fileId, long newSize, long opId, boolean honorsSends) {
    CachedFile f = file(fileId);
    f.lock.lock();
    try {
      Wait w = newSize < f.size ? awaitWritable(f, newSize, Long.MAX_VALUE, honorsSends) : Wait.NONE;
      int removed = 0;
      int copied = 0;
      long zeroed = 0;
      bumpCookie(f);
      if (newSize < f.size) {
        for (Folio folio : overlapping(f, newSize, Long.MAX_VALUE)) {
          if (folio.fileOffset >= newSize) {
            removeFromMapping(f, folio);
            removed++;
          } else {
            if (folio.privatePins > 0) {
              folio = copyOnWrite(f, folio);
              copied++;
            }
            zeroed += zeroInPlace(folio, newSize, folio.end());
          }
        }
        f.device.truncate(newSize);
      }
      f.size = newSize;
      Applied a = new Applied(++f.version, f.size, removed, zeroed, w.micros, copied);
      publish(ctx, f, MutationKind.TRUNCATE, newSize, 0, opId, a, true, honorsSends, w.timedOut);
      return a;
    } finally {
      f.lock.unlock();
    }
  }

  /**
   * O_DIRECT write: dirty folios of the range are written back, the device is written, then the
   * range's folios are removed from the mapping (invalidate_inode_pages2_range does not care about
   * extra references): holders keep the old folios. offset and length must be block-aligned.
   */
  public Applied directWrite(RunContext ctx, int fileId, long offset, byte[] data, long opId) {
    return directWrite(ctx, fileId, offset, data, opId, false);
  }

  public Applied directWrite(RunContext ctx, int fileId, long offset, byte[] data, long opId, boolean honorsSends) {
    CachedFile f = file(fileId);
    if (f.profile == FsProfile.TMPFS) {
      // shmem has no backing store to bypass the cache for: O_DIRECT is a buffered write in place
      return write(ctx, fileId, offset, data, opId, MutationKind.DIRECT_WRITE, honorsSends);
    }
    long end = offset + data.length;
    f.lock.lock();
    try {
      Wait w = awaitWritable(f, offset, end, honorsSends);
      bumpCookie(f);
      List<Folio> hit = overlapping(f, offset, end);
      for (Folio folio : hit) {
        writeBack(f, folio);
      }
      f.device.write(offset, data, 0, data.length);
      for (Folio folio : hit) {
        removeFromMapping(f, folio);
      }
      f.size = Math.max(f.size, end);
      Applied a = new Applied(++f.version, f.size, hit.size(), 0, w.micros, 0);
      publish(ctx, f, MutationKind.DIRECT_WRITE, offset, data.length, opId, a, true, honorsSends, w.timedOut);
      return a;
    } finally {
      f.lock.unlock();
    }
  }

  // ---------------------------------------------------------------- reads and splices

  public record ReadResult(byte[] data, long version) {}

  /** read(2): bytes up to EOF, faulting folios in from the device with read-ahead. */
  public ReadResult read(int fileId, long offset, long length) {
    CachedFile f = file(fileId);
    f.lock.lock();
    try {
      long end = Math.min(offset + length, f.size);
      byte[] out = new byte[(int) Math.max(0, end - offset)];
      long pos = offset;
      while (pos < end) {
        Folio folio = folioAtOrPageIn(f, pos, end);
        int n = (int) (Math.min(end, folio.end()) - pos);
        folio.read((int) (pos - folio.fileOffset), out, (int) (pos - offset), n);
        pos += n;
      }
      return new ReadResult(out, f.version);
    } finally {
      f.lock.unlock();
    }
  }

  /** filemap_splice_read: one piece per page touched, each pinning its folio, or copying it. */
  public Spliced spliceRead(int fileId, long offset, long length, boolean copy, int maxBuffers) {
    return spliceRead(fileId, offset, length, copy ? SpliceKind.COPY : SpliceKind.REFERENCE, maxBuffers);
  }

  /**
   * filemap_splice_read: one piece per page touched, all taken under the file lock at one version.
   * REFERENCE pins the folio; PRIVATE_REFERENCE also takes a private pin and write-protects it;
   * STABLE_REFERENCE also takes a stable hold; COPY copies the bytes.
   */
  public Spliced spliceRead(int fileId, long offset, long length, SpliceKind kind, int maxBuffers) {
    boolean copy = kind == SpliceKind.COPY;
    CachedFile f = file(fileId);
    f.lock.lock();
    try {
      List<Piece> pieces = new ArrayList<>();
      long end = Math.min(offset + length, f.size);
      long pos = offset;
      long copied = 0;
      while (pos < end && pieces.size() < maxBuffers) {
        Folio folio = folioAtOrPageIn(f, pos, end);
        long pieceEnd = Math.min(Math.min(end, folio.end()), pageStart(pos) + Folio.PAGE);
        int n = (int) (pieceEnd - pos);
        int inFolio = (int) (pos - folio.fileOffset);
        if (copy) {
          // a fresh page outside every mapping holds the copy, at the same offset in its page
          Folio page = new Folio(folioIds.incrementAndGet(), f.id, pageStart(pos), memory.allocate(1), memory.arena(), true);
          byte[] bytes = new byte[n];
          folio.read(inFolio, bytes, 0, n);
          int inPage = inFolio % Folio.PAGE;
          page.write(inPage, bytes, 0, n);
          page.pins = 1;
          live.put(page.id, page);
          pieces.add(new Piece(pos, n, FolioRef.newBuilder().setFolioId(page.id).setOffsetInFolio(inPage).setLength(n)
              .setFileOffset(pos).setFolioSize(Folio.PAGE).setCookie(f.cookie).setPfn(page.frames[0]).setAnonymous(true)
              .build()));
          copied += n;
        } else {
          folio.pins++;
          f.pinnedPages++;
          pinnedPages.incrementAndGet();
          boolean priv = kind == SpliceKind.PRIVATE_REFERENCE;
          boolean stable = kind == SpliceKind.STABLE_REFERENCE;
          if (priv) {
            folio.privatePins++;
            folio.writeProtected = true;
            folio.mappedWritable = false;
          }
          if (stable) {
            folio.stableHolds++;
          }
          pieces.add(new Piece(pos, n, FolioRef.newBuilder().setFolioId(folio.id).setOffsetInFolio(inFolio)
              .setLength(n).setFileOffset(pos).setFolioSize(folio.size()).setGeneration(folio.generation)
              .setPrivatePin(priv).setStableHold(stable).setCookie(f.cookie).setPfn(folio.frameAt(inFolio)).build()));
        }
        pos = pieceEnd;
      }
      bytesCopied.addAndGet(copied);
      f.bytesCopied += copied;
      return new Spliced(f.version, pos - offset, pieces, copied, Clocks.epochNanos(clock), f.cookie);
    } finally {
      f.lock.unlock();
    }
  }

  /** Result of reading folio slices: their bytes, and how many were out of the mapping. */
  public record FolioBytes(byte[] data, int outOfMapping) {}

  /**
   * Current bytes of slices of live folios, read WITHOUT the file lock (a DMA engine does not take
   * the inode lock): a concurrent in-place change may be seen half-applied.
   */
  public FolioBytes readFolio(List<FolioRef> slices) {
    return readSlices(slices);
  }

  /** Result of a confirmed read: null bytes when the confirm failed. */
  public record Confirmed(FolioBytes bytes, boolean failed) {}

  /**
   * OPTIMISTIC_CONFIRM: under the file lock, reads the slices only if the file's cookie still
   * equals {@code expectedCookie}; the check and the copy are atomic with respect to mutations.
   */
  public Confirmed readFolioConfirmed(List<FolioRef> slices, int fileId, long expectedCookie) {
    CachedFile f = file(fileId);
    f.lock.lock();
    try {
      if (f.cookie != expectedCookie) {
        return new Confirmed(null, true);
      }
      return new Confirmed(readSlices(slices), false);
    } finally {
      f.lock.unlock();
    }
  }

  private FolioBytes readSlices(List<FolioRef> slices) {
    int total = 0;
    for (FolioRef s : slices) {
      total += s.getLength();
    }
    byte[] out = new byte[total];
    int pos = 0;
    int outOfMapping = 0;
    for (FolioRef s : slices) {
      Folio folio = live.get(s.getFolioId());
      if (folio == null) {
        throw new IllegalStateException("folio_id " + s.getFolioId() + " is not alive (never pinned, or its last pin was dropped)");
      }
      if (s.getOffsetInFolio() < 0 || s.getLength() < 1 || (long) s.getOffsetInFolio() + s.getLength() > folio.size()) {
        throw new IllegalArgumentException("slices: offset_in_folio + length must lie within the folio's "
            + folio.size() + " bytes, got offset " + s.getOffsetInFolio() + " length " + s.getLength());
      }
      folio.read(s.getOffsetInFolio(), out, pos, s.getLength());
      pos += s.getLength();
      if (!folio.inMapping && !folio.anonymous) {
        outOfMapping++;
      }
    }
    return new FolioBytes(out, outOfMapping);
  }

  /** Drops one pin per id. Returns the number of folios freed. */
  public int unpin(List<Long> folioIds) {
    return unpin(folioIds, List.of(), List.of());
  }

  /**
   * Drops one shared pin per id in {@code shared}, one private pin per id in {@code privateIds}
   * and one pin plus its splice-time stable hold per id in {@code stableIds}. Returns folios freed.
   */
  public int unpin(List<Long> shared, List<Long> privateIds, List<Long> stableIds) {
    int freed = 0;
    List<long[]> all = new ArrayList<>();
    shared.forEach(id -> all.add(new long[] {id, 0}));
    privateIds.forEach(id -> all.add(new long[] {id, 1}));
    stableIds.forEach(id -> all.add(new long[] {id, 2}));
    for (long[] entry : all) {
      long id = entry[0];
      Folio folio = live.get(id);
      if (folio == null) {
        throw new IllegalStateException("folio_id " + id + " is not alive (already released?)");
      }
      CachedFile f = folio.anonymous ? null : files.get(folio.fileId);
      ReentrantLock lock = f != null ? f.lock : null;
      if (lock != null) {
        lock.lock();
      }
      try {
        synchronized (folio) {
          if (folio.pins <= 0) {
            throw new IllegalStateException("folio_id " + id + " has no pin to drop");
          }
          folio.pins--;
          if (!folio.anonymous) {
            pinnedPages.decrementAndGet();
            if (f != null) {
              f.pinnedPages--;
            }
          }
          if (entry[1] == 1 && folio.privatePins > 0) {
            folio.privatePins--;
          }
          if (entry[1] == 2 && folio.stableHolds > 0) {
            folio.stableHolds--;
            if (f != null) {
              f.released.signalAll();
            }
          }
          if (folio.pins == 0 && !folio.inMapping) {
            free(folio);
            freed++;
          }
        }
      } finally {
        if (lock != null) {
          lock.unlock();
        }
      }
    }
    return freed;
  }

  public record Evicted(int evicted, int pinned) {}

  /** Drops clean (after writeback), unpinned folios of the range; pinned ones are skipped. */
  public Evicted evict(int fileId, long offset, long length) {
    CachedFile f = file(fileId);
    f.lock.lock();
    try {
      int evicted = 0;
      int pinned = 0;
      for (Folio folio : overlapping(f, offset, offset + length)) {
        if (folio.pins > 0) {
          pinned++;
          continue;
        }
        writeBack(f, folio);
        removeFromMapping(f, folio);
        evicted++;
      }
      return new Evicted(evicted, pinned);
    } finally {
      f.lock.unlock();
    }
  }

  /** Writes every dirty folio of every file to its device. */
  public int writeBackAll() {
    return writeBackDue(Long.MAX_VALUE);
  }

  /**
   * The flusher's pass: writes back every dirty folio of each file whose writeback period
   * ({@code periodNanos} times the file's time scale) has passed since its last writeback.
   * Returns the folios written. As Linux's writeback, it holds no file-wide lock across the I/O:
   * per folio it takes the file lock, copies the folio's bytes, marks it clean (and its mappings
   * read-only, page_mkclean), queues the write on the device and lets the file lock go before the
   * device's latency, so splices, writes and punches are not held up behind a whole pass; a later
   * device I/O (a punch's deallocation, a read miss) still lands after it.
   */
  public int writeBackDue(long periodNanos) {
    int n = 0;
    long now = Clocks.epochNanos(clock);
    for (CachedFile f : files.values()) {
      f.lock.lock();
      try {
        if (periodNanos != Long.MAX_VALUE && now - f.lastWriteback < periodNanos * f.timeScale) {
          continue;
        }
        f.lastWriteback = now;
      } finally {
        f.lock.unlock();
      }
      for (long from = writeBackNext(f, 0); from >= 0; from = writeBackNext(f, from)) {
        n++;
      }
    }
    return n;
  }

  /**
   * Writes back the first dirty folio at or after {@code from} (see {@link #writeBackDue}) and
   * returns where the next search starts, or -1 when there was none.
   */
  private long writeBackNext(CachedFile f, long from) {
    f.lock.lock();
    boolean released = false;
    try {
      for (Folio folio : f.mapping.tailMap(from, true).values()) {
        if (!folio.dirty) {
          continue;
        }
        java.nio.ByteBuffer[] copy = copyForWriteback(f, folio);
        folio.dirty = false;
        folio.mappedWritable = false; // page_mkclean: the next store through a mapping faults again
        if (copy.length > 0) {
          released = true; // writeReleasing lets the lock go, whether or not the write fails
          f.device.writeReleasing(f.lock, folio.fileOffset, copy);
        }
        return folio.end();
      }
      return -1;
    } finally {
      if (!released) {
        f.lock.unlock();
      }
    }
  }

  /** The folio's bytes up to EOF, copied (the frames may be freed or reused before the I/O runs). */
  private static java.nio.ByteBuffer[] copyForWriteback(CachedFile f, Folio folio) {
    int bytes = (int) Math.max(0, Math.min(folio.end(), f.size) - folio.fileOffset);
    java.nio.ByteBuffer copy = java.nio.ByteBuffer.allocate(bytes);
    for (int i = 0; copy.hasRemaining(); i++) {
      copy.put(folio.page(i).limit(Math.min(Folio.PAGE, copy.remaining())));
    }
    return bytes == 0 ? new java.nio.ByteBuffer[0] : new java.nio.ByteBuffer[] {copy.flip()};
  }

  public FileStat stat(int fileId) {
    CachedFile f = file(fileId);
    f.lock.lock();
    try {
      List<FolioView> views = new ArrayList<>();
      for (Folio folio : f.mapping.values()) {
        views.add(new FolioView(folio.id, folio.fileOffset, folio.size(), folio.pins, folio.dirty, folio.generation));
      }
      int orphans = 0;
      for (Folio folio : live.values()) {
        if (folio.fileId == fileId && !folio.inMapping && !folio.anonymous) {
          orphans++;
        }
      }
      return new FileStat(f.size, f.version, f.profile, views, orphans, pinnedBytes());
    } finally {
      f.lock.unlock();
    }
  }

  public long pinnedBytes() {
    return pinnedPages.get() * Folio.PAGE;
  }

  public long bytesCopied() {
    return bytesCopied.get();
  }

  public long cachedBytes() {
    long total = 0;
    for (CachedFile f : files.values()) {
      f.lock.lock();
      try {
        for (Folio folio : f.mapping.values()) {
          total += folio.size();
        }
      } finally {
        f.lock.unlock();
      }
    }
    return total;
  }

  public int liveFolios() {
    return live.size();
  }

  /**
   * Drops a file: its folios leave the mapping (pinned ones stay alive for their holders), its
   * device is deleted and its cookie slot freed. Returns {dropped, still pinned}.
   */
  public int[] delete(int fileId) {
    CachedFile f = files.get(fileId);
    if (f == null) {
      throw new IllegalArgumentException("file_id: unknown file " + fileId);
    }
    f.lock.lock();
    try {
      if (!f.sends.isEmpty()) {
        throw new IllegalStateException("file_id: file " + fileId + " has " + f.sends.size() + " sends in flight");
      }
      files.remove(fileId);
    } finally {
      f.lock.unlock();
    }
    return drop(f);
  }

  /** Empties a file that left the table: mapping, device, cookie slot. Returns {dropped, still pinned}. */
  private int[] drop(CachedFile f) {
    f.lock.lock();
    try {
      int dropped = 0;
      int pinned = 0;
      for (Folio folio : new ArrayList<>(f.mapping.values())) {
        dropped++;
        if (folio.pins > 0) {
          pinned++;
        }
        removeFromMapping(f, folio);
      }
      f.device.close();
      memory.releaseCookieSlot(f.cookieSlot);
      f.released.signalAll();
      return new int[] {dropped, pinned};
    } finally {
      f.lock.unlock();
    }
  }

  /** The node's physical memory (its arena of page frames). */
  public PhysicalMemory memory() {
    return memory;
  }

  /** The arena slot of a file's cookie. */
  public int cookieSlot(int fileId) {
    CachedFile f = file(fileId);
    f.lock.lock();
    try {
      return f.cookieSlot;
    } finally {
      f.lock.unlock();
    }
  }

  @Override
  public void close() {
    for (CachedFile f : files.values()) {
      f.device.close();
    }
    memory.close();
  }

  // ---------------------------------------------------------------- mechanism

  private CachedFile file(int fileId) {
    CachedFile f = files.get(fileId);
    if (f == null) {
      throw new IllegalArgumentException("file_id: unknown file " + fileId + " (create it first)");
    }
    return f;
  }

  private static long pageStart(long pos) {
    return pos - pos % Folio.PAGE;
  }

  private static Folio folioAt(CachedFile f, long pos) {
    Map.Entry<Long, Folio> e = f.mapping.floorEntry(pos);
    return e != null && e.getValue().end() > pos ? e.getValue() : null;
  }

  private Folio folioAtOrPageIn(CachedFile f, long pos, long end) {
    Folio folio = folioAt(f, pos);
    return folio != null ? folio : readMiss(f, pos, end);
  }

  /**
   * A read miss (read, splice or a fault through a mapping), like page_cache_sync_ra: the miss
   * reads a whole read-ahead window (the larger of readaheadBytes and the request, which ends at
   * {@code end}; up to EOF, stopping at a cached folio). A
   * miss that does not continue the previous window starts over with order-0 folios; one that
   * does (a sequential reader reaching the window's end) allocates the next window two orders
   * larger, bounded by the index alignment and 2 MiB. The device fills the folios. Returns the
   * folio covering {@code pos}.
   */
  private Folio readMiss(CachedFile f, long pos, long end) {
    long start = pageStart(pos);
    int order = start == f.raNext ? Math.min(f.raOrder + 2, MAX_ORDER) : 0;
    long eof = (f.size + Folio.PAGE - 1) / Folio.PAGE * Folio.PAGE;
    long window = Math.max(Math.max(Folio.PAGE, config.readaheadBytes()), end - start);
    long windowEnd = Math.max(start + Folio.PAGE, Math.min(start + window, eof));
    Folio first = null;
    long p = start;
    while (p < windowEnd && (p == start || folioAt(f, p) == null)) {
      Folio folio = allocate(f, p, Math.min((long) Folio.PAGE << order, windowEnd - p), windowEnd);
      if (first == null) {
        first = folio;
      }
      p = folio.end();
    }
    f.raNext = p;
    f.raOrder = order;
    return first;
  }

  /** Folios overlapping [start, end), in file order. */
  private static List<Folio> overlapping(CachedFile f, long start, long end) {
    List<Folio> out = new ArrayList<>();
    Folio first = folioAt(f, start);
    if (first != null) {
      out.add(first);
    }
    for (Folio folio : f.mapping.subMap(start, false, end, false).values()) {
      if (folio != first) {
        out.add(folio);
      }
    }
    return out;
  }

  /**
   * Allocates a folio at the page of {@code pos} and fills it from the device (which reads zeros
   * past its end). Order: the largest power of two of pages not above {@code wantBytes} (from the
   * write length or the read-ahead window), capped at 2 MiB (EXT4) or 4 KiB (TMPFS), at the
   * alignment of the page index (filemap's rule: a folio of order n starts at a multiple of 2^n
   * pages), shrunk until it neither overlaps a cached folio nor passes the last page of
   * {@code limit} bytes.
   */
  private Folio allocate(CachedFile f, long pos, long wantBytes, long limit) {
    long page = pos / Folio.PAGE;
    int order = 0;
    if (f.profile == FsProfile.EXT4) {
      long wantPages = Math.max(1, wantBytes / Folio.PAGE);
      order = Math.min(MAX_ORDER, 63 - Long.numberOfLeadingZeros(wantPages));
      if (page != 0) {
        order = Math.min(order, Long.numberOfTrailingZeros(page));
      }
      long lastPage = Math.max(page + 1, (limit + Folio.PAGE - 1) / Folio.PAGE);
      while (order > 0 && (page + (1L << order) > lastPage || overlapsCached(f, page, order))) {
        order--;
      }
    }
    Folio folio = new Folio(folioIds.incrementAndGet(), f.id, page * Folio.PAGE, memory.allocate(1 << order), memory.arena(),
        false);
    java.nio.ByteBuffer[] pages = new java.nio.ByteBuffer[folio.frames.length];
    for (int i = 0; i < pages.length; i++) {
      pages[i] = folio.page(i);
    }
    f.device.read(folio.fileOffset, pages);
    f.mapping.put(folio.fileOffset, folio);
    live.put(folio.id, folio);
    return folio;
  }

  private static boolean overlapsCached(CachedFile f, long page, int order) {
    long start = page * Folio.PAGE;
    long end = start + ((long) Folio.PAGE << order);
    Long next = f.mapping.ceilingKey(start);
    return next != null && next < end;
  }

  private void removeFromMapping(CachedFile f, Folio folio) {
    f.mapping.remove(folio.fileOffset);
    synchronized (folio) {
      folio.inMapping = false;
      if (folio.pins == 0) {
        free(folio);
      }
    }
  }

  /** A folio that is out of the mapping and has lost its last pin: its frames go back to memory. */
  private void free(Folio folio) {
    if (live.remove(folio.id) != null) {
      memory.release(folio.frames);
    }
  }

  private static long zeroInPlace(Folio folio, long start, long end) {
    if (end <= start) {
      return 0;
    }
    folio.zero((int) (start - folio.fileOffset), (int) (end - folio.fileOffset));
    folio.generation++;
    return end - start;
  }

  private static void writeBack(CachedFile f, Folio folio) {
    if (!folio.dirty) {
      return;
    }
    long end = Math.min(folio.end(), f.size);
    if (end > folio.fileOffset) {
      int bytes = (int) (end - folio.fileOffset);
      java.nio.ByteBuffer[] pages = new java.nio.ByteBuffer[(bytes + Folio.PAGE - 1) / Folio.PAGE];
      for (int i = 0; i < pages.length; i++) {
        pages[i] = folio.page(i).limit(Math.min(Folio.PAGE, bytes - i * Folio.PAGE));
      }
      f.device.write(folio.fileOffset, pages);
    }
    folio.dirty = false;
    folio.mappedWritable = false; // page_mkclean: the next store through a mapping faults again
  }

  private void publish(RunContext ctx, CachedFile f, MutationKind kind, long offset, long length, long opId, Applied a,
      boolean cookieBumped, boolean honorsSends, boolean stableTimeout) {
    mutationListener.accept(MutationRecord.newBuilder()
        .setContext(ctx)
        .setFileId(f.id)
        .setVersion(a.version())
        .setKind(kind)
        .setOffset(offset)
        .setLength(length)
        .setOpId(opId)
        .setSizeAfter(a.size())
        .setAtNanos(Clocks.epochNanos(clock))
        .setFoliosRemoved(a.foliosRemoved())
        .setBytesZeroedInPlace(a.bytesZeroedInPlace())
        .setCookieBumped(cookieBumped)
        .setHonorsSends(honorsSends)
        .setStallUs(a.stallMicros())
        .setStableTimeout(stableTimeout)
        .setFoliosCopied(a.foliosCopied())
        .build());
  }

  // ---------------------------------------------------------------- strategies

  /** Time a writer waited, and whether its stable-page wait expired and it was let through. */
  private record Wait(long micros, boolean timedOut) {
    static final Wait NONE = new Wait(0, false);
  }

  /**
   * Waits (releasing the file lock) while a folio of [start, end) in the mapping has a stable
   * hold, or, for writers honouring the completion contract, while a send in flight overlaps the
   * range. A stable wait is bounded by the file's policy: FAIL_WRITER throws ABORTED, LET_THROUGH
   * returns with timedOut set.
   */
  private Wait awaitWritable(CachedFile f, long start, long end, boolean honorsSends) {
    long t0 = System.nanoTime();
    long stableDeadline = t0 + f.stablePolicy.waitMicros() * 1000;
    long sendDeadline = t0 + SEND_WAIT_MICROS * 1000;
    boolean waited = false;
    boolean timedOut = false;
    while (true) {
      boolean stable = heldIn(f, start, end);
      boolean send = honorsSends && sendIn(f, start, end);
      if (!stable && !send) {
        break;
      }
      long now = System.nanoTime();
      if (stable && now >= stableDeadline) {
        if (f.stablePolicy.failWriter()) {
          f.stableFailed++;
          recordStall(f, now - t0);
          throw Status.ABORTED.withDescription("stable pages: the range [" + start + ", " + end + ") stayed under network IO for "
              + f.stablePolicy.waitMicros() / 1000 + " ms; the write fails (policy FAIL_WRITER)").asRuntimeException();
        }
        f.stableLetThrough++;
        timedOut = true;
        break;
      }
      if (!stable && now >= sendDeadline) {
        break; // the application gives up waiting for a send that does not complete
      }
      waited = true;
      try {
        f.released.awaitNanos(Math.max(1000, (stable ? stableDeadline : sendDeadline) - now));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw Status.CANCELLED.withDescription("interrupted while waiting for a held folio").asRuntimeException();
      }
    }
    long micros = (System.nanoTime() - t0) / 1000;
    if (waited) {
      recordStall(f, micros * 1000);
    }
    return waited ? new Wait(micros, timedOut) : Wait.NONE;
  }

  private void recordStall(CachedFile f, long nanos) {
    long micros = Math.max(1, nanos / 1000);
    f.stalls.recordValue(micros);
    stallListener.accept(micros);
  }

  private static boolean heldIn(CachedFile f, long start, long end) {
    for (Folio folio : overlapping(f, start, end)) {
      if (folio.stableHolds > 0) {
        return true;
      }
    }
    return false;
  }

  private static boolean sendIn(CachedFile f, long start, long end) {
    for (long[] r : f.sends.values()) {
      if (r[0] < end && r[1] > start) {
        return true;
      }
    }
    return false;
  }

  /** Puts a copy of a privately pinned folio into the mapping; the pinned original leaves it. */
  private Folio copyOnWrite(CachedFile f, Folio old) {
    Folio copy = new Folio(folioIds.incrementAndGet(), f.id, old.fileOffset, memory.allocate(old.frames.length), memory.arena(),
        false);
    copy.copyFrom(old);
    copy.dirty = old.dirty;
    copy.generation = old.generation;
    removeFromMapping(f, old);
    f.mapping.put(copy.fileOffset, copy);
    live.put(copy.id, copy);
    f.foliosCopied++;
    f.bytesCopied += copy.size();
    bytesCopied.addAndGet(copy.size());
    return copy;
  }

  /** i_version++: stored in the arena's cookie table too, before the caller changes any byte. */
  private void bumpCookie(CachedFile f) {
    f.cookie++;
    f.cookieBumps++;
    memory.arena().publishCookie(f.cookieSlot, f.cookie);
  }

  /** STABLE_PAGES: takes (begin) or releases one hold per id. Returns folios held node-wide. */
  public int stableHold(List<Long> folioIds, boolean begin) {
    for (long id : folioIds) {
      Folio folio = live.get(id);
      if (folio == null) {
        throw new IllegalStateException("folio_id " + id + " is not alive (holds need a pinned folio)");
      }
      CachedFile f = files.get(folio.fileId);
      f.lock.lock();
      try {
        if (begin) {
          folio.stableHolds++;
        } else {
          if (folio.stableHolds <= 0) {
            throw new IllegalStateException("folio_id " + id + " has no stable hold to release");
          }
          folio.stableHolds--;
          f.released.signalAll();
        }
      } finally {
        f.lock.unlock();
      }
    }
    int held = 0;
    for (Folio folio : live.values()) {
      if (folio.stableHolds > 0) {
        held++;
      }
    }
    return held;
  }

  /** COMPLETION_AFTER_SNAPSHOT: registers or completes a send over [offset, offset + length). */
  public int sendRange(int fileId, String sendId, long offset, long length, boolean begin) {
    CachedFile f = file(fileId);
    f.lock.lock();
    try {
      if (begin) {
        f.sends.put(sendId, new long[] {offset, offset + length});
      } else {
        f.sends.remove(sendId);
        f.released.signalAll();
      }
      return f.sends.size();
    } finally {
      f.lock.unlock();
    }
  }

  public Costs costs(int fileId) {
    CachedFile f = file(fileId);
    f.lock.lock();
    try {
      org.HdrHistogram.Histogram h = f.stalls;
      return new Costs(f.bytesCopied, f.foliosCopied, f.wpFaults, f.cookieBumps, f.silentStores, h.getTotalCount(),
          h.getValueAtPercentile(50), h.getValueAtPercentile(90), h.getValueAtPercentile(99), h.getValueAtPercentile(99.9),
          h.getMaxValue(), f.stableFailed, f.stableLetThrough, f.pinnedPages * Folio.PAGE);
    } finally {
      f.lock.unlock();
    }
  }

  /** Folios currently pinned per file, for diagnostics. */
  Map<Integer, Integer> pinnedFolios() {
    Map<Integer, Integer> m = new HashMap<>();
    Collection<Folio> all = live.values();
    for (Folio folio : all) {
      if (folio.pins > 0 && !folio.anonymous) {
        m.merge(folio.fileId, 1, Integer::sum);
      }
    }
    return m;
  }
}
