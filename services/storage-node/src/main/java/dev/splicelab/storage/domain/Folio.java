package dev.splicelab.storage.domain;

/**
 * A page-cache folio: 4 KiB << order bytes of one file, naturally aligned in the file.
 *
 * <p>Threading: every field except {@link #data} and {@link #generation} is guarded by the owning
 * file's lock. {@link #data} is deliberately read without that lock by {@link PageCache#readFolio}
 * (what a checksum engine or a NIC DMA does): a concurrent in-place change can therefore be seen
 * half-applied, which is how torn cells emerge.
 */
public final class Folio {
  public static final int PAGE = 4096;

  final long id;
  final int fileId;
  /** File offset of byte 0 of the folio. */
  final long fileOffset;
  final byte[] data;
  /** References held by pipes and send queues (pins), private ones included. */
  int pins;
  /** COW_PRIVATE_REF pins: holders that must not see later changes. */
  int privatePins;
  /** Splice write-protected the folio: the next store through a mapping faults. */
  boolean writeProtected;
  /** Mapped writable by an earlier store fault and not cleaned since (stores go in silently). */
  boolean mappedWritable;
  /** STABLE_PAGES holds: writers touching the folio wait while this is > 0. */
  int stableHolds;
  /** In the file's mapping (findable by offset). Once false, never true again. */
  boolean inMapping = true;
  boolean dirty;
  volatile long generation;

  Folio(long id, int fileId, long fileOffset, int size) {
    this.id = id;
    this.fileId = fileId;
    this.fileOffset = fileOffset;
    this.data = new byte[size];
  }

  public int size() {
    return data.length;
  }

  long end() {
    return fileOffset + data.length;
  }

  public long id() {
    return id;
  }
}
