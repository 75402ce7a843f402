package dev.splicelab.kernel.sys;

/**
 * An open file descriptor and what it is (a path, "pipe[3,4] read end", "loopback socket ..."),
 * used to name the target in {@link SyscallException} messages. Closing twice is harmless.
 */
public final class Fd implements AutoCloseable {

  private final int fd;
  private final String name;
  private boolean closed;

  public Fd(int fd, String name) {
    this.fd = fd;
    this.name = name;
  }

  public int fd() {
    return fd;
  }

  public String name() {
    return name;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      Sys.close(this);
    }
  }

  @Override
  public String toString() {
    return name + " (fd " + fd + ")";
  }
}
