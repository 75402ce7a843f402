package dev.splicelab.checker.domain;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Where a restarted checker resumes reading the history, instead of offset 0: per partition, the
 * first offset of the oldest cell still live (not finalized), or the reader's position when no
 * live cell has records there. The reader commits it to Kafka under the checker's consumer group,
 * with the keys of the cells finalized most recently in the commit's metadata. Resuming there
 * re-reads every record a live cell needs (a cell's files are created in the cell, so its history
 * starts in it) and ignores the records of cells already finalized. A cell that no record reached
 * for {@link #STALE_MILLIS} (its run was abandoned) stops holding the position back.
 *
 * <p>Thread-safety: the reader's thread only.
 */
final class ResumePosition {

  /** How often the reader commits. */
  static final long COMMIT_EVERY_MILLIS = 5_000;
  static final long STALE_MILLIS = 600_000;
  /** Finalized cells named in the metadata (Kafka keeps 4096 characters of it by default). */
  static final int METADATA_CELLS = 40;

  private final Map<String, Map<TopicPartition, Long>> starts = new HashMap<>();
  private final Map<String, Long> lastSeen = new HashMap<>();

  /** A record of {@code cell} was read at {@code offset} of {@code tp}. */
  void seen(String cell, TopicPartition tp, long offset, long nowMillis) {
    starts.computeIfAbsent(cell, k -> new HashMap<>()).putIfAbsent(tp, offset);
    lastSeen.put(cell, nowMillis);
  }

  /** Live cells tracked (for tests and logs). */
  int liveCells() {
    return starts.size();
  }

  /**
   * The offsets to commit for the reader's current {@code positions}, given the cells the verifier
   * has finalized (oldest first). Forgets finalized and stale cells.
   */
  Map<TopicPartition, OffsetAndMetadata> commit(Map<TopicPartition, Long> positions, List<String> finalized,
      long nowMillis) {
    Set<String> done = new HashSet<>(finalized);
    starts.keySet().removeIf(k -> done.contains(k) || nowMillis - lastSeen.get(k) > STALE_MILLIS);
    lastSeen.keySet().retainAll(starts.keySet());
    StringBuilder meta = new StringBuilder();
    for (String k : finalized.subList(Math.max(0, finalized.size() - METADATA_CELLS), finalized.size())) {
      if (meta.length() + k.length() + 1 < 4000) {
        meta.append(meta.length() == 0 ? "" : ",").append(k);
      }
    }
    Map<TopicPartition, OffsetAndMetadata> out = new LinkedHashMap<>();
    for (Map.Entry<TopicPartition, Long> p : positions.entrySet()) {
      long at = p.getValue();
      for (Map<TopicPartition, Long> s : starts.values()) {
        Long first = s.get(p.getKey());
        if (first != null) {
          at = Math.min(at, first);
        }
      }
      out.put(p.getKey(), new OffsetAndMetadata(at, meta.toString()));
    }
    return out;
  }

  /** The finalized cells named in committed offsets' metadata (union over partitions). */
  static List<String> finalizedIn(Map<TopicPartition, OffsetAndMetadata> committed) {
    Set<String> out = new java.util.LinkedHashSet<>();
    for (OffsetAndMetadata o : committed.values()) {
      if (o != null && o.metadata() != null && !o.metadata().isEmpty()) {
        out.addAll(List.of(o.metadata().split(",")));
      }
    }
    return new ArrayList<>(out);
  }
}
