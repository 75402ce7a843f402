package dev.splicelab.kernel;

/**
 * What a fidelity case does, implemented once on the real kernel ({@link KernelBackend}) and once
 * on the storage model ({@link ModelBackend}). Offsets and lengths are bytes. Every method appends
 * what it did to the trace.
 */
interface Backend extends AutoCloseable {

  /** Where the reader reads from. */
  enum Endpoint { PIPE, TEE, SOCKET }

  String name();

  void createFile();

  void pwrite(long offset, byte[] data);

  void mmapStore(long offset, byte[] data);

  void directWrite(long offset, byte[] data);

  void punchHole(long offset, long length);

  void zeroRange(long offset, long length);

  void truncate(long size);

  void evict(long size);

  /** Returns the capacity set, in bytes. */
  int pipeSize(int bytes);

  /** Returns the bytes spliced (short when the pipe fills). */
  long spliceIn(long offset, long length);

  /** tee of the whole pipe into a second pipe; returns the bytes duplicated. */
  long tee();

  /** Moves the whole pipe into the socket; returns the bytes moved. */
  long drainToSocket();

  long sendfile(long offset, long length);

  void userFill(byte[] data);

  void userStore(long offset, byte[] data);

  void userDontneed(long offset, long length);

  long vmsplice(long offset, long length, boolean gift);

  void primePipe();

  void pipeWrite(byte[] data);

  /** Reads up to n bytes from the endpoint (fewer when nothing more arrives). */
  byte[] receive(Endpoint from, int n);

  byte[] readFile(long offset, int length);

  /** The folios over a range, e.g. "64Kx2@64K", or why that is unknown. */
  String folios(long offset, long length, long fileSize);

  java.util.List<String> trace();

  @Override
  void close();
}
