package dev.splicelab.launcher.run;

import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import dev.splicelab.checker.domain.Verifier;
import dev.splicelab.proto.CellSummary;
import dev.splicelab.proto.DeliveryRecord;
import dev.splicelab.proto.MutationRecord;
import dev.splicelab.proto.SpliceRecord;
import dev.splicelab.proto.Topics;
import dev.splicelab.proto.Transmission;
import dev.splicelab.proto.TransmissionRecord;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;

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
    return run(runDir, runId, new long[3]);
  }

  /** As {@link #run(Path, String)}; {@code stats} receives {records, peak transfers, peak retained records}. */
  public static Map<Integer, Map<String, Map<String, Long>>> run(Path runDir, String runId, long[] stats) throws IOException {
    Verifier verifier = new Verifier(j -> { });
    TreeSet<Integer> cells = new TreeSet<>();
    List<Stream<?>> streams = new ArrayList<>();
    try {
      streams.add(new Stream<>(runDir, Topics.MUTATIONS, MutationRecord.parser(), MutationRecord::getAtNanos,
          verifier::onMutation));
      streams.add(new Stream<>(runDir, Topics.SPLICES, SpliceRecord.parser(), SpliceRecord::getAtNanos, r -> {
        cells.add(r.getContext().getCell());
        verifier.onSplice(r);
      }));
      streams.add(new Stream<>(runDir, Topics.TRANSMISSIONS, TransmissionRecord.parser(), Recheck::lastRead,
          verifier::onTransmission));
      streams.add(new Stream<>(runDir, Topics.DELIVERIES, DeliveryRecord.parser(), DeliveryRecord::getAtNanos,
          verifier::onDelivery));
      long n = 0;
      while (true) {
        Stream<?> next = null;
        for (Stream<?> s : streams) {
          if (s.head != null && (next == null || s.time < next.time)) {
            next = s;
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
        }
      }
      stats[0] = n;
    } finally {
      for (Stream<?> s : streams) {
        s.close();
      }
    }
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

  /** A transmission record's time: its last DMA (it was published after that). */
  private static long lastRead(TransmissionRecord r) {
    long t = 0;
    for (Transmission x : r.getTransmissionsList()) {
      t = Math.max(t, x.getDmaReadNanos());
    }
    return t;
  }

  /** One recorded topic, read one record ahead. */
  private static final class Stream<T extends MessageLite> implements AutoCloseable {
    final InputStream in;
    final Parser<T> parser;
    final ToLongFunction<T> timeOf;
    final Consumer<T> sink;
    final Path file;
    T head;
    long time;

    Stream(Path runDir, String topic, Parser<T> parser, ToLongFunction<T> timeOf, Consumer<T> sink) throws IOException {
      this.file = runDir.resolve("events").resolve(topic + ".pb");
      if (!Files.isRegularFile(file)) {
        throw new IllegalArgumentException(runDir + ": no recorded history (" + file.getFileName() + " is missing); "
            + "only runs made by this version of the testbed can be re-checked");
      }
      this.in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
      this.parser = parser;
      this.timeOf = timeOf;
      this.sink = sink;
      advance();
    }

    private void advance() {
      try {
        head = parser.parseDelimitedFrom(in);
      } catch (IOException e) {
        throw new UncheckedIOException("reading " + file + " failed: " + e.getMessage(), e);
      }
      if (head != null) {
        time = Math.max(time, timeOf.applyAsLong(head)); // never back in time within one topic
      }
    }

    void feed() {
      T r = head;
      advance();
      sink.accept(r);
    }

    @Override
    public void close() {
      try {
        in.close();
      } catch (IOException e) {
        // read-only
      }
    }
  }
}
