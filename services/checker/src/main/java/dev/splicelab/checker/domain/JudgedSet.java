package dev.splicelab.checker.domain;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The transfer ids a cell has judged, in memory that grows with the transfers judged out of
 * order, not with all of them. The senders (model and kernel) name transfers
 * {@code RUN/CELL/CONNECTION/SEQUENCE} with the sequence increasing per connection, so each
 * connection keeps a floor (every sequence below it is judged) and the few judged above it; a
 * sequence that never becomes a transfer (a splice that accepted nothing) would hold the floor
 * back, so the floor skips ahead once more than {@value #AHEAD_LIMIT} are waiting above it. Other
 * ids are kept as they are. Not thread-safe.
 */
final class JudgedSet {

  static final int AHEAD_LIMIT = 1 << 16;

  private static final class Connection {
    long floor;
    final Set<Long> ahead = new HashSet<>();
  }

  private final Map<String, Connection> connections = new HashMap<>();
  private final Set<String> others = new HashSet<>();

  boolean contains(String id) {
    int cut = id.lastIndexOf('/');
    long seq = cut > 0 ? sequence(id, cut) : -1;
    if (seq < 0) {
      return others.contains(id);
    }
    Connection c = connections.get(id.substring(0, cut));
    return c != null && (seq < c.floor || c.ahead.contains(seq));
  }

  void add(String id) {
    int cut = id.lastIndexOf('/');
    long seq = cut > 0 ? sequence(id, cut) : -1;
    if (seq < 0) {
      others.add(id);
      return;
    }
    Connection c = connections.computeIfAbsent(id.substring(0, cut), k -> new Connection());
    if (seq < c.floor) {
      return;
    }
    c.ahead.add(seq);
    while (c.ahead.remove(c.floor)) {
      c.floor++;
    }
    if (c.ahead.size() > AHEAD_LIMIT) {
      c.floor = c.ahead.stream().mapToLong(Long::longValue).min().orElse(c.floor);
      while (c.ahead.remove(c.floor)) {
        c.floor++;
      }
    }
  }

  /** Ids remembered individually (for tests). */
  int size() {
    int n = others.size();
    for (Connection c : connections.values()) {
      n += c.ahead.size();
    }
    return n;
  }

  private static long sequence(String id, int cut) {
    long v = 0;
    if (cut + 1 >= id.length() || id.length() - cut > 19) {
      return -1;
    }
    for (int i = cut + 1; i < id.length(); i++) {
      char ch = id.charAt(i);
      if (ch < '0' || ch > '9') {
        return -1;
      }
      v = v * 10 + (ch - '0');
    }
    return v;
  }
}
