package dev.splicelab.storage.domain;

import dev.splicelab.common.arena.Arena;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The node's RAM: the page frames of its {@link Arena} and who owns them. Frames are handed out
 * one by one (a folio's frames need not be contiguous: nothing here depends on physical
 * contiguity) and come back when their folio dies; the cookie table's slots are handed out per
 * file. Thread-safe (the allocator is synchronized; frame contents are the arena's business).
 */
public final class PhysicalMemory implements AutoCloseable {

  /** No free frame is left: the arena is smaller than what the node is asked to cache and hold. */
  public static final class Exhausted extends dev.splicelab.common.errors.ResourceExhaustedException {
    Exhausted(String message) {
      super(message);
    }
  }

  private final Arena arena;
  private final boolean deleteOnClose;
  private final int[] free;
  private int freeTop;
  private long fresh;
  private long used;
  private final boolean[] slotUsed = new boolean[Arena.COOKIE_SLOTS];
  /** Frames handed out and not yet released. */
  private final java.util.BitSet allocated = new java.util.BitSet();

  private PhysicalMemory(Arena arena, boolean deleteOnClose) {
    this.arena = arena;
    this.deleteOnClose = deleteOnClose;
    this.free = new int[(int) Math.min(arena.frames(), Integer.MAX_VALUE - 8)];
  }

  /**
   * Creates the arena at {@code path} with room for {@code bytes} of frames (rounded down to whole
   * frames), deleted again on close.
   */
  public static PhysicalMemory create(Path path, long bytes) {
    return new PhysicalMemory(Arena.create(path, Math.max(1, bytes / Arena.PAGE)), true);
  }

  public Arena arena() {
    return arena;
  }

  /** A frame no folio uses. Throws {@link Exhausted} naming the arena's size when none is left. */
  public synchronized int allocate() {
    int pfn;
    if (freeTop > 0) {
      pfn = free[--freeTop];
    } else if (fresh < arena.frames()) {
      pfn = (int) fresh++;
    } else {
      throw new Exhausted("the storage node's memory is exhausted: all " + arena.frames() + " page frames ("
          + (arena.frames() * Arena.PAGE >> 20) + " MiB, splicelab.storage.arena-bytes) hold folios or copies still pinned");
    }
    used++;
    allocated.set(pfn);
    return pfn;
  }

  /** Frames for a folio of {@code pages} pages (all or none). */
  public int[] allocate(int pages) {
    int[] frames = new int[pages];
    int got = 0;
    try {
      for (; got < pages; got++) {
        frames[got] = allocate();
      }
      return frames;
    } catch (Exhausted e) {
      for (int i = 0; i < got; i++) {
        release(frames[i]);
      }
      throw e;
    }
  }

  /** Returns a frame; a frame out of range, or released more often than allocated, is refused (a model bug). */
  public synchronized void release(int pfn) {
    if (pfn < 0 || !allocated.get(pfn)) {
      throw new IllegalStateException("physical memory: frame " + pfn + " released but not allocated (a double release)");
    }
    allocated.clear(pfn);
    free[freeTop++] = pfn;
    used--;
  }

  public void release(int[] frames) {
    for (int pfn : frames) {
      release(pfn);
    }
  }

  /** Frames in use now. */
  public synchronized long used() {
    return used;
  }

  /** A free slot of the cookie table. */
  public synchronized int allocateCookieSlot() {
    for (int i = 0; i < slotUsed.length; i++) {
      if (!slotUsed[i]) {
        slotUsed[i] = true;
        return i;
      }
    }
    throw new Exhausted("the arena's cookie table is full: " + slotUsed.length + " files exist at once (delete some)");
  }

  public synchronized void releaseCookieSlot(int slot) {
    slotUsed[slot] = false;
  }

  @Override
  public void close() {
    if (deleteOnClose) {
      try {
        Files.deleteIfExists(arena.path());
      } catch (IOException e) {
        // scratch space
      }
    }
  }
}
