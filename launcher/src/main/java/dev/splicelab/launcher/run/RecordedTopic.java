package dev.splicelab.launcher.run;

import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.ToLongFunction;
import java.util.function.UnaryOperator;

/**
 * One recorded topic ({@code events/TOPIC.pb}), read ahead in time order on a thread of its own.
 *
 * <p>The recorder copied each topic's partitions as the consumer fetched them, in chunks that jump
 * back and forth in time by seconds; a buffer of {@link #REORDER} records puts a record displaced
 * by fewer than that back in time order (within one time, file order), so each file's records
 * reach the verifier as the live checker saw them. Parsing, the {@code remap} (a pure function,
 * called on the reading thread) and the reordering run on that thread, so the consumer's thread
 * only judges: on two cores the two overlap.
 *
 * <p>Threading: {@link #head}, {@link #time} and {@link #take} belong to one consumer thread. A
 * read error or a record the parser rejects surfaces there, from {@link #take}, as an
 * UncheckedIOException naming the file. {@link #close} stops the reading thread.
 */
final class RecordedTopic<T extends MessageLite> implements AutoCloseable {

  static final int REORDER = 50_000;
  private static final int BATCH = 2_048;

  private record Item<T>(long time, long seq, T record) {}

  private final Path file;
  private final InputStream in;
  private final BlockingQueue<Object> batches = new ArrayBlockingQueue<>(4); // List<Item<T>>, or a Throwable at the end
  private final Thread reader;
  private List<Item<T>> batch = List.of();
  private int at;
  private boolean done;
  private long time;

  /**
   * @param timeOf a record's time (ns), by which the topic is ordered
   * @param remap applied to every record on the reading thread before it is ordered
   */
  RecordedTopic(Path runDir, String topic, Parser<T> parser, ToLongFunction<T> timeOf, UnaryOperator<T> remap)
      throws IOException {
    this.file = runDir.resolve("events").resolve(topic + ".pb");
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(runDir + ": no recorded history (" + file.getFileName() + " is missing); "
          + "only runs made by this version of the testbed can be re-checked");
    }
    this.in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
    this.reader = new Thread(() -> read(parser, timeOf, remap), "recheck-" + topic);
    reader.setDaemon(true);
    reader.start();
    advance();
  }

  private void read(Parser<T> parser, ToLongFunction<T> timeOf, UnaryOperator<T> remap) {
    PriorityQueue<Item<T>> ahead = new PriorityQueue<>(
        Comparator.<Item<T>>comparingLong(Item::time).thenComparingLong(Item::seq));
    long seq = 0;
    List<Item<T>> out = new ArrayList<>(BATCH);
    try {
      while (true) {
        T r = parser.parseDelimitedFrom(in);
        if (r == null) {
          break;
        }
        r = remap.apply(r);
        ahead.add(new Item<>(timeOf.applyAsLong(r), seq++, r));
        if (ahead.size() > REORDER) {
          out = emit(out, ahead.poll());
        }
      }
      while (!ahead.isEmpty()) {
        out = emit(out, ahead.poll());
      }
      if (!out.isEmpty()) {
        batches.put(out);
      }
      batches.put(new EndOfTopic());
    } catch (InterruptedException e) {
      // closed
    } catch (IOException | RuntimeException e) {
      try {
        batches.put(new UncheckedIOException("reading " + file + " failed: " + e.getMessage(),
            e instanceof IOException io ? io : new IOException(e)));
      } catch (InterruptedException closed) {
        // closed
      }
    }
  }

  private List<Item<T>> emit(List<Item<T>> out, Item<T> item) throws InterruptedException {
    out.add(item);
    if (out.size() < BATCH) {
      return out;
    }
    batches.put(out);
    return new ArrayList<>(BATCH);
  }

  /** The next record in time order, or null at the end of the topic. */
  T head() {
    return done ? null : batch.get(at).record();
  }

  /** The head's time (ns); never goes back within one topic. */
  long time() {
    return time;
  }

  /** Returns the head and moves to the next record. */
  T take() {
    T r = head();
    at++;
    advance();
    return r;
  }

  @SuppressWarnings("unchecked")
  private void advance() {
    while (!done && at >= batch.size()) {
      Object next;
      try {
        next = batches.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted reading " + file, e);
      }
      if (next instanceof EndOfTopic) {
        done = true;
      } else if (next instanceof UncheckedIOException e) {
        done = true;
        throw e;
      } else {
        batch = (List<Item<T>>) next;
        at = 0;
      }
    }
    if (!done) {
      time = Math.max(time, batch.get(at).time());
    }
  }

  private static final class EndOfTopic {}

  @Override
  public void close() {
    reader.interrupt();
    try {
      in.close();
    } catch (IOException e) {
      // read-only
    }
  }
}
