package dev.splicelab.kernel.sys;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Thin wrappers over {@link LibC}: each returns the call's result or throws a
 * {@link SyscallException} naming the call, its target and errno. Constants are Linux x86_64 (and
 * aarch64, which shares them for everything used here).
 */
public final class Sys {

  public static final int O_RDONLY = 0;
  public static final int O_WRONLY = 1;
  public static final int O_RDWR = 2;
  public static final int O_CREAT = 0100;
  public static final int O_TRUNC = 01000;
  public static final int O_NONBLOCK = 04000;
  public static final int O_DIRECT = 040000;
  public static final int O_CLOEXEC = 02000000;

  public static final int PROT_READ = 1;
  public static final int PROT_WRITE = 2;
  public static final int MAP_SHARED = 1;
  public static final int MAP_PRIVATE = 2;
  public static final int MAP_ANONYMOUS = 0x20;
  public static final int MADV_DONTNEED = 4;
  public static final int POSIX_FADV_DONTNEED = 4;

  public static final int FALLOC_FL_KEEP_SIZE = 1;
  public static final int FALLOC_FL_PUNCH_HOLE = 2;
  public static final int FALLOC_FL_ZERO_RANGE = 0x10;

  public static final int F_SETPIPE_SZ = 1031;
  public static final int F_GETPIPE_SZ = 1032;

  public static final int SPLICE_F_MOVE = 1;
  public static final int SPLICE_F_NONBLOCK = 2;
  public static final int SPLICE_F_MORE = 4;
  public static final int SPLICE_F_GIFT = 8;

  public static final int AF_INET = 2;
  public static final int SOCK_STREAM = 1;
  public static final int SOCK_CLOEXEC = 02000000;
  public static final int SOL_SOCKET = 1;
  public static final int SO_REUSEADDR = 2;
  public static final int SO_SNDBUF = 7;
  public static final int SO_RCVBUF = 8;
  public static final int SO_RCVTIMEO = 20;
  public static final int SO_SNDTIMEO = 21;
  public static final int SO_SNDBUFFORCE = 32;
  public static final int SO_RCVBUFFORCE = 33;
  public static final int IPPROTO_TCP = 6;
  public static final int TCP_NODELAY = 1;
  public static final long FIONREAD = 0x541B;

  public static final long PAGE = 4096;

  private static final LibC C = LibC.INSTANCE;

  private Sys() {}

  private static SyscallException fail(String call, String target) {
    return new SyscallException(call, target, Native.getLastError());
  }

  // ------------------------------------------------------------------ files

  /** Names the open flags that matter here, e.g. "O_RDWR|O_CREAT|O_DIRECT". */
  public static String openFlags(int flags) {
    List<String> n = new ArrayList<>();
    n.add((flags & 3) == O_RDWR ? "O_RDWR" : (flags & 3) == O_WRONLY ? "O_WRONLY" : "O_RDONLY");
    if ((flags & O_CREAT) != 0) {
      n.add("O_CREAT");
    }
    if ((flags & O_TRUNC) != 0) {
      n.add("O_TRUNC");
    }
    if ((flags & O_DIRECT) != 0) {
      n.add("O_DIRECT");
    }
    if ((flags & O_NONBLOCK) != 0) {
      n.add("O_NONBLOCK");
    }
    return String.join("|", n);
  }

  public static Fd open(Path path, int flags, int mode) {
    String p = path.toString();
    int fd = C.open(p, flags | O_CLOEXEC, mode);
    if (fd < 0) {
      throw fail("open(" + openFlags(flags) + ")", p);
    }
    return new Fd(fd, p);
  }

  public static void close(Fd fd) {
    if (C.close(fd.fd()) < 0) {
      throw fail("close", fd.name());
    }
  }

  /** pwrite(2) until every byte is written. */
  public static void pwriteFully(Fd fd, Pointer buf, long len, long offset, String call) {
    long done = 0;
    while (done < len) {
      long n = C.pwrite(fd.fd(), buf.share(done), len - done, offset + done);
      if (n < 0) {
        throw fail(call, fd.name());
      }
      if (n == 0) {
        throw new SyscallException(call + " wrote 0 bytes", fd.name(), Errno.EIO);
      }
      done += n;
    }
  }

  public static void pwriteFully(Fd fd, byte[] data, long offset) {
    if (data.length == 0) {
      return;
    }
    Memory m = new Memory(data.length);
    m.write(0, data, 0, data.length);
    pwriteFully(fd, m, data.length, offset, "pwrite");
  }

  /** pread(2) until len bytes or end of file; returns the bytes read. */
  public static byte[] pread(Fd fd, long offset, int len) {
    Memory m = new Memory(Math.max(1, len));
    long done = 0;
    while (done < len) {
      long n = C.pread(fd.fd(), m.share(done), len - done, offset + done);
      if (n < 0) {
        throw fail("pread", fd.name());
      }
      if (n == 0) {
        break;
      }
      done += n;
    }
    return m.getByteArray(0, (int) done);
  }

  /**
   * pread(2) into {@code buf} until {@code len} bytes or end of file; returns the bytes read.
   * {@code call} names the call in errors.
   */
  public static long preadFully(Fd fd, Pointer buf, long len, long offset, String call) {
    long done = 0;
    while (done < len) {
      long n = C.pread(fd.fd(), buf.share(done), len - done, offset + done);
      if (n < 0) {
        throw fail(call, fd.name());
      }
      if (n == 0) {
        break;
      }
      done += n;
    }
    return done;
  }

  /**
   * write(2) of {@code len} bytes at {@code buf} until every byte is written (a socket or a pipe).
   * Throws a {@link SyscallException} naming {@code call} on failure, EAGAIN included (a send
   * timeout set with SO_SNDTIMEO expired).
   */
  public static void writeFully(Fd fd, Pointer buf, long len, String call) {
    long done = 0;
    while (done < len) {
      long n = C.write(fd.fd(), buf.share(done), len - done);
      if (n < 0) {
        throw fail(call, fd.name());
      }
      done += n;
    }
  }

  /** One read(2); returns the count (0 at end of file), or -1 on EAGAIN. */
  public static long read(Fd fd, Pointer buf, long len) {
    long n = C.read(fd.fd(), buf, len);
    if (n < 0) {
      int e = Native.getLastError();
      if (e == Errno.EAGAIN) {
        return -1;
      }
      throw new SyscallException("read", fd.name(), e);
    }
    return n;
  }

  /** write(2) until every byte is written. */
  public static void writeFully(Fd fd, byte[] data) {
    Memory m = new Memory(Math.max(1, data.length));
    m.write(0, data, 0, data.length);
    long done = 0;
    while (done < data.length) {
      long n = C.write(fd.fd(), m.share(done), data.length - done);
      if (n < 0) {
        throw fail("write", fd.name());
      }
      done += n;
    }
  }

  public static Pointer mmap(Fd fd, long length, int prot, int flags, long offset) {
    Pointer p = C.mmap(null, length, prot, flags, fd == null ? -1 : fd.fd(), offset);
    if (p == null || Pointer.nativeValue(p) == -1L) {
      String what = (flags & MAP_ANONYMOUS) != 0 ? "anonymous memory" : fd.name();
      throw fail("mmap(" + ((flags & MAP_SHARED) != 0 ? "MAP_SHARED" : "MAP_PRIVATE")
          + ((flags & MAP_ANONYMOUS) != 0 ? "|MAP_ANONYMOUS" : "") + ", " + length + " bytes)", what);
    }
    return p;
  }

  public static void munmap(Pointer p, long length) {
    if (C.munmap(p, length) < 0) {
      throw fail("munmap", "0x" + Long.toHexString(Pointer.nativeValue(p)));
    }
  }

  public static void madvise(Pointer p, long length, int advice, String adviceName) {
    if (C.madvise(p, length, advice) < 0) {
      throw fail("madvise(" + adviceName + ")", "0x" + Long.toHexString(Pointer.nativeValue(p)));
    }
  }

  /** Names fallocate modes: "PUNCH_HOLE|KEEP_SIZE", "ZERO_RANGE". */
  public static String fallocateMode(int mode) {
    List<String> n = new ArrayList<>();
    if ((mode & FALLOC_FL_PUNCH_HOLE) != 0) {
      n.add("PUNCH_HOLE");
    }
    if ((mode & FALLOC_FL_ZERO_RANGE) != 0) {
      n.add("ZERO_RANGE");
    }
    if ((mode & FALLOC_FL_KEEP_SIZE) != 0) {
      n.add("KEEP_SIZE");
    }
    return n.isEmpty() ? "0" : String.join("|", n);
  }

  public static void fallocate(Fd fd, int mode, long offset, long len) {
    if (C.fallocate(fd.fd(), mode, offset, len) < 0) {
      throw fail("fallocate(" + fallocateMode(mode) + ")", fd.name());
    }
  }

  public static void ftruncate(Fd fd, long size) {
    if (C.ftruncate(fd.fd(), size) < 0) {
      throw fail("ftruncate(" + size + ")", fd.name());
    }
  }

  public static void fdatasync(Fd fd) {
    if (C.fdatasync(fd.fd()) < 0) {
      throw fail("fdatasync", fd.name());
    }
  }

  public static void fadviseDontneed(Fd fd, long offset, long len) {
    int e = C.posix_fadvise(fd.fd(), offset, len, POSIX_FADV_DONTNEED);
    if (e != 0) {
      throw new SyscallException("posix_fadvise(POSIX_FADV_DONTNEED)", fd.name(), e);
    }
  }

  // ------------------------------------------------------------------ pipes

  /** pipe2(O_CLOEXEC | extra): {read end, write end}. */
  public static Fd[] pipe2(int extraFlags) {
    int[] fds = new int[2];
    if (C.pipe2(fds, O_CLOEXEC | extraFlags) < 0) {
      throw fail("pipe2", "a new pipe");
    }
    String n = "pipe[" + fds[0] + "," + fds[1] + "]";
    return new Fd[] {new Fd(fds[0], n + " read end"), new Fd(fds[1], n + " write end")};
  }

  /** fcntl(F_SETPIPE_SZ): returns the capacity the kernel set (rounded up to a power of two pages). */
  public static int setPipeSize(Fd pipe, int bytes) {
    int r = C.fcntl(pipe.fd(), F_SETPIPE_SZ, bytes);
    if (r < 0) {
      throw fail("fcntl(F_SETPIPE_SZ, " + bytes + ")", pipe.name());
    }
    return r;
  }

  public static int getPipeSize(Fd pipe) {
    int r = C.fcntl(pipe.fd(), F_GETPIPE_SZ, 0);
    if (r < 0) {
      throw fail("fcntl(F_GETPIPE_SZ)", pipe.name());
    }
    return r;
  }

  public static String spliceFlags(int flags) {
    List<String> n = new ArrayList<>();
    if ((flags & SPLICE_F_MOVE) != 0) {
      n.add("SPLICE_F_MOVE");
    }
    if ((flags & SPLICE_F_NONBLOCK) != 0) {
      n.add("SPLICE_F_NONBLOCK");
    }
    if ((flags & SPLICE_F_MORE) != 0) {
      n.add("SPLICE_F_MORE");
    }
    if ((flags & SPLICE_F_GIFT) != 0) {
      n.add("SPLICE_F_GIFT");
    }
    return n.isEmpty() ? "0" : String.join("|", n);
  }

  /**
   * splice(2). offIn/offOut may be null (the pipe side). Returns the bytes moved, 0 at end of
   * input, or -1 when SPLICE_F_NONBLOCK was given and the call would block (EAGAIN).
   */
  public static long splice(Fd in, LongByReference offIn, Fd out, LongByReference offOut, long len, int flags) {
    long n = C.splice(in.fd(), offIn, out.fd(), offOut, len, flags);
    if (n < 0) {
      int e = Native.getLastError();
      if (e == Errno.EAGAIN) {
        return -1;
      }
      throw new SyscallException("splice(" + spliceFlags(flags) + ")", in.name() + " -> " + out.name(), e);
    }
    return n;
  }

  /** vmsplice(2) of one iovec {base, len} into a pipe; returns the bytes spliced. */
  public static long vmsplice(Fd pipeWrite, Pointer base, long len, int flags) {
    Memory iov = new Memory(16);
    iov.setPointer(0, base);
    iov.setLong(8, len);
    long n = C.vmsplice(pipeWrite.fd(), iov, 1, flags);
    if (n < 0) {
      throw fail("vmsplice(" + spliceFlags(flags) + ")", pipeWrite.name());
    }
    return n;
  }

  public static long tee(Fd in, Fd out, long len, int flags) {
    long n = C.tee(in.fd(), out.fd(), len, flags);
    if (n < 0) {
      throw fail("tee(" + spliceFlags(flags) + ")", in.name() + " -> " + out.name());
    }
    return n;
  }

  /** sendfile(2); returns the bytes sent, or -1 on EAGAIN (send timeout). */
  public static long sendfile(Fd socket, Fd in, LongByReference offset, long count) {
    long n = C.sendfile(socket.fd(), in.fd(), offset, count);
    if (n < 0) {
      int e = Native.getLastError();
      if (e == Errno.EAGAIN) {
        return -1;
      }
      throw new SyscallException("sendfile", in.name() + " -> " + socket.name(), e);
    }
    return n;
  }

  // ------------------------------------------------------------------ sockets

  public static Fd tcpSocket(String role) {
    int fd = C.socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      throw fail("socket(AF_INET, SOCK_STREAM)", role);
    }
    return new Fd(fd, role);
  }

  /** A sockaddr_in for 127.0.0.1:port. */
  static Memory loopback(int port) {
    Memory m = new Memory(16);
    m.clear();
    m.setShort(0, (short) AF_INET); // host order
    m.setByte(2, (byte) (port >>> 8)); // network order
    m.setByte(3, (byte) port);
    m.setByte(4, (byte) 127);
    m.setByte(7, (byte) 1);
    return m;
  }

  public static void bindLoopback(Fd fd, int port) {
    if (C.bind(fd.fd(), loopback(port), 16) < 0) {
      throw fail("bind(127.0.0.1:" + port + ")", fd.name());
    }
  }

  public static void listen(Fd fd, int backlog) {
    if (C.listen(fd.fd(), backlog) < 0) {
      throw fail("listen", fd.name());
    }
  }

  public static int localPort(Fd fd) {
    Memory m = new Memory(16);
    IntByReference len = new IntByReference(16);
    if (C.getsockname(fd.fd(), m, len) < 0) {
      throw fail("getsockname", fd.name());
    }
    return ((m.getByte(2) & 0xFF) << 8) | (m.getByte(3) & 0xFF);
  }

  public static void connect(Fd fd, int port) {
    if (C.connect(fd.fd(), loopback(port), 16) < 0) {
      throw fail("connect(127.0.0.1:" + port + ")", fd.name());
    }
  }

  public static Fd accept(Fd listener, String role) {
    int fd = C.accept4(listener.fd(), null, null, SOCK_CLOEXEC);
    if (fd < 0) {
      throw fail("accept4", listener.name());
    }
    return new Fd(fd, role);
  }

  public static void setsockoptInt(Fd fd, int level, int name, int value, String what) {
    Memory m = new Memory(4);
    m.setInt(0, value);
    if (C.setsockopt(fd.fd(), level, name, m, 4) < 0) {
      throw fail("setsockopt(" + what + ", " + value + ")", fd.name());
    }
  }

  public static void setsockoptTimeout(Fd fd, int name, long millis, String what) {
    Memory m = new Memory(16);
    m.setLong(0, millis / 1000);
    m.setLong(8, (millis % 1000) * 1000);
    if (C.setsockopt(fd.fd(), SOL_SOCKET, name, m, 16) < 0) {
      throw fail("setsockopt(" + what + ", " + millis + " ms)", fd.name());
    }
  }

  /** ioctl(FIONREAD): bytes queued for reading (a socket's receive queue, a pipe's contents). */
  public static int inq(Fd fd) {
    IntByReference n = new IntByReference();
    if (C.ioctl(fd.fd(), FIONREAD, n) < 0) {
      throw fail("ioctl(FIONREAD)", fd.name());
    }
    return n.getValue();
  }

  // ------------------------------------------------------------------ system

  /** statfs(2): the filesystem's f_type magic. */
  public static long statfsType(Path path) {
    Memory m = new Memory(256);
    m.clear();
    if (C.statfs(path.toString(), m) < 0) {
      throw fail("statfs", path.toString());
    }
    return m.getLong(0);
  }

  /** fstatfs(2): the filesystem's f_type magic. */
  public static long fstatfsType(Fd fd) {
    Memory m = new Memory(256);
    m.clear();
    if (C.fstatfs(fd.fd(), m) < 0) {
      throw fail("fstatfs", fd.name());
    }
    return m.getLong(0);
  }

  /** uname(2): {sysname, nodename, release, version, machine}. */
  public static String[] uname() {
    Memory m = new Memory(6 * 65);
    m.clear();
    if (C.uname(m) < 0) {
      throw fail("uname", "this system");
    }
    String[] out = new String[5];
    for (int i = 0; i < 5; i++) {
      byte[] b = m.getByteArray(i * 65L, 65);
      int n = 0;
      while (n < b.length && b[n] != 0) {
        n++;
      }
      out[i] = new String(b, 0, n, StandardCharsets.UTF_8);
    }
    return out;
  }
}
