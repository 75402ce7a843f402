package dev.splicelab.checker.domain;

import dev.splicelab.proto.MutationRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The mutation log of one file in one cell, indexed by version; rebuilds what any byte range held
 * at any version from (version, kind, offset, length, op id) alone. Memory grows with the number
 * of mutations, never with bytes. Not thread-safe (the verifier serializes access).
 */
public final class FileHistory {

  /** What a cell of the file held at some version: zeros, or the cells of one op. */
  public record Span(long start, long end, boolean zero, long opId) {}

  private final List<MutationRecord> byVersion = new ArrayList<>();
  private final Map<Long, Long> opVersion = new HashMap<>();
  private final Map<Long, MutationRecord> pending = new HashMap<>();

  /** Adds a record; out-of-order versions wait until the gap is filled. Returns false for a duplicate. */
  public boolean add(MutationRecord r) {
    if (r.getVersion() <= byVersion.size() || pending.containsKey(r.getVersion())) {
      return false;
    }
    pending.put(r.getVersion(), r);
    MutationRecord next;
    while ((next = pending.remove((long) byVersion.size() + 1)) != null) {
      byVersion.add(next);
      if (next.getOpId() != 0) {
        opVersion.putIfAbsent(next.getOpId(), next.getVersion());
      }
    }
    return true;
  }

  /** Highest version v such that every version 1..v is known. */
  public long contiguousVersion() {
    return byVersion.size();
  }

  /** Version that wrote the cells of {@code opId}, or -1 if unknown. */
  public long versionOf(long opId) {
    return opVersion.getOrDefault(opId, -1L);
  }

  public MutationRecord at(long version) {
    return byVersion.get((int) version - 1);
  }

  /** The byte range a mutation set, and to what: zeros, or the cells of its op. */
  public record Effect(long start, long end, boolean zero, long opId) {}

  /** What version {@code v} did to the file's bytes (from its record and its predecessor's size). */
  public Effect effect(long v) {
    MutationRecord m = at(v);
    return switch (m.getKind()) {
      case CREATE -> new Effect(0, Long.MAX_VALUE, true, 0);
      case WRITE, MMAP_STORE, DIRECT_WRITE -> new Effect(m.getOffset(), m.getOffset() + m.getLength(), false, m.getOpId());
      case PUNCH_HOLE -> new Effect(m.getOffset(), m.getOffset() + m.getLength(), true, 0);
      case TRUNCATE -> {
        long before = v > 1 ? at(v - 1).getSizeAfter() : 0;
        long after = m.getOffset();
        yield new Effect(Math.min(before, after), after < before ? Long.MAX_VALUE : after, true, 0);
      }
      default -> null;
    };
  }

  /** The newest version applied at or before {@code nanos} (storage clock), at least 1. */
  public long versionAt(long nanos) {
    int lo = 0;
    int hi = byVersion.size() - 1;
    int found = 0;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (byVersion.get(mid).getAtNanos() <= nanos) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found + 1;
  }

  /**
   * What [start, end) held at {@code version}: walks the log backwards from that version and
   * paints each still-unknown part with the newest mutation that covered it.
   */
  public List<Span> contents(long version, long start, long end) {
    List<long[]> unknown = new ArrayList<>();
    unknown.add(new long[] {start, end});
    List<Span> painted = new ArrayList<>();
    for (long v = Math.min(version, byVersion.size()); v >= 1 && !unknown.isEmpty(); v--) {
      Effect m = effect(v);
      if (m == null) {
        continue;
      }
      List<long[]> left = new ArrayList<>();
      for (long[] u : unknown) {
        long is = Math.max(u[0], m.start());
        long ie = Math.min(u[1], m.end());
        if (is >= ie) {
          left.add(u);
          continue;
        }
        painted.add(new Span(is, ie, m.zero(), m.opId()));
        if (u[0] < is) {
          left.add(new long[] {u[0], is});
        }
        if (ie < u[1]) {
          left.add(new long[] {ie, u[1]});
        }
      }
      unknown = left;
    }
    for (long[] u : unknown) {
      painted.add(new Span(u[0], u[1], true, 0)); // before any record: nothing was there
    }
    painted.sort((a, b) -> Long.compare(a.start(), b.start()));
    return painted;
  }
}
