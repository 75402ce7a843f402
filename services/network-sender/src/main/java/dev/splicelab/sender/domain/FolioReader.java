package dev.splicelab.sender.domain;

import dev.splicelab.proto.FolioRef;
import java.util.List;

/**
 * How the sender's checksum engine and NIC read the bytes of pinned pages: directly from the
 * storage node's memory ({@link ArenaFolioReader}, same host) or with one ReadFolio call per read
 * ({@link GrpcFolioReader}). Either way the read takes no lock: a change in progress can be seen
 * half-applied. Thread-safe.
 */
interface FolioReader extends AutoCloseable {

  /** Reads the slices' current bytes, concatenated, into {@code dst} from 0. */
  void read(List<FolioRef> slices, byte[] dst);

  /**
   * OPTIMISTIC_CONFIRM: reads the slices like {@link #read} and confirms that the file's i_version
   * cookie still equals {@code expectedCookie} after the read. False (dst undefined) when it moved.
   */
  boolean readConfirmed(List<FolioRef> slices, byte[] dst, int fileId, int cookieSlot, long expectedCookie);

  /**
   * The CRC32C of the slices' current bytes, concatenated (the software checksum's read), with no
   * copy where the bytes can be read in place; under {@code confirm}, -1 when the file's cookie
   * moved from {@code expectedCookie} by the end of the read. Else the unsigned 32-bit CRC.
   */
  default long crc32c(List<FolioRef> slices, boolean confirm, int fileId, int cookieSlot, long expectedCookie) {
    int length = 0;
    for (FolioRef s : slices) {
      length += s.getLength();
    }
    byte[] b = new byte[length];
    if (confirm) {
      if (!readConfirmed(slices, b, fileId, cookieSlot, expectedCookie)) {
        return -1;
      }
    } else {
      read(slices, b);
    }
    java.util.zip.CRC32C c = new java.util.zip.CRC32C();
    c.update(b);
    return c.getValue();
  }

  /** OPTIMISTIC_CONFIRM at consume time: the cookie has not moved since the splice. */
  boolean confirm(FolioRef any, int fileId, int cookieSlot, long expectedCookie);

  /** The data path for the run's record, e.g. "arena /dev/shm/x.mem" or "grpc ReadFolio (...)". */
  String describe();

  @Override
  void close();
}
