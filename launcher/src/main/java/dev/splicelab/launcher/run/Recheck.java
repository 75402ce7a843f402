package dev.splicelab.launcher.run;

import dev.splicelab.checker.domain.Verifier;
import dev.splicelab.proto.CellSummary;
import dev.splicelab.proto.DeliveryRecord;
import dev.splicelab.proto.MutationRecord;
import dev.splicelab.proto.SegmentRecord;
import dev.splicelab.proto.SpliceRecord;
import dev.splicelab.proto.Topics;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Re-judges a finished run from its recorded history alone, with the checker's own verifier, and
 * returns the verdict counts per cell and model ("VERDICT/CLASS" -> n).
 */
public final class Recheck {

  private Recheck() {}

  public static Map<Integer, Map<String, Map<String, Long>>> run(Path runDir, String runId) throws IOException {
    Verifier verifier = new Verifier(j -> { });
    TreeSet<Integer> cells = new TreeSet<>();
    HistoryRecorder.replay(runDir, Topics.MUTATIONS, MutationRecord.parser(), verifier::onMutation);
    HistoryRecorder.replay(runDir, Topics.SPLICES, SpliceRecord.parser(), r -> {
      cells.add(r.getContext().getCell());
      verifier.onSplice(r);
    });
    HistoryRecorder.replay(runDir, Topics.SEGMENTS, SegmentRecord.parser(), verifier::onSegment);
    HistoryRecorder.replay(runDir, Topics.DELIVERIES, DeliveryRecord.parser(), verifier::onDelivery);
    Map<Integer, Map<String, Map<String, Long>>> out = new TreeMap<>();
    for (int cell : cells) {
      if (cell < 0) {
        continue; // the warm-up
      }
      CellSummary s = verifier.finalizeCell(runId, cell, 0);
      Map<String, Map<String, Long>> m = new LinkedHashMap<>();
      m.put("SNAPSHOT", new TreeMap<>(s.getSnapshotMap()));
      m.put("WINDOW", new TreeMap<>(s.getWindowMap()));
      m.put("INTEGRITY", new TreeMap<>(s.getIntegrityMap()));
      out.put(cell, m);
    }
    return out;
  }
}
