package dev.splicelab.storage.domain;

import dev.splicelab.common.time.Sleeper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The backing store of one file: a real file on disk, with a configurable latency added to every
 * I/O. Reads past the end of the backing file return zeros (a sparse tail). Thread-safe: I/O goes
 * through one request queue, in the order it was issued, so a writeback the flusher issued before
 * a punch's deallocation lands before it, as the block layer orders them; the caller of
 * {@link #writeReleasing} does its I/O after letting go of the page-cache lock.
 */
public final class BlockDevice implements AutoCloseable {

  private final Path path;
  private final FileChannel channel;
  private final long latencyMicros;
  private final Sleeper sleeper;
  /** The request queue: held for the whole of one I/O, its latency included. */
  private final ReentrantLock queue = new ReentrantLock();

  public BlockDevice(Path path, long latencyMicros, Sleeper sleeper) {
    this.path = path;
    this.latencyMicros = latencyMicros;
    this.sleeper = sleeper;
    try {
      Files.createDirectories(path.getParent());
      this.channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
          StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open block device " + path, e);
    }
  }

  public Path path() {
    return path;
  }

  public void read(long offset, byte[] dst, int dstPos, int length) {
    read(offset, new ByteBuffer[] {ByteBuffer.wrap(dst, dstPos, length)});
  }

  public void write(long offset, byte[] src, int srcPos, int length) {
    write(offset, new ByteBuffer[] {ByteBuffer.wrap(src, srcPos, length)});
  }

  /**
   * One I/O filling consecutive buffers (each to its limit) from the device at {@code offset}, as a
   * folio's pages are read together; zeros past the device's end.
   */
  public void read(long offset, ByteBuffer... dsts) {
    queue.lock();
    try {
      sleeper.sleepMicros(latencyMicros);
      long pos = offset;
      for (ByteBuffer dst : dsts) {
        while (dst.hasRemaining()) {
          int n = channel.read(dst, pos);
          if (n < 0) {
            while (dst.hasRemaining()) {
              dst.put((byte) 0);
            }
            break;
          }
          pos += n;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("read of " + path + " at " + offset + " failed", e);
    } finally {
      queue.unlock();
    }
  }

  /** One I/O writing consecutive buffers (each to its limit) to the device at {@code offset}. */
  public void write(long offset, ByteBuffer... srcs) {
    queue.lock();
    try {
      sleeper.sleepMicros(latencyMicros);
      store(offset, srcs);
    } finally {
      queue.unlock();
    }
  }

  /** Writes the buffers at {@code offset}, with no latency; the caller holds the queue. */
  private void store(long offset, ByteBuffer... srcs) {
    try {
      long pos = offset;
      for (ByteBuffer buf : srcs) {
        while (buf.hasRemaining()) {
          pos += channel.write(buf, pos);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("write of " + path + " at " + offset + " failed", e);
    }
  }

  /**
   * Queues a write while the caller holds {@code cacheLock}, then releases that lock and does the
   * I/O (latency included) without it: the write is ordered before any I/O issued after this call
   * returns or blocks, yet page-cache operations go on meanwhile. {@code cacheLock} is released
   * even when the write fails, and is not taken again.
   */
  public void writeReleasing(Lock cacheLock, long offset, ByteBuffer... srcs) {
    queue.lock();
    try {
      cacheLock.unlock();
      write(offset, srcs);
    } finally {
      queue.unlock();
    }
  }

  /**
   * Deallocates a range (stored as zeros: the contents are what matters to the model). A
   * deallocation (fallocate PUNCH_HOLE, truncate) changes the file system's metadata, which the
   * journal commits later; it does not wait for a data I/O, so it takes no device latency. It is
   * still ordered after the I/O queued before it (a writeback of the range in flight).
   */
  public void zero(long offset, long length) {
    queue.lock();
    try {
      byte[] zeros = new byte[(int) Math.min(length, 1 << 20)];
      for (long done = 0; done < length; ) {
        int n = (int) Math.min(zeros.length, length - done);
        store(offset + done, ByteBuffer.wrap(zeros, 0, n));
        done += n;
      }
    } finally {
      queue.unlock();
    }
  }

  /** Shrinks the backing file to {@code size}: a deallocation (see {@link #zero}), with no latency. */
  public void truncate(long size) {
    queue.lock();
    try {
      if (size < channel.size()) {
        channel.truncate(size);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("truncate of " + path + " failed", e);
    } finally {
      queue.unlock();
    }
  }

  @Override
  public void close() {
    try {
      channel.close();
      Files.deleteIfExists(path);
    } catch (IOException e) {
      // best effort: the data directory is scratch space
    }
  }
}
