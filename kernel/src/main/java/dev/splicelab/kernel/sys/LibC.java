package dev.splicelab.kernel.sys;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;

/**
 * The libc functions splicelab calls, for x86_64/aarch64 Linux (LP64: size_t, ssize_t, off_t and
 * long are 64 bits). Every call that fails returns -1 (MAP_FAILED for mmap) and leaves errno in
 * {@link Native#getLastError()}; JNA preserves it per thread. Use {@link Sys}, which turns failures
 * into {@link SyscallException}s, rather than this interface.
 *
 * <p>open, fcntl and ioctl are variadic in C; they are declared with their one optional argument,
 * which is how the LP64 calling convention passes it anyway (no floating-point arguments).
 */
public interface LibC extends Library {

  LibC INSTANCE = Native.load("c", LibC.class);

  int open(String path, int flags, int mode);

  int close(int fd);

  long read(int fd, Pointer buf, long count);

  long write(int fd, Pointer buf, long count);

  long pread(int fd, Pointer buf, long count, long offset);

  long pwrite(int fd, Pointer buf, long count, long offset);

  Pointer mmap(Pointer addr, long length, int prot, int flags, int fd, long offset);

  int munmap(Pointer addr, long length);

  int madvise(Pointer addr, long length, int advice);

  int fallocate(int fd, int mode, long offset, long len);

  int ftruncate(int fd, long length);

  int fdatasync(int fd);

  /** Returns the error number itself (0 on success), not -1. */
  int posix_fadvise(int fd, long offset, long len, int advice);

  int pipe2(int[] fds, int flags);

  int fcntl(int fd, int cmd, int arg);

  long splice(int fdIn, LongByReference offIn, int fdOut, LongByReference offOut, long len, int flags);

  long vmsplice(int fd, Pointer iov, long nrSegs, int flags);

  long tee(int fdIn, int fdOut, long len, int flags);

  long sendfile(int outFd, int inFd, LongByReference offset, long count);

  int socket(int domain, int type, int protocol);

  int bind(int fd, Pointer addr, int len);

  int listen(int fd, int backlog);

  int accept4(int fd, Pointer addr, IntByReference len, int flags);

  int connect(int fd, Pointer addr, int len);

  int getsockname(int fd, Pointer addr, IntByReference len);

  int setsockopt(int fd, int level, int name, Pointer value, int len);

  int ioctl(int fd, long request, IntByReference arg);

  int statfs(String path, Pointer buf);

  int fstatfs(int fd, Pointer buf);

  int uname(Pointer buf);

  String strerror(int errnum);
}
