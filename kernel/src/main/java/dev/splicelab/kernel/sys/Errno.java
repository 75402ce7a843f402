package dev.splicelab.kernel.sys;

import java.util.HashMap;
import java.util.Map;

/** Linux errno numbers (asm-generic, as on x86_64 and aarch64): symbolic name and meaning. */
public final class Errno {

  public static final int EPERM = 1;
  public static final int ENOENT = 2;
  public static final int EINTR = 4;
  public static final int EIO = 5;
  public static final int EBADF = 9;
  public static final int EAGAIN = 11;
  public static final int ENOMEM = 12;
  public static final int EACCES = 13;
  public static final int EFAULT = 14;
  public static final int EBUSY = 16;
  public static final int EEXIST = 17;
  public static final int EXDEV = 18;
  public static final int ENODEV = 19;
  public static final int EISDIR = 21;
  public static final int EINVAL = 22;
  public static final int ENOTTY = 25;
  public static final int EFBIG = 27;
  public static final int ENOSPC = 28;
  public static final int ESPIPE = 29;
  public static final int EROFS = 30;
  public static final int EPIPE = 32;
  public static final int ENOSYS = 38;
  public static final int ENODATA = 61;
  public static final int ENOTSOCK = 88;
  public static final int EOPNOTSUPP = 95;

  private record Info(String name, String meaning) {}

  private static final Map<Integer, Info> TABLE = new HashMap<>();

  static {
    def(1, "EPERM", "Operation not permitted");
    def(2, "ENOENT", "No such file or directory");
    def(3, "ESRCH", "No such process");
    def(4, "EINTR", "Interrupted system call");
    def(5, "EIO", "Input/output error");
    def(6, "ENXIO", "No such device or address");
    def(7, "E2BIG", "Argument list too long");
    def(8, "ENOEXEC", "Exec format error");
    def(9, "EBADF", "Bad file descriptor");
    def(10, "ECHILD", "No child processes");
    def(11, "EAGAIN", "Resource temporarily unavailable");
    def(12, "ENOMEM", "Cannot allocate memory");
    def(13, "EACCES", "Permission denied");
    def(14, "EFAULT", "Bad address");
    def(15, "ENOTBLK", "Block device required");
    def(16, "EBUSY", "Device or resource busy");
    def(17, "EEXIST", "File exists");
    def(18, "EXDEV", "Invalid cross-device link");
    def(19, "ENODEV", "No such device");
    def(20, "ENOTDIR", "Not a directory");
    def(21, "EISDIR", "Is a directory");
    def(22, "EINVAL", "Invalid argument");
    def(23, "ENFILE", "Too many open files in system");
    def(24, "EMFILE", "Too many open files");
    def(25, "ENOTTY", "Inappropriate ioctl for device");
    def(26, "ETXTBSY", "Text file busy");
    def(27, "EFBIG", "File too large");
    def(28, "ENOSPC", "No space left on device");
    def(29, "ESPIPE", "Illegal seek");
    def(30, "EROFS", "Read-only file system");
    def(31, "EMLINK", "Too many links");
    def(32, "EPIPE", "Broken pipe");
    def(33, "EDOM", "Numerical argument out of domain");
    def(34, "ERANGE", "Numerical result out of range");
    def(35, "EDEADLK", "Resource deadlock avoided");
    def(36, "ENAMETOOLONG", "File name too long");
    def(37, "ENOLCK", "No locks available");
    def(38, "ENOSYS", "Function not implemented");
    def(39, "ENOTEMPTY", "Directory not empty");
    def(40, "ELOOP", "Too many levels of symbolic links");
    def(61, "ENODATA", "No data available");
    def(75, "EOVERFLOW", "Value too large for defined data type");
    def(88, "ENOTSOCK", "Socket operation on non-socket");
    def(90, "EMSGSIZE", "Message too long");
    def(92, "ENOPROTOOPT", "Protocol not available");
    def(93, "EPROTONOSUPPORT", "Protocol not supported");
    def(95, "EOPNOTSUPP", "Operation not supported");
    def(97, "EAFNOSUPPORT", "Address family not supported by protocol");
    def(98, "EADDRINUSE", "Address already in use");
    def(99, "EADDRNOTAVAIL", "Cannot assign requested address");
    def(104, "ECONNRESET", "Connection reset by peer");
    def(105, "ENOBUFS", "No buffer space available");
    def(107, "ENOTCONN", "Transport endpoint is not connected");
    def(110, "ETIMEDOUT", "Connection timed out");
    def(111, "ECONNREFUSED", "Connection refused");
    def(115, "EINPROGRESS", "Operation now in progress");
    def(116, "ESTALE", "Stale file handle");
    def(122, "EDQUOT", "Disk quota exceeded");
  }

  private static void def(int n, String name, String meaning) {
    TABLE.put(n, new Info(name, meaning));
  }

  private Errno() {}

  /** The symbolic name, e.g. "EOPNOTSUPP", or "errno N" for a number not in the table. */
  public static String name(int errno) {
    Info i = TABLE.get(errno);
    return i != null ? i.name() : "errno " + errno;
  }

  /** The meaning as glibc's strerror words it in the C locale, e.g. "Operation not supported". */
  public static String meaning(int errno) {
    Info i = TABLE.get(errno);
    if (i != null) {
      return i.meaning();
    }
    try {
      return LibC.INSTANCE.strerror(errno);
    } catch (RuntimeException | UnsatisfiedLinkError e) {
      return "unknown error";
    }
  }
}
