package dev.splicelab.storage.domain;

import dev.splicelab.common.time.Sleeper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The backing store of one file: a real file on disk, with a configurable latency added to every
 * I/O. Reads past the end of the backing file return zeros (a sparse tail). Thread-safe
 * (positional I/O); callers serialize conflicting I/O through the file lock.
 */
public final class BlockDevice implements AutoCloseable {

  private final Path path;
  private final FileChannel channel;
  private final long latencyMicros;
  private final Sleeper sleeper;

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
    sleeper.sleepMicros(latencyMicros);
    try {
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
    }
  }

  /** One I/O writing consecutive buffers (each to its limit) to the device at {@code offset}. */
  public void write(long offset, ByteBuffer... srcs) {
    sleeper.sleepMicros(latencyMicros);
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

  /** Deallocates a range (written as zeros: the contents are what matters to the model). */
  public void zero(long offset, long length) {
    byte[] zeros = new byte[(int) Math.min(length, 1 << 20)];
    for (long done = 0; done < length; ) {
      int n = (int) Math.min(zeros.length, length - done);
      write(offset + done, zeros, 0, n);
      done += n;
    }
  }

  public void truncate(long size) {
    sleeper.sleepMicros(latencyMicros);
    try {
      if (size < channel.size()) {
        channel.truncate(size);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("truncate of " + path + " failed", e);
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
