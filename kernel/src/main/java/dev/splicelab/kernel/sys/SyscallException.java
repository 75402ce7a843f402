package dev.splicelab.kernel.sys;

/**
 * A failed system call, naming the call (with the flags that matter), what it was applied to, and
 * errno's name and meaning: {@code fallocate(PUNCH_HOLE|KEEP_SIZE) on /dev/shm/x: EOPNOTSUPP
 * (Operation not supported)}.
 */
public final class SyscallException extends RuntimeException {

  private final String call;
  private final String target;
  private final int errno;

  public SyscallException(String call, String target, int errno) {
    super(call + " on " + target + ": " + Errno.name(errno) + " (" + Errno.meaning(errno) + ")");
    this.call = call;
    this.target = target;
    this.errno = errno;
  }

  public String call() {
    return call;
  }

  public String target() {
    return target;
  }

  public int errno() {
    return errno;
  }

  public String errnoName() {
    return Errno.name(errno);
  }

  /**
   * True when the failure says "this kernel, filesystem or file type does not do that"
   * (EINVAL, EOPNOTSUPP, EPERM, ENOSYS, ENODEV, ESPIPE, ENOTTY): a case needing the call is not
   * runnable here, which is not a verdict.
   */
  public boolean unsupported() {
    return errno == Errno.EINVAL || errno == Errno.EOPNOTSUPP || errno == Errno.EPERM || errno == Errno.ENOSYS
        || errno == Errno.ENODEV || errno == Errno.ESPIPE || errno == Errno.ENOTTY;
  }
}
