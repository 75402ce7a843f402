package dev.splicelab.launcher.kernelrun;

import com.sun.jna.Pointer;
import dev.splicelab.common.cells.CellCodec;
import dev.splicelab.kernel.sys.Sys;
import dev.splicelab.launcher.scenario.Scenario;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The concurrent writers of a kernel cell, drawn exactly as the mutator service draws them
 * (MutationEngine): per writer a SplittableRandom seeded from the run's seed and the writer
 * number, Poisson arrivals at its share of the rate, the kind from the mix, then the application
 * draw, then the range; op ids are writer << 40 | sequence and are encoded in the cells written.
 * The same seed therefore gives the same sequence of mutations as the model (as far as real
 * concurrency allows). The completion contract does not apply on the kernel (its draw is kept so
 * the sequence stays the same). A failing syscall stops the writer and is reported to
 * {@code onFailure}.
 */
final class Writers {

  private static final long BLOCK = 4096;
  static final List<String> KINDS =
      List.of("WRITE", "MMAP_STORE", "PUNCH_PARTIAL", "PUNCH_WHOLE", "TRUNCATE_EXTEND", "DIRECT_WRITE");

  private final Scenario.MutationSpec m;
  private final KernelFile file;
  private final long seed;
  private final long size;
  private final Consumer<Throwable> onFailure;
  private final List<Thread> threads = new ArrayList<>();
  private final AtomicLong mutations = new AtomicLong();
  private final Map<String, AtomicLong> byKind = new ConcurrentHashMap<>();
  private volatile boolean running = true;

  Writers(Scenario.MutationSpec m, KernelFile file, long seed, Consumer<Throwable> onFailure) {
    this.m = m;
    this.file = file;
    this.seed = seed;
    this.size = file.size();
    this.onFailure = onFailure;
  }

  /** The writers' nice value (SPLICELAB_DATA_PATH_NICE). */
  private static final int NICE = dev.splicelab.common.time.Realtime.dataPathNiceFromEnvironment();

  /** What the writers run under (the last one's outcome), for the cell's record; empty before they start. */
  private volatile String scheduling = "";

  String scheduling() {
    return scheduling;
  }

  /** Starts the writers; a workload with no rate (mutations off, for load tests) starts none. */
  void start() {
    if (m.ratePerSecond() <= 0) {
      return;
    }
    for (int i = 0; i < m.writers(); i++) {
      int writer = i + 1;
      // data-path threads, as the mutator's writers are (dev.splicelab.common.time.Realtime)
      Thread t = new Thread(() -> {
        scheduling = dev.splicelab.common.time.Realtime.niceCurrentThread(NICE).description();
        loop(writer);
      }, "kernel-writer-" + writer);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
  }

  /** Stops issuing and waits for the writers (each finishes its current syscall); true when all stopped. */
  boolean stop(long timeoutMs) {
    running = false;
    for (Thread t : threads) {
      try {
        t.join(timeoutMs);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return threads.stream().noneMatch(Thread::isAlive);
  }

  long mutations() {
    return mutations.get();
  }

  Map<String, Long> byKind() {
    Map<String, Long> out = new TreeMap<>();
    byKind.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  private void loop(int writer) {
    SplittableRandom random = new SplittableRandom(seed * 0xBF58476D1CE4E5B9L + writer);
    double meanGapMicros = 1e6 * m.writers() / m.ratePerSecond();
    long bufLen = (Math.max(m.maxWriteBytes(), BLOCK) + Sys.PAGE - 1) / Sys.PAGE * Sys.PAGE;
    // page-aligned anonymous memory: the source of pwrite and of O_DIRECT writes
    Pointer buf = Sys.mmap(null, bufLen, Sys.PROT_READ | Sys.PROT_WRITE, Sys.MAP_PRIVATE | Sys.MAP_ANONYMOUS, 0);
    try {
      long seq = 0;
      long due = System.nanoTime();
      while (running) {
        due += (long) (-Math.log(1 - random.nextDouble()) * meanGapMicros * 1000);
        long wait = due - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
        if (!running) {
          break;
        }
        long opId = ((long) writer << 40) | ++seq;
        String kind = pick(random);
        random.nextDouble(); // the application-writer draw of the mutator (no completion contract here)
        apply(kind, opId, random, buf);
        byKind.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
        mutations.incrementAndGet();
      }
    } catch (Throwable e) {
      onFailure.accept(e);
    } finally {
      Sys.munmap(buf, bufLen);
    }
  }

  private String pick(SplittableRandom random) {
    Scenario.Mix x = m.mix();
    double[] weights = {x.write(), x.mmapStore(), x.punchPartial(), x.punchWhole(), x.truncateExtend(), x.directWrite()};
    double total = 0;
    for (double w : weights) {
      total += w;
    }
    double d = random.nextDouble() * total;
    for (int i = 0; i < weights.length; i++) {
      d -= weights[i];
      if (d < 0) {
        return KINDS.get(i);
      }
    }
    return KINDS.get(0);
  }

  /** A start offset, aligned to {@code align}, leaving room for {@code length} bytes. */
  private long offset(SplittableRandom random, long length, long align) {
    long span = size - length;
    if (m.hotProbability() > 0 && random.nextDouble() < m.hotProbability()) {
      span = Math.max(0, Math.min(span, (long) (size * m.hotFractionOfFile()) - length));
    }
    return align * random.nextLong(span / align + 1);
  }

  private long length(SplittableRandom random, long align) {
    long min = Math.max(align, m.minWriteBytes() / align * align);
    long max = Math.max(min, m.maxWriteBytes() / align * align);
    return min + align * random.nextLong((max - min) / align + 1);
  }

  private void apply(String kind, long opId, SplittableRandom random, Pointer buf) {
    int fileId = file.fileId();
    switch (kind) {
      case "WRITE", "MMAP_STORE", "DIRECT_WRITE" -> {
        long align = kind.equals("DIRECT_WRITE") ? BLOCK : CellCodec.CELL;
        long len = length(random, align);
        long off = offset(random, len, align);
        byte[] data = CellCodec.fill(fileId, opId, off, (int) len);
        switch (kind) {
          case "WRITE" -> {
            buf.write(0, data, 0, data.length);
            file.write(opId, off, buf, len);
          }
          case "MMAP_STORE" -> file.mmapStore(opId, off, data);
          default -> {
            buf.write(0, data, 0, data.length);
            file.directWrite(opId, off, buf, len);
          }
        }
      }
      case "PUNCH_PARTIAL" -> {
        long block = m.punchBlockBytes();
        long base = offset(random, block, block);
        long cells = block / CellCodec.CELL;
        long len = CellCodec.CELL * (1 + random.nextLong(Math.max(1, cells - 1)));
        long off = base + CellCodec.CELL * random.nextLong((block - len) / CellCodec.CELL + 1);
        file.punchHole(opId, off, len);
      }
      case "PUNCH_WHOLE" -> {
        long block = m.punchBlockBytes();
        file.punchHole(opId, offset(random, block, block), block);
      }
      case "TRUNCATE_EXTEND" -> {
        long newSize = CellCodec.CELL * (size / 2 / CellCodec.CELL + random.nextLong(size / 2 / CellCodec.CELL));
        file.truncateExtend(opId, newSize);
      }
      default -> throw new IllegalStateException("unknown mutation kind " + kind);
    }
  }
}
