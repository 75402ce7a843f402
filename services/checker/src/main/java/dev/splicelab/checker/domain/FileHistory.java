package dev.splicelab.checker.domain;

import dev.splicelab.proto.MutationRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The mutation log of one file in one cell, indexed by version; rebuilds what any byte range held
 * at any retained version from (version, kind, offset, length, op id) alone.
 *
 * <p>It keeps the file's image at the newest contiguous version (spans of zeros or of one op's
 * cells) and, per retained version, what that version overwrote. The contents at version v are
 * the image with the versions after v undone, so a query costs the versions between v and the
 * newest one (a transfer is judged soon after its splice: a handful), not the whole history.
 *
 * <p>Memory grows with live versions, not with the history: {@link #compactTo} forgets the oldest
 * versions, which no unjudged transfer can need any more. An op id keeps its version while its
 * record is retained or its cells are in the image or in what a retained version overwrote; an op
 * forgotten entirely is still known to be older than every retained version (op ids are
 * {@code writer << 40 | sequence}, increasing per writer), so {@link #versionOf} answers
 * {@link #FOLDED} for it. Not thread-safe (the verifier serializes access).
 */
public final class FileHistory {

  /** What a cell of the file held at some version: zeros, or the cells of one op. */
  public record Span(long start, long end, boolean zero, long opId) {}

  /** The byte range a mutation set, and to what: zeros, or the cells of its op. */
  public record Effect(long start, long end, boolean zero, long opId) {}

  /** {@link #versionOf} of an op older than every retained version. */
  public static final long FOLDED = 0;

  private static final long SEQ_BITS = 40;
  private static final long SEQ_MASK = (1L << SEQ_BITS) - 1;

  /** A retained version: its record, its effect, and the image of the effect's range before it. */
  private record Entry(MutationRecord record, Effect effect, List<Span> before) {}

  /** The image at contiguousVersion(): spans by start, tiling [0, Long.MAX_VALUE). */
  private final TreeMap<Long, Span> image = new TreeMap<>();
  /** Versions floor + 1 .. contiguousVersion(), from index {@link #first}. */
  private final ArrayList<Entry> log = new ArrayList<>();
  private int first;
  /** The oldest version whose contents can be rebuilt. */
  private long floor;
  private long floorSizeAfter;
  private long floorAtNanos;
  /** Op -> {version, references from the image and from retained entries' before-spans}. */
  private final Map<Long, long[]> ops = new HashMap<>();
  /** Per writer, the highest sequence number forgotten. */
  private final Map<Long, Long> forgotten = new HashMap<>();
  private final Map<Long, MutationRecord> pending = new HashMap<>();

  public FileHistory() {
    image.put(0L, new Span(0, Long.MAX_VALUE, true, 0));
  }

  /** Adds a record; out-of-order versions wait until the gap is filled. Returns false for a duplicate. */
  public boolean add(MutationRecord r) {
    if (r.getVersion() <= contiguousVersion() || pending.containsKey(r.getVersion())) {
      return false;
    }
    pending.put(r.getVersion(), r);
    MutationRecord next;
    while ((next = pending.remove(contiguousVersion() + 1)) != null) {
      apply(next);
    }
    return true;
  }

  private void apply(MutationRecord m) {
    Effect e = effectOf(m, contiguousSizeAfter());
    if (m.getOpId() != 0) {
      ops.computeIfAbsent(m.getOpId(), k -> new long[] {m.getVersion(), 0});
    }
    List<Span> before = List.of();
    if (e != null) {
      before = new ArrayList<>();
      split(e.start());
      split(e.end());
      Iterator<Span> it = image.subMap(e.start(), true, e.end(), false).values().iterator();
      while (it.hasNext()) {
        before.add(it.next()); // moves from the image to the entry: its reference stays
        it.remove();
      }
      Span s = new Span(e.start(), e.end(), e.zero(), e.zero() ? 0 : e.opId());
      image.put(s.start(), s);
      ref(s.opId(), 1);
    }
    log.add(new Entry(m, e, before));
  }

  private long contiguousSizeAfter() {
    return log.size() > first ? log.get(log.size() - 1).record().getSizeAfter() : floorSizeAfter;
  }

  /** Highest version v such that every version 1..v is known. */
  public long contiguousVersion() {
    return floor + log.size() - first;
  }

  /** The oldest version whose contents can still be rebuilt. */
  public long baseVersion() {
    return floor;
  }

  /** Records retained (the live versions), and out-of-order records waiting for a gap. */
  public int retained() {
    return log.size() - first + pending.size();
  }

  /** When the newest contiguous version was applied, storage-clock nanos (0 before any). */
  public long contiguousAtNanos() {
    return log.size() > first ? log.get(log.size() - 1).record().getAtNanos() : floorAtNanos;
  }

  /**
   * Version that wrote the cells of {@code opId} while it is retained or its cells can still be
   * seen; {@link #FOLDED} when it was forgotten (it is older than every retained version); -1 if
   * the log never had it.
   */
  public long versionOf(long opId) {
    long[] o = ops.get(opId);
    if (o != null) {
      return o[0];
    }
    Long seq = forgotten.get(opId >>> SEQ_BITS);
    return seq != null && (opId & SEQ_MASK) <= seq ? FOLDED : -1;
  }

  private Entry entry(long version) {
    if (version <= floor || version > contiguousVersion()) {
      throw new IllegalArgumentException("version " + version + " is not retained (retained v" + (floor + 1) + " to v"
          + contiguousVersion() + ")");
    }
    return log.get(first + (int) (version - floor - 1));
  }

  /** The record of a retained version. */
  public MutationRecord at(long version) {
    return entry(version).record();
  }

  /** What retained version {@code v} did to the file's bytes (from its record and its predecessor's size). */
  public Effect effect(long v) {
    return entry(v).effect();
  }

  private static Effect effectOf(MutationRecord m, long sizeBefore) {
    return switch (m.getKind()) {
      case CREATE -> new Effect(0, Long.MAX_VALUE, true, 0);
      case WRITE, MMAP_STORE, DIRECT_WRITE -> new Effect(m.getOffset(), m.getOffset() + m.getLength(), false, m.getOpId());
      case PUNCH_HOLE -> new Effect(m.getOffset(), m.getOffset() + m.getLength(), true, 0);
      case TRUNCATE -> {
        long after = m.getOffset();
        yield new Effect(Math.min(sizeBefore, after), after < sizeBefore ? Long.MAX_VALUE : after, true, 0);
      }
      default -> null;
    };
  }

  /** The newest retained version applied at or before {@code nanos} (storage clock), at least the floor (and 1). */
  public long versionAt(long nanos) {
    int lo = first;
    int hi = log.size() - 1;
    int found = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (log.get(mid).record().getAtNanos() <= nanos) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found >= 0 ? floor + (found - first) + 1 : Math.max(1, floor);
  }

  /**
   * What [start, end) held at {@code version} (at least the floor; a version past the newest is
   * the newest): the image's spans there, with every later version undone.
   */
  public List<Span> contents(long version, long start, long end) {
    if (version < floor) {
      throw new IllegalArgumentException("version " + version + " is no longer retained (the oldest is v" + floor + ")");
    }
    TreeMap<Long, Span> out = new TreeMap<>();
    copy(image, start, end, out);
    for (long v = contiguousVersion(); v > version; v--) {
      Entry en = entry(v);
      Effect e = en.effect();
      if (e == null || e.start() >= end || e.end() <= start) {
        continue;
      }
      long a = Math.max(start, e.start());
      long b = Math.min(end, e.end());
      splitIn(out, a);
      splitIn(out, b);
      out.subMap(a, true, b, false).clear();
      for (Span s : en.before()) {
        if (s.start() < b && s.end() > a) {
          Span c = new Span(Math.max(a, s.start()), Math.min(b, s.end()), s.zero(), s.opId());
          out.put(c.start(), c);
        }
      }
    }
    return new ArrayList<>(out.values());
  }

  /** Spans of {@code from} over [start, end), clipped, into {@code to}. */
  private static void copy(TreeMap<Long, Span> from, long start, long end, TreeMap<Long, Span> to) {
    Long k = from.floorKey(start);
    for (Span s : from.tailMap(k, true).values()) {
      if (s.start() >= end) {
        break;
      }
      Span c = new Span(Math.max(start, s.start()), Math.min(end, s.end()), s.zero(), s.opId());
      to.put(c.start(), c);
    }
  }

  /**
   * Forgets every version up to {@code version} (bounded by the contiguous version): contents at
   * versions below it can no longer be rebuilt. Returns the versions forgotten.
   */
  public long compactTo(long version) {
    long target = Math.min(version, contiguousVersion());
    long n = 0;
    while (floor < target) {
      Entry en = log.get(first);
      MutationRecord m = en.record();
      for (Span s : en.before()) {
        ref(s.opId(), -1);
      }
      if (m.getOpId() != 0) {
        forgotten.merge(m.getOpId() >>> SEQ_BITS, m.getOpId() & SEQ_MASK, Math::max);
        long[] o = ops.get(m.getOpId());
        if (o != null && o[1] <= 0) {
          ops.remove(m.getOpId());
        }
      }
      floorSizeAfter = m.getSizeAfter();
      floorAtNanos = m.getAtNanos();
      log.set(first, null);
      first++;
      floor++;
      n++;
    }
    if (first > 1024 && first > log.size() / 2) {
      log.subList(0, first).clear();
      first = 0;
    }
    return n;
  }

  /** Counts a reference to op's cells; an op no longer referenced nor retained is forgotten. */
  private void ref(long op, int delta) {
    if (op == 0) {
      return;
    }
    long[] o = ops.get(op);
    if (o == null) {
      return;
    }
    o[1] += delta;
    if (o[1] <= 0 && o[0] <= floor) {
      ops.remove(op);
    }
  }

  /** Makes {@code at} a span boundary of the image (a split span is one more reference to its op). */
  private void split(long at) {
    if (splitIn(image, at)) {
      ref(image.get(at).opId(), 1);
    }
  }

  private static boolean splitIn(TreeMap<Long, Span> spans, long at) {
    if (at == Long.MAX_VALUE) {
      return false;
    }
    Map.Entry<Long, Span> f = spans.floorEntry(at);
    if (f == null) {
      return false;
    }
    Span sp = f.getValue();
    if (sp.start() < at && at < sp.end()) {
      spans.put(sp.start(), new Span(sp.start(), at, sp.zero(), sp.opId()));
      spans.put(at, new Span(at, sp.end(), sp.zero(), sp.opId()));
      return true;
    }
    return false;
  }

  /** Spans of the newest image (for tests and diagnostics). */
  int imageSpans() {
    return image.size();
  }
}
