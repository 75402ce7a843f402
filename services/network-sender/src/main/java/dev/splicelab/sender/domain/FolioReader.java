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

  /** OPTIMISTIC_CONFIRM at consume time: the cookie has not moved since the splice. */
  boolean confirm(FolioRef any, int fileId, int cookieSlot, long expectedCookie);

  /** The data path for the run's record, e.g. "arena /dev/shm/x.mem" or "grpc ReadFolio (...)". */
  String describe();

  @Override
  void close();
}
