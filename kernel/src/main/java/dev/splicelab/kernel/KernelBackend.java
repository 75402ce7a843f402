package dev.splicelab.kernel;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import dev.splicelab.kernel.sys.Fd;
import dev.splicelab.kernel.sys.FolioProbe;
import dev.splicelab.kernel.sys.Sys;
import dev.splicelab.kernel.sys.SyscallException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * A fidelity case on the real kernel: a real file in the chosen directory, real pipes (non-blocking,
 * so a full or empty pipe never hangs a case), a loopback TCP connection made with libc sockets (the
 * receiver does not read until the case says so), anonymous memory for vmsplice and O_DIRECT
 * buffers. Not thread-safe; one per case.
 */
final class KernelBackend implements Backend {

  private static final long SOCKET_WAIT_NANOS = 2_000_000_000L;

  private final Path file;
  private final List<String> trace = new ArrayList<>();
  private Fd fd;
  private long size;
  private Fd pipeR;
  private Fd pipeW;
  private Fd teeR;
  private Fd teeW;
  private Fd listener;
  private Fd sender;
  private Fd receiver;
  private long socketSent;
  private long socketRead;
  private Pointer user;
  private long userLen;

  KernelBackend(Path dir, String caseName) {
    this.file = dir.resolve("splicelab-fidelity-" + ProcessHandle.current().pid() + "-" + caseName + ".dat");
  }

  @Override
  public String name() {
    return "kernel";
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
    fd = Sys.open(file, Sys.O_RDWR | Sys.O_CREAT | Sys.O_TRUNC, 0644);
    size = 0;
    log("open(" + file + ", O_RDWR|O_CREAT|O_TRUNC) = " + fd.fd() + " on " + Environment.fsName(Sys.fstatfsType(fd)));
  }

  @Override
  public void pwrite(long offset, byte[] data) {
    Sys.pwriteFully(fd, data, offset);
    size = Math.max(size, offset + data.length);
    log("pwrite(" + data.length + " B at " + offset + ")");
  }

  @Override
  public void mmapStore(long offset, byte[] data) {
    long start = offset / Sys.PAGE * Sys.PAGE;
    long end = (offset + data.length + Sys.PAGE - 1) / Sys.PAGE * Sys.PAGE;
    Pointer map = Sys.mmap(fd, end - start, Sys.PROT_READ | Sys.PROT_WRITE, Sys.MAP_SHARED, start);
    try {
      map.write(offset - start, data, 0, data.length);
    } finally {
      Sys.munmap(map, end - start);
    }
    log("mmap(MAP_SHARED) [" + start + ", " + end + "), store " + data.length + " B at " + offset + ", munmap");
  }

  @Override
  public void directWrite(long offset, byte[] data) {
    long len = data.length;
    if (offset % Sys.PAGE != 0 || len % Sys.PAGE != 0) {
      throw new IllegalArgumentException("O_DIRECT write must be 4 KiB aligned, got " + offset + "+" + len);
    }
    try (Fd direct = Sys.open(file, Sys.O_RDWR | Sys.O_DIRECT, 0)) {
      Pointer buf = Sys.mmap(null, len, Sys.PROT_READ | Sys.PROT_WRITE, Sys.MAP_PRIVATE | Sys.MAP_ANONYMOUS, 0);
      try {
        buf.write(0, data, 0, data.length);
        Sys.pwriteFully(direct, buf, len, offset, "pwrite(O_DIRECT)");
      } finally {
        Sys.munmap(buf, len);
      }
    }
    size = Math.max(size, offset + len);
    log("open(O_RDWR|O_DIRECT), pwrite " + len + " B at " + offset + " from a page-aligned buffer");
  }

  @Override
  public void punchHole(long offset, long length) {
    Sys.fallocate(fd, Sys.FALLOC_FL_PUNCH_HOLE | Sys.FALLOC_FL_KEEP_SIZE, offset, length);
    log("fallocate(PUNCH_HOLE|KEEP_SIZE, " + offset + ", " + length + ")");
  }

  @Override
  public void zeroRange(long offset, long length) {
    Sys.fallocate(fd, Sys.FALLOC_FL_ZERO_RANGE | Sys.FALLOC_FL_KEEP_SIZE, offset, length);
    log("fallocate(ZERO_RANGE|KEEP_SIZE, " + offset + ", " + length + ")");
  }

  @Override
  public void truncate(long newSize) {
    Sys.ftruncate(fd, newSize);
    size = newSize;
    log("ftruncate(" + newSize + ")");
  }

  @Override
  public void evict(long fileSize) {
    Sys.fdatasync(fd);
    Sys.fadviseDontneed(fd, 0, 0);
    log("fdatasync, posix_fadvise(0, 0, POSIX_FADV_DONTNEED)");
  }

  private void ensurePipe() {
    if (pipeR == null) {
      Fd[] p = Sys.pipe2(Sys.O_NONBLOCK);
      pipeR = p[0];
      pipeW = p[1];
      log("pipe2(O_NONBLOCK) = [" + pipeR.fd() + ", " + pipeW.fd() + "], capacity " + Sys.getPipeSize(pipeW));
    }
  }

  @Override
  public int pipeSize(int bytes) {
    ensurePipe();
    int got = Sys.setPipeSize(pipeW, bytes);
    log("fcntl(F_SETPIPE_SZ, " + bytes + ") = " + got + " (F_GETPIPE_SZ " + Sys.getPipeSize(pipeW) + ")");
    return got;
  }

  @Override
  public long spliceIn(long offset, long length) {
    ensurePipe();
    LongByReference off = new LongByReference(offset);
    long done = 0;
    int calls = 0;
    while (done < length) {
      long n = Sys.splice(fd, off, pipeW, null, length - done, Sys.SPLICE_F_NONBLOCK);
      calls++;
      if (n <= 0) {
        break; // -1: pipe full (EAGAIN), 0: end of file
      }
      done += n;
    }
    log("splice(file off " + offset + ", len " + length + ", SPLICE_F_NONBLOCK) -> pipe: " + done + " B in " + calls
        + " call(s)");
    return done;
  }

  @Override
  public long tee() {
    int n = Sys.inq(pipeR);
    Fd[] p = Sys.pipe2(Sys.O_NONBLOCK);
    teeR = p[0];
    teeW = p[1];
    Sys.setPipeSize(teeW, Sys.getPipeSize(pipeW));
    long done = 0;
    while (done < n) {
      long t = Sys.tee(pipeR, teeW, n - done, Sys.SPLICE_F_NONBLOCK);
      if (t <= 0) {
        break;
      }
      done += t;
    }
    log("tee(pipe -> pipe2, " + n + ") = " + done + " B (pipe still holds " + Sys.inq(pipeR) + " B)");
    return done;
  }

  private void ensureSocket() {
    if (sender != null) {
      return;
    }
    listener = Sys.tcpSocket("loopback listener");
    try {
      Sys.setsockoptInt(listener, Sys.SOL_SOCKET, Sys.SO_RCVBUFFORCE, 8 << 20, "SO_RCVBUFFORCE");
    } catch (SyscallException e) {
      Sys.setsockoptInt(listener, Sys.SOL_SOCKET, Sys.SO_RCVBUF, 8 << 20, "SO_RCVBUF");
    }
    Sys.bindLoopback(listener, 0);
    Sys.listen(listener, 1);
    int port = Sys.localPort(listener);
    sender = Sys.tcpSocket("loopback sender socket (to 127.0.0.1:" + port + ")");
    Sys.setsockoptInt(sender, Sys.IPPROTO_TCP, Sys.TCP_NODELAY, 1, "TCP_NODELAY");
    Sys.setsockoptTimeout(sender, Sys.SO_SNDTIMEO, 2000, "SO_SNDTIMEO");
    Sys.connect(sender, port);
    receiver = Sys.accept(listener, "loopback receiver socket (127.0.0.1:" + port + ")");
    Sys.setsockoptTimeout(receiver, Sys.SO_RCVTIMEO, 1000, "SO_RCVTIMEO");
    log("loopback TCP 127.0.0.1:" + port + " (receiver SO_RCVBUF 8 MiB, sender TCP_NODELAY)");
  }

  /** Waits until the receiver's queue holds everything sent and not yet read. */
  private void awaitReceiverQueue() {
    long want = socketSent - socketRead;
    long deadline = System.nanoTime() + SOCKET_WAIT_NANOS;
    int inq = Sys.inq(receiver);
    while (inq < want && System.nanoTime() < deadline) {
      LockSupport.parkNanos(200_000);
      inq = Sys.inq(receiver);
    }
    log("receiver queue holds " + inq + " of " + want + " B (FIONREAD)" + (inq < want ? " after 2 s: NOT ALL ARRIVED" : ""));
  }

  @Override
  public long drainToSocket() {
    ensureSocket();
    int n = Sys.inq(pipeR);
    long done = 0;
    while (done < n) {
      long m = Sys.splice(pipeR, null, sender, null, n - done, 0);
      if (m <= 0) {
        break;
      }
      done += m;
    }
    socketSent += done;
    log("splice(pipe -> socket, " + n + ") = " + done + " B");
    awaitReceiverQueue();
    return done;
  }

  @Override
  public long sendfile(long offset, long length) {
    ensureSocket();
    LongByReference off = new LongByReference(offset);
    long done = 0;
    while (done < length) {
      long n = Sys.sendfile(sender, fd, off, length - done);
      if (n <= 0) {
        break;
      }
      done += n;
    }
    socketSent += done;
    log("sendfile(socket, file, off " + offset + ", " + length + ") = " + done + " B");
    awaitReceiverQueue();
    return done;
  }

  @Override
  public void userFill(byte[] data) {
    userLen = (data.length + Sys.PAGE - 1) / Sys.PAGE * Sys.PAGE;
    user = Sys.mmap(null, userLen, Sys.PROT_READ | Sys.PROT_WRITE, Sys.MAP_PRIVATE | Sys.MAP_ANONYMOUS, 0);
    user.write(0, data, 0, data.length);
    log("mmap(MAP_PRIVATE|MAP_ANONYMOUS, " + userLen + ") at 0x" + Long.toHexString(Pointer.nativeValue(user))
        + ", filled");
  }

  @Override
  public void userStore(long offset, byte[] data) {
    user.write(offset, data, 0, data.length);
    log("store " + data.length + " B into user memory at +" + offset);
  }

  @Override
  public void userDontneed(long offset, long length) {
    Sys.madvise(user.share(offset), length, Sys.MADV_DONTNEED, "MADV_DONTNEED");
    log("madvise(user +" + offset + ", " + length + ", MADV_DONTNEED)");
  }

  @Override
  public long vmsplice(long offset, long length, boolean gift) {
    ensurePipe();
    long done = 0;
    while (done < length) {
      long n = Sys.vmsplice(pipeW, user.share(offset + done), length - done, gift ? Sys.SPLICE_F_GIFT : 0);
      if (n <= 0) {
        break;
      }
      done += n;
    }
    log("vmsplice(pipe, user +" + offset + ", " + length + (gift ? ", SPLICE_F_GIFT" : "") + ") = " + done + " B");
    return done;
  }

  @Override
  public void primePipe() {
    ensurePipe();
    int cap = Sys.getPipeSize(pipeW);
    Sys.writeFully(pipeW, new byte[cap]);
    Memory m = new Memory(cap);
    long got = 0;
    while (got < cap) {
      long n = Sys.read(pipeR, m, cap - got);
      if (n <= 0) {
        break;
      }
      got += n;
    }
    log("write(pipe, " + cap + " B) then read it back: every slot held a mergeable anonymous buffer");
  }

  @Override
  public void pipeWrite(byte[] data) {
    Sys.writeFully(pipeW, data);
    log("write(pipe, " + data.length + " B)");
  }

  @Override
  public byte[] receive(Endpoint from, int n) {
    Fd src = switch (from) {
      case PIPE -> pipeR;
      case TEE -> teeR;
      case SOCKET -> receiver;
    };
    Memory m = new Memory(Math.max(1, n));
    long got = 0;
    while (got < n) {
      long r = Sys.read(src, m.share(got), n - got);
      if (r <= 0) {
        break; // -1: nothing more queued (EAGAIN / receive timeout), 0: closed
      }
      got += r;
    }
    if (from == Endpoint.SOCKET) {
      socketRead += got;
    }
    log("read(" + from.name().toLowerCase() + ", " + n + ") = " + got + " B");
    return m.getByteArray(0, (int) got);
  }

  @Override
  public byte[] readFile(long offset, int length) {
    byte[] b = Sys.pread(fd, offset, length);
    log("pread(file, " + offset + ", " + length + ") = " + b.length + " B");
    return b;
  }

  @Override
  public String folios(long offset, long length, long fileSize) {
    try {
      return FolioProbe.describe(FolioProbe.probe(fd, offset, length, Math.min(fileSize, size)));
    } catch (RuntimeException e) {
      return "unavailable: " + e.getMessage();
    }
  }

  @Override
  public void close() {
    for (Fd f : new Fd[] {pipeR, pipeW, teeR, teeW, sender, receiver, listener, fd}) {
      if (f != null) {
        try {
          f.close();
        } catch (RuntimeException e) {
          // best effort
        }
      }
    }
    if (user != null) {
      Sys.munmap(user, userLen);
    }
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // scratch file
    }
  }
}
