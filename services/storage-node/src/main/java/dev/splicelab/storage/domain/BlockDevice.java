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
    sleeper.sleepMicros(latencyMicros);
    ByteBuffer buf = ByteBuffer.wrap(dst, dstPos, length);
    try {
      long pos = offset;
      while (buf.hasRemaining()) {
        int n = channel.read(buf, pos);
        if (n < 0) {
          while (buf.hasRemaining()) {
            buf.put((byte) 0);
          }
          break;
        }
        pos += n;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("read of " + path + " at " + offset + " failed", e);
    }
  }

  public void write(long offset, byte[] src, int srcPos, int length) {
    sleeper.sleepMicros(latencyMicros);
    ByteBuffer buf = ByteBuffer.wrap(src, srcPos, length);
    try {
      long pos = offset;
      while (buf.hasRemaining()) {
        pos += channel.write(buf, pos);
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
