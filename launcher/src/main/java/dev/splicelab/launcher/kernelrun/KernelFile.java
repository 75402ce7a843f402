package dev.splicelab.launcher.kernelrun;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import dev.splicelab.common.cells.CellCodec;
import dev.splicelab.kernel.sys.Fd;
import dev.splicelab.kernel.sys.FolioProbe;
import dev.splicelab.kernel.sys.Sys;
import dev.splicelab.proto.MutationKind;
import dev.splicelab.proto.MutationRecord;
import dev.splicelab.proto.RunContext;
import dev.splicelab.proto.SpliceRecord;
import dev.splicelab.proto.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The file under test on the real kernel: a real file in --dir, its per-file version, and the
 * mutation and splice-in syscalls, each made under one lock that is held across the syscall, the
 * version assignment and the publication of its record, as the storage node does
 * ({@code PageCache.publish}): so version order is the order in which the kernel applied the
 * changes, and a splice-in reads the version its data was taken at. What happens to the data
 * afterwards (references in pipes and socket queues, the receiver's read) is outside the lock:
 * the real races.
 *
 * <p>Mutations: pwrite (WRITE), a store through one MAP_SHARED mapping of the whole file
 * (MMAP_STORE), fallocate(PUNCH_HOLE|KEEP_SIZE) (PUNCH_HOLE), ftruncate shrink then extend back
 * (two TRUNCATE records, both under one hold of the lock so that no store through the mapping can
 * land past a momentary EOF and fault with SIGBUS), pwrite on an O_DIRECT descriptor of aligned
 * blocks (DIRECT_WRITE). Thread-safe.
 */
final class KernelFile implements AutoCloseable {

  /** A splice-in (or the copy that replaces it): version at splice time, bytes accepted, when. */
  record Spliced(long version, long length, long atNanos) {}

  private final int fileId;
  private final long size;
  private final Path path;
  private final RunContext ctx;
  private final Records records;
  private final ReentrantLock lock = new ReentrantLock();
  private final Fd fd;
  private Fd direct;
  private Pointer map;
  /** Guarded by lock. */
  private long version;

  private KernelFile(int fileId, long size, Path path, RunContext ctx, Records records, Fd fd) {
    this.fileId = fileId;
    this.size = size;
    this.path = path;
    this.ctx = ctx;
    this.records = records;
    this.fd = fd;
  }

  /** Creates the file (all zeros, {@code size} bytes) and publishes CREATE at version 1. */
  static KernelFile create(Path dir, String name, int fileId, long size, RunContext ctx, Records records) {
    Path path = dir.resolve(name);
    Fd fd = Sys.open(path, Sys.O_RDWR | Sys.O_CREAT | Sys.O_TRUNC, 0644);
    KernelFile f = new KernelFile(fileId, size, path, ctx, records, fd);
    f.lock.lock();
    try {
      Sys.ftruncate(fd, size);
      f.version = 0;
      f.publish(MutationKind.CREATE, 0, size, 0, size);
    } catch (RuntimeException e) {
      f.close();
      throw e;
    } finally {
      f.lock.unlock();
    }
    return f;
  }

  int fileId() {
    return fileId;
  }

  long size() {
    return size;
  }

  Path path() {
    return path;
  }

  /** Fills the file in {@code chunk}-byte pwrites, op ids 1, 2, ... (writer 0); returns the count. */
  long fill(long chunk) {
    long op = 0;
    for (long off = 0; off < size; off += chunk) {
      int len = (int) Math.min(chunk, size - off);
      byte[] data = CellCodec.fill(fileId, ++op, off, len);
      lock.lock();
      try {
        Sys.pwriteFully(fd, data, off);
        publish(MutationKind.WRITE, off, len, op, size);
      } finally {
        lock.unlock();
      }
    }
    return op;
  }

  /** The folios backing the whole file now, e.g. "64Kx64@0" ("unavailable" without /proc/kpageflags). */
  String folios() {
    try {
      return FolioProbe.describe(FolioProbe.probe(fd, 0, size, size));
    } catch (RuntimeException e) {
      return "unavailable: " + e.getMessage();
    }
  }

  /** Maps the whole file MAP_SHARED for mmap stores (once, before the writers start). */
  void mapShared() {
    map = Sys.mmap(fd, size, Sys.PROT_READ | Sys.PROT_WRITE, Sys.MAP_SHARED, 0);
  }

  /** Opens the O_DIRECT descriptor for direct writes (once, before the writers start). */
  void openDirect() {
    direct = Sys.open(path, Sys.O_RDWR | Sys.O_DIRECT, 0);
  }

  // ---------------------------------------------------------------- mutations

  /** pwrite(2) of {@code len} bytes at {@code buf} (already holding the op's cells). */
  void write(long opId, long offset, Pointer buf, long len) {
    lock.lock();
    try {
      Sys.pwriteFully(fd, buf, len, offset, "pwrite");
      publish(MutationKind.WRITE, offset, len, opId, size);
    } finally {
      lock.unlock();
    }
  }

  /** A store of {@code data} through the MAP_SHARED mapping at {@code offset}. */
  void mmapStore(long opId, long offset, byte[] data) {
    lock.lock();
    try {
      map.write(offset, data, 0, data.length);
      publish(MutationKind.MMAP_STORE, offset, data.length, opId, size);
    } finally {
      lock.unlock();
    }
  }

  /** pwrite(2) on the O_DIRECT descriptor from the page-aligned {@code buf}; offset and len 4 KiB aligned. */
  void directWrite(long opId, long offset, Pointer buf, long len) {
    lock.lock();
    try {
      Sys.pwriteFully(direct, buf, len, offset, "pwrite(O_DIRECT)");
      publish(MutationKind.DIRECT_WRITE, offset, len, opId, size);
    } finally {
      lock.unlock();
    }
  }

  /** fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE). */
  void punchHole(long opId, long offset, long len) {
    lock.lock();
    try {
      Sys.fallocate(fd, Sys.FALLOC_FL_PUNCH_HOLE | Sys.FALLOC_FL_KEEP_SIZE, offset, len);
      publish(MutationKind.PUNCH_HOLE, offset, len, opId, size);
    } finally {
      lock.unlock();
    }
  }

  /** ftruncate(newSize) then ftruncate(size): two TRUNCATE records, two versions, one lock hold. */
  void truncateExtend(long opId, long newSize) {
    lock.lock();
    try {
      Sys.ftruncate(fd, newSize);
      publish(MutationKind.TRUNCATE, newSize, 0, opId, newSize);
      Sys.ftruncate(fd, size);
      publish(MutationKind.TRUNCATE, size, 0, opId, size);
    } finally {
      lock.unlock();
    }
  }

  /** Assigns the next version and publishes the mutation's record; the caller holds the lock. */
  private void publish(MutationKind kind, long offset, long length, long opId, long sizeAfter) {
    version++;
    records.publish(Topics.MUTATIONS, fileId, MutationRecord.newBuilder()
        .setContext(ctx)
        .setFileId(fileId)
        .setVersion(version)
        .setKind(kind)
        .setOffset(offset)
        .setLength(length)
        .setOpId(opId)
        .setSizeAfter(sizeAfter)
        .setAtNanos(EpochNanos.now())
        .build());
  }

  // ---------------------------------------------------------------- transfers

  /**
   * SHARE: splice(2) file [offset, offset + length) into the pipe (SPLICE_F_NONBLOCK, so a full pipe
   * ends the splice short instead of blocking), under the lock, and publishes the SpliceRecord
   * before anyone reads the pipe. The pipe now holds one buffer per page, each a reference to a
   * page-cache folio.
   */
  Spliced spliceIn(Fd pipeWrite, long offset, long length, String transferId, long pipeId) {
    lock.lock();
    try {
      LongByReference off = new LongByReference(offset);
      long done = 0;
      while (done < length) {
        long n = Sys.splice(fd, off, pipeWrite, null, length - done, Sys.SPLICE_F_NONBLOCK);
        if (n <= 0) {
          break; // -1: the pipe is full (EAGAIN); 0: end of file
        }
        done += n;
      }
      long at = EpochNanos.now();
      if (done > 0) {
        records.publish(Topics.SPLICES, fileId, splice(transferId, offset, done, pipeId, false, at));
      }
      return new Spliced(version, done, at);
    } finally {
      lock.unlock();
    }
  }

  /**
   * COPY_AT_SPLICE: pread(2) [offset, offset + length) into the user buffer {@code buf} at "splice"
   * time, under the lock, and publishes the SpliceRecord (copied). The bytes now live in memory no
   * file change can reach.
   */
  Spliced copyIn(Pointer buf, long offset, long length, String transferId, long pipeId) {
    lock.lock();
    try {
      long n = Sys.preadFully(fd, buf, length, offset, "pread");
      long at = EpochNanos.now();
      if (n > 0) {
        records.publish(Topics.SPLICES, fileId, splice(transferId, offset, n, pipeId, true, at));
      }
      return new Spliced(version, n, at);
    } finally {
      lock.unlock();
    }
  }

  /**
   * The splice record. A shared splice counts one pipe buffer per page touched (as
   * filemap_splice_read makes them); folio identity is not observable from user space, so no folio
   * is listed. No transmission record follows: the kernel's TCP stack records none.
   */
  private SpliceRecord splice(String transferId, long offset, long length, long pipeId, boolean copied, long at) {
    long pages = copied ? 0 : (offset + length + Sys.PAGE - 1) / Sys.PAGE - offset / Sys.PAGE;
    return SpliceRecord.newBuilder().setContext(ctx).setTransferId(transferId).setFileId(fileId)
        .setOffset(offset).setLength(length).setVersion(version).setPipeId(pipeId).setCopied(copied).setAtNanos(at)
        .setAttempt(0).setPages((int) pages).setTransmissionsFollow(false).build();
  }

  @Override
  public void close() {
    if (map != null) {
      try {
        Sys.munmap(map, size);
      } catch (RuntimeException e) {
        // best effort
      }
      map = null;
    }
    for (Fd f : new Fd[] {direct, fd}) {
      if (f != null) {
        try {
          f.close();
        } catch (RuntimeException e) {
          // best effort
        }
      }
    }
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      // scratch file
    }
  }
}
