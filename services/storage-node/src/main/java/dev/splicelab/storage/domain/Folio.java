package dev.splicelab.storage.domain;

import dev.splicelab.common.arena.Arena;
import java.nio.ByteBuffer;

/**
 * A page-cache folio: 4 KiB << order bytes of one file, naturally aligned in the file, held in
 * page frames of the node's {@link PhysicalMemory} (one frame per page). An anonymous folio is a
 * page outside every mapping: the copy COPY_AT_SPLICE puts in a pipe.
 *
 * <p>Threading: every field except the frames' bytes and {@link #generation} is guarded by the
 * owning file's lock (an anonymous folio's by its monitor). The bytes are deliberately read
 * without that lock, by {@link PageCache#readFolio} and by peers mapping the arena (what a
 * checksum engine or a NIC's DMA does): a concurrent in-place change can be seen half-applied,
 * which is how torn cells emerge.
 */
public final class Folio {
  public static final int PAGE = Arena.PAGE;

  final long id;
  final int fileId;
  /** File offset of byte 0 of the folio. */
  final long fileOffset;
  /** Page frames holding the folio's pages, in order. */
  final int[] frames;
  final Arena memory;
  final boolean anonymous;
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
  boolean inMapping;
  boolean dirty;
  volatile long generation;

  Folio(long id, int fileId, long fileOffset, int[] frames, Arena memory, boolean anonymous) {
    this.id = id;
    this.fileId = fileId;
    this.fileOffset = fileOffset;
    this.frames = frames;
    this.memory = memory;
    this.anonymous = anonymous;
    this.inMapping = !anonymous;
  }

  public int size() {
    return frames.length * PAGE;
  }

  long end() {
    return fileOffset + size();
  }

  public long id() {
    return id;
  }

  /** The frame holding byte {@code offset} of the folio. */
  int frameAt(int offset) {
    return frames[offset / PAGE];
  }

  /** Copies bytes [offset, offset + length) of the folio into dst (across its pages). */
  void read(int offset, byte[] dst, int dstOffset, int length) {
    while (length > 0) {
      int in = offset % PAGE;
      int n = Math.min(length, PAGE - in);
      memory.read(frames[offset / PAGE], in, dst, dstOffset, n);
      offset += n;
      dstOffset += n;
      length -= n;
    }
  }

  /** Stores src into the folio at offset (in place: every holder of a reference sees it). */
  void write(int offset, byte[] src, int srcOffset, int length) {
    while (length > 0) {
      int in = offset % PAGE;
      int n = Math.min(length, PAGE - in);
      memory.write(frames[offset / PAGE], in, src, srcOffset, n);
      offset += n;
      srcOffset += n;
      length -= n;
    }
  }

  /** Zeroes bytes [from, to) of the folio in place. */
  void zero(int from, int to) {
    while (from < to) {
      int in = from % PAGE;
      int n = Math.min(to - from, PAGE - in);
      memory.zero(frames[from / PAGE], in, n);
      from += n;
    }
  }

  /** Copies every byte of {@code other} (a folio of the same size) into this one. */
  void copyFrom(Folio other) {
    for (int i = 0; i < frames.length; i++) {
      memory.copyFrame(other.frames[i], frames[i]);
    }
  }

  /** Page {@code page} of the folio as a buffer, for device I/O. */
  ByteBuffer page(int page) {
    return memory.frame(frames[page]);
  }
}
