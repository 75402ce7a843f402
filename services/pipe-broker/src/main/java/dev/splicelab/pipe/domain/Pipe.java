package dev.splicelab.pipe.domain;

import dev.splicelab.proto.PipeBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A pipe: a bounded ring of buffers, each a folio reference (holding one pin) or a private copy.
 * Slots can be reserved for a splice-in whose storage call is still under way, so that no other
 * splice-in takes them meanwhile. Not thread-safe: the broker serializes calls per pipe by
 * synchronizing on it.
 */
public final class Pipe {
  private final long id;
  private int capacity;
  private final ArrayDeque<PipeBuffer> ring = new ArrayDeque<>();
  /** Slots reserved by splice-ins still waiting for the storage node. */
  private int reserved;

  public Pipe(long id, int capacity) {
    this.id = id;
    this.capacity = capacity;
  }

  public long id() {
    return id;
  }

  public int capacity() {
    return capacity;
  }

  public int occupied() {
    return ring.size();
  }

  /** Slots neither occupied nor reserved. */
  public int free() {
    return capacity - ring.size() - reserved;
  }

  /** Reserves {@code slots} of the free slots (at most {@link #free()}) for a splice-in under way. */
  public void reserve(int slots) {
    if (slots < 0 || slots > free()) {
      throw new IllegalStateException("pipe " + id + ": cannot reserve " + slots + " of " + free() + " free slots");
    }
    reserved += slots;
  }

  /** Gives back {@code slots} reserved slots (before pushing the buffers they were reserved for). */
  public void unreserve(int slots) {
    if (slots < 0 || slots > reserved) {
      throw new IllegalStateException("pipe " + id + ": cannot give back " + slots + " of " + reserved + " reserved slots");
    }
    reserved -= slots;
  }

  public void push(PipeBuffer b) {
    if (ring.size() + reserved >= capacity) {
      throw new IllegalStateException("pipe " + id + " is full (" + capacity + " buffers)");
    }
    ring.addLast(b);
  }

  /** Removes the oldest whole buffers totalling at most maxBytes (at least one if any). */
  public List<PipeBuffer> drain(long maxBytes) {
    List<PipeBuffer> out = new ArrayList<>();
    long bytes = 0;
    while (!ring.isEmpty() && (out.isEmpty() || bytes + ring.peekFirst().getLength() <= maxBytes)) {
      PipeBuffer b = ring.pollFirst();
      bytes += b.getLength();
      out.add(b);
    }
    return out;
  }

  public List<PipeBuffer> drainAll() {
    List<PipeBuffer> out = new ArrayList<>(ring);
    ring.clear();
    return out;
  }
}
