package dev.splicelab.launcher.run;

import com.google.protobuf.MessageLite;
import dev.splicelab.checker.domain.Verifier;
import dev.splicelab.proto.CellSummary;
import dev.splicelab.proto.DeliveryRecord;
import dev.splicelab.proto.MutationRecord;
import dev.splicelab.proto.SpliceRecord;
import dev.splicelab.proto.Topics;
import dev.splicelab.proto.Transmission;
import dev.splicelab.proto.TransmissionRecord;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Re-judges a finished run from its recorded history alone, with the checker's own verifier, and
 * returns the verdict counts per cell and model ("VERDICT/CLASS" -> n). The four recorded topics
 * are read together, merged by record time (as they reached the live checker, roughly), so the
 * verifier holds only what is in flight at any moment: memory stays flat however long the history.
 */
public final class Recheck {

  /** Records fed, and the verifier's peak footprint: transfers held and mutation records retained. */
  public record Stats(long records, long peakTransfers, long peakRetained) {}

  private Recheck() {}

  public static Map<Integer, Map<String, Map<String, Long>>> run(Path runDir, String runId) throws IOException {
    return run(runDir, runId, new long[4]);
  }

  /** As {@link #run(Path, String)}; {@code stats} receives {records, peak transfers, peak retained records, transfers judged in every cell, the
   * warm-up's included}. */
  public static Map<Integer, Map<String, Map<String, Long>>> run(Path runDir, String runId, long[] stats) throws IOException {
    return run(runDir, runId, stats, 1, n -> { });
  }

  /**
   * As {@link #run(Path, String, long[])}, with the history fed {@code copies} times end to end: copy
   * i is the recorded history with its run, file, op, pipe, folio and transfer ids moved to a range of
   * their own and its times moved past copy i-1, so it is judged as new transfers on new files and
   * every count comes out exactly {@code copies} times the recorded one. This is how a short run
   * becomes a history of a million transfers for the checker's scale test: the verifier cannot
   * tell a copy from a longer run. {@code progress} is told the records fed so far, every 2^18.
   */
  public static Map<Integer, Map<String, Map<String, Long>>> run(Path runDir, String runId, long[] stats, int copies,
      java.util.function.LongConsumer progress) throws IOException {
    if (copies < 1 || copies > 100_000) {
      throw new IllegalArgumentException("--repeat: must be between 1 and 100000, got " + copies);
    }
    Verifier verifier = new Verifier(j -> { });
    TreeSet<Integer> cells = new TreeSet<>();
    Copy copy = new Copy();
    Map<Integer, Map<String, Map<String, Long>>> out = new TreeMap<>();
    long n = 0;
    for (int i = 0; i < copies; i++) {
      copy.next(i);
      // copy 0 is fed as recorded and measures the id ranges here; copy i > 0 is moved on each
      // topic's reading thread (Copy's shifts are fixed before the threads start)
      boolean measure = i == 0;
      List<Feed<?>> feeds = new ArrayList<>();
      try {
        feeds.add(new Feed<>(new RecordedTopic<>(runDir, Topics.MUTATIONS, MutationRecord.parser(),
            MutationRecord::getAtNanos, measure ? r -> r : copy::mutation),
            r -> verifier.onMutation(measure ? copy.mutation(r) : r)));
        feeds.add(new Feed<>(new RecordedTopic<>(runDir, Topics.SPLICES, SpliceRecord.parser(),
            SpliceRecord::getAtNanos, measure ? r -> r : copy::splice), r -> {
          cells.add(r.getContext().getCell());
          verifier.onSplice(measure ? copy.splice(r) : r);
        }));
        feeds.add(new Feed<>(new RecordedTopic<>(runDir, Topics.TRANSMISSIONS, TransmissionRecord.parser(),
            Recheck::lastRead, measure ? r -> r : copy::transmission),
            r -> verifier.onTransmission(measure ? copy.transmission(r) : r)));
        feeds.add(new Feed<>(new RecordedTopic<>(runDir, Topics.DELIVERIES, DeliveryRecord.parser(),
            DeliveryRecord::getAtNanos, measure ? r -> r : copy::delivery),
            r -> verifier.onDelivery(measure ? copy.delivery(r) : r)));
        while (true) {
          Feed<?> next = null;
          for (Feed<?> f : feeds) {
            if (f.topic.head() != null && (next == null || f.topic.time() < next.topic.time())) {
              next = f;
            }
          }
          if (next == null) {
            break;
          }
          next.feed();
          if ((++n & 0xFFF) == 0) {
            long[] f = verifier.footprint();
            stats[1] = Math.max(stats[1], f[0]);
            stats[2] = Math.max(stats[2], f[1]);
            if ((n & 0x3FFFF) == 0) {
              progress.accept(n);
            }
          }
        }
      } finally {
        for (Feed<?> f : feeds) {
          f.topic.close();
        }
      }
      finalizeCopy(verifier, copy.runId(runId), cells, stats, out);
    }
    stats[0] = n;
    return out;
  }

  /**
   * Finalizes copy {@code copy}'s cells (its records are all in), adding their counts to {@code
   * out} by cell; the warm-up (cell -1) is judged and counted in stats[3], never reported.
   */
  private static void finalizeCopy(Verifier verifier, String runId, TreeSet<Integer> cells, long[] stats,
      Map<Integer, Map<String, Map<String, Long>>> out) {
    for (int cell : cells) {
      CellSummary s = verifier.finalizeCell(runId, cell, 0);
      if (stats.length > 3) {
        stats[3] += s.getVerdicts();
      }
      if (cell < 0) {
        continue;
      }
      Map<String, Map<String, Long>> m = out.computeIfAbsent(cell, k -> new LinkedHashMap<>());
      add(m, "SNAPSHOT", s.getSnapshotMap());
      add(m, "WINDOW", s.getWindowMap());
      add(m, "INTEGRITY", s.getIntegrityMap());
    }
  }

  private static void add(Map<String, Map<String, Long>> m, String model, Map<String, Long> counts) {
    Map<String, Long> into = m.computeIfAbsent(model, k -> new TreeMap<>());
    counts.forEach((k, v) -> into.merge(k, v, Long::sum));
  }

  /** A transmission record's time: its last DMA (it was published after that). */
  private static long lastRead(TransmissionRecord r) {
    long t = 0;
    for (Transmission x : r.getTransmissionsList()) {
      t = Math.max(t, x.getDmaReadNanos());
    }
    return t;
  }

  /**
   * Moves one copy of the history into id and time ranges of its own. Copy 0 is the history as
   * recorded (and measures the ranges); copy i adds i times each range's stride. Threading: copy 0
 * measures on the judging thread only; the moves of copy i > 0, on the topics' reading threads,
 * read only the shifts, fixed before that copy's threads start.
   */
  private static final class Copy {
    long index;
    int maxFile;
    long maxOp;
    long maxPipe;
    long maxFolio;
    long firstNanos = Long.MAX_VALUE;
    long lastNanos;
    int fileShift;
    long opShift;
    long pipeShift;
    long folioShift;
    long timeShift;
    String suffix;

    void next(int i) {
      index = i;
      fileShift = Math.multiplyExact(i, maxFile + 1);
      opShift = i * (maxOp + 1);
      pipeShift = i * (maxPipe + 1);
      folioShift = i * (maxFolio + 1);
      timeShift = i == 0 ? 0 : i * (lastNanos - firstNanos + 60_000_000_000L);
      suffix = "~" + i;
    }

    /** Copy i's run id: its cells are cells of their own, finalized when the copy has been fed. */
    String runId(String recorded) {
      return index == 0 ? recorded : recorded + suffix;
    }

    private dev.splicelab.proto.RunContext context(dev.splicelab.proto.RunContext c) {
      return c.toBuilder().setRunId(runId(c.getRunId())).build();
    }

    private long at(long nanos) {
      if (index == 0) {
        if (nanos > 0) {
          firstNanos = Math.min(firstNanos, nanos);
          lastNanos = Math.max(lastNanos, nanos);
        }
        return nanos;
      }
      return nanos == 0 ? 0 : nanos + timeShift;
    }

    private long op(long op) {
      if (index == 0) {
        maxOp = Math.max(maxOp, op);
        return op;
      }
      return op == 0 ? 0 : op + opShift;
    }

    private int file(int file) {
      if (index == 0) {
        maxFile = Math.max(maxFile, file);
        return file;
      }
      return file + fileShift;
    }

    MutationRecord mutation(MutationRecord r) {
      if (index == 0) {
        file(r.getFileId());
        op(r.getOpId());
        at(r.getAtNanos());
        return r;
      }
      return r.toBuilder().setContext(context(r.getContext())).setFileId(file(r.getFileId())).setOpId(op(r.getOpId()))
          .setAtNanos(at(r.getAtNanos())).build();
    }

    SpliceRecord splice(SpliceRecord r) {
      if (index == 0) {
        file(r.getFileId());
        at(r.getAtNanos());
        maxPipe = Math.max(maxPipe, r.getPipeId());
        for (long f : r.getFolioIdsList()) {
          maxFolio = Math.max(maxFolio, f);
        }
        return r;
      }
      SpliceRecord.Builder b = r.toBuilder().setContext(context(r.getContext())).setTransferId(r.getTransferId() + suffix)
          .setFileId(file(r.getFileId()))
          .setPipeId(r.getPipeId() + pipeShift).setAtNanos(at(r.getAtNanos()));
      for (int k = 0; k < b.getFolioIdsCount(); k++) {
        b.setFolioIds(k, b.getFolioIds(k) + folioShift);
      }
      return b.build();
    }

    TransmissionRecord transmission(TransmissionRecord r) {
      if (index == 0) {
        file(r.getFileId());
        return r;
      }
      TransmissionRecord.Builder b = r.toBuilder().setContext(context(r.getContext()))
          .setTransferId(r.getTransferId() + suffix).setFileId(file(r.getFileId()));
      for (Transmission.Builder t : b.getTransmissionsBuilderList()) {
        t.setCsumReadNanos(at(t.getCsumReadNanos())).setDmaReadNanos(at(t.getDmaReadNanos()));
      }
      return b.build();
    }

    DeliveryRecord delivery(DeliveryRecord r) {
      if (index == 0) {
        file(r.getFileId());
        at(r.getAtNanos());
        r.getRunsList().forEach(run -> op(run.getOpId()));
        return r;
      }
      DeliveryRecord.Builder b = r.toBuilder().setContext(context(r.getContext())).setTransferId(r.getTransferId() + suffix)
          .setFileId(file(r.getFileId()))
          .setAtNanos(at(r.getAtNanos()));
      for (dev.splicelab.proto.CellRun.Builder run : b.getRunsBuilderList()) {
        run.setOpId(op(run.getOpId()));
      }
      return b.build();
    }
  }

  /** A topic and what its records go to, on the judging thread. */
  private record Feed<T extends MessageLite>(RecordedTopic<T> topic, Consumer<T> sink) {
    void feed() {
      sink.accept(topic.take());
    }
  }
}
