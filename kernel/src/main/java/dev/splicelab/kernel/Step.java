package dev.splicelab.kernel;

import dev.splicelab.kernel.sys.FolioProbe;

/**
 * One step of a fidelity case. The same steps drive the real kernel and the model; the case runner
 * keeps what the file (or user buffer) holds, so it knows what a transfer should have carried.
 */
public sealed interface Step {

  /** One line for tables and traces. */
  String describe();

  private static String s(long bytes) {
    if (bytes > 1024 && bytes % 1024 != 0) {
      return FolioProbe.size(bytes / 1024 * 1024) + "+" + bytes % 1024;
    }
    return FolioProbe.size(bytes);
  }

  /** Creates the file and writes [0, size) in {@code chunk}-byte pwrites, one op id per write. */
  record Fill(long size, int chunk) implements Step {
    public String describe() {
      return "fill " + s(size) + " in " + s(chunk) + " pwrites";
    }
  }

  /** The kinds of change a case applies. */
  enum Kind {
    /** pwrite(2) through the page cache. */
    PWRITE("pwrite"),
    /** A store through a MAP_SHARED mapping. */
    MMAP_STORE("mmap store"),
    /** pwrite(2) on an O_DIRECT descriptor (4 KiB-aligned buffer, offset and length). */
    DIRECT_WRITE("O_DIRECT write"),
    /** fallocate(PUNCH_HOLE|KEEP_SIZE). */
    PUNCH_HOLE("punch hole"),
    /** fallocate(ZERO_RANGE|KEEP_SIZE). */
    ZERO_RANGE("zero range"),
    /** ftruncate(offset): offset is the new size. */
    TRUNCATE("ftruncate"),
    /** ftruncate(offset) to a larger size (exposes zeros). */
    EXTEND("ftruncate (extend)"),
    /** A store into the user buffer given to vmsplice. */
    USER_STORE("store to user memory"),
    /** madvise(MADV_DONTNEED) over the user buffer given to vmsplice. */
    USER_DONTNEED("madvise(MADV_DONTNEED)");

    final String label;

    Kind(String label) {
      this.label = label;
    }
  }

  /** A change to the file or user buffer at [offset, offset + length) (TRUNCATE/EXTEND: to offset). */
  record Mutate(Kind kind, long offset, long length) implements Step {
    public String describe() {
      return switch (kind) {
        case TRUNCATE, EXTEND -> kind.label + " to " + s(offset);
        default -> kind.label + " [" + s(offset) + ", +" + FolioProbe.size(length) + ")";
      };
    }
  }

  /** Writes dirty data back and drops the file's page cache (fdatasync + POSIX_FADV_DONTNEED). */
  record Evict() implements Step {
    public String describe() {
      return "fdatasync + fadvise(DONTNEED): cold page cache";
    }
  }

  /** fcntl(F_SETPIPE_SZ, bytes) on the pipe. */
  record PipeSize(int bytes) implements Step {
    public String describe() {
      return "F_SETPIPE_SZ " + bytes;
    }
  }

  /** splice(2) file [offset, offset + length) into the pipe (non-blocking: a full pipe stops it). */
  record SpliceIn(long offset, long length) implements Step {
    public String describe() {
      return "splice file [" + s(offset) + ", +" + s(length) + ") -> pipe";
    }
  }

  /** tee(2) everything in the pipe into a second pipe; the reader then reads the second pipe. */
  record Tee() implements Step {
    public String describe() {
      return "tee pipe -> pipe2 (reader reads pipe2)";
    }
  }

  /** splice(2) everything in the pipe into a loopback TCP socket, and wait until the receiver's queue holds it. */
  record DrainToSocket() implements Step {
    public String describe() {
      return "splice pipe -> loopback socket (receiver not reading yet)";
    }
  }

  /** sendfile(2) file [offset, offset + length) to a loopback TCP socket the receiver has not read. */
  record SendFile(long offset, long length) implements Step {
    public String describe() {
      return "sendfile [" + s(offset) + ", +" + s(length) + ") -> loopback socket";
    }
  }

  /** Allocates anonymous user memory and fills it with cells (the "file" of a vmsplice case). */
  record UserFill(int length) implements Step {
    public String describe() {
      return "user buffer of " + s(length) + " filled with cells";
    }
  }

  /** vmsplice(2) user memory [offset, offset + length) into the pipe, with or without SPLICE_F_GIFT. */
  record Vmsplice(long offset, long length, boolean gift) implements Step {
    public String describe() {
      return "vmsplice user [" + s(offset) + ", +" + s(length) + ")" + (gift ? " SPLICE_F_GIFT" : "") + " -> pipe";
    }
  }

  /** Fills the pipe with write(2) and drains it, so every slot was used by a mergeable buffer (Dirty Pipe recipe). */
  record PrimePipe() implements Step {
    public String describe() {
      return "fill the pipe with write() and drain it";
    }
  }

  /** write(2) of {@code length} bytes of cells (as if for file offset {@code fileOffset}) into the pipe. */
  record PipeWrite(long fileOffset, int length) implements Step {
    public String describe() {
      return "write " + length + " B to the pipe";
    }
  }

  /** The reader reads {@code length} bytes (-1: all that is still expected) from the pipe, tee'd pipe or socket. */
  record Receive(long length) implements Step {
    public String describe() {
      return length < 0 ? "reader reads the rest" : "reader reads " + s(length);
    }
  }

  /** pread(2) of the file: delivered bytes that must equal what the file holds now. */
  record ReadFile(long offset, int length) implements Step {
    public String describe() {
      return "pread file [" + s(offset) + ", +" + s(length) + ")";
    }
  }

  static Step fill(long size, int chunk) {
    return new Fill(size, chunk);
  }

  static Step mutate(Kind k, long offset, long length) {
    return new Mutate(k, offset, length);
  }
}
