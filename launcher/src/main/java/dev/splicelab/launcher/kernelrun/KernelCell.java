package dev.splicelab.launcher.kernelrun;

import dev.splicelab.kernel.sys.Fd;
import dev.splicelab.kernel.sys.Sys;
import dev.splicelab.launcher.scenario.Scenario;
import dev.splicelab.proto.RunContext;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * One cell of a kernel run (one runnable strategy x one workload): a fresh real file filled with
 * cells, the scenario's writers and connections running together for the cell's duration, progress
 * once a second, then an orderly stop: writers first, then every sender finishes its transfer in
 * flight and closes its socket, and every receiver reads its stream to the end. Judging is the
 * caller's (it reads the records back from Kafka). A failed syscall anywhere stops the cell and is
 * rethrown by {@link #run}.
 */
final class KernelCell {

  /** What a cell measured on this side (verdicts come from the verifier). */
  record Stats(long transfersStarted, long shortSplices, long delivered, long deliveredBytes, long mutations,
      Map<String, Long> mutationsByKind, long bytesCopied, long peakReferencedBytes, List<Long> referencedSamples,
      Histogram latencyMicros, double activeSeconds, String foliosAfterFill, long pipeBytes, long fillWrites,
      dev.splicelab.proto.TimeFidelity fidelity, String scheduling) {}

  private final String label;
  private final int fileId;
  private final boolean progress;
  private final RunContext ctx;
  private final Scenario sc;
  private final Scenario.Workload workload;
  private final boolean share;
  private final long seed;
  private final Records records;
  private final PrintStream out;
  private KernelFile file;

  private volatile boolean issuing = true;
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private final AtomicLong started = new AtomicLong();
  private final AtomicLong shortSplices = new AtomicLong();
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong deliveredBytes = new AtomicLong();
  private final AtomicLong bytesCopied = new AtomicLong();
  private final AtomicLong referenced = new AtomicLong();
  private final AtomicLong peakReferenced = new AtomicLong();
  private final Map<String, long[]> inFlight = new ConcurrentHashMap<>();
  private final ConcurrentHistogram latency = new ConcurrentHistogram(3);
  /** Race windows: the residency the scenario implies, and splice-in to the receiver's read as measured. */
  private final dev.splicelab.common.fidelity.WindowStats windows = new dev.splicelab.common.fidelity.WindowStats();
  /** The connection threads, under SCHED_RR at SPLICELAB_REALTIME_PRIORITY where the host allows it. */
  private final dev.splicelab.common.time.TimingThreads timing = new dev.splicelab.common.time.TimingThreads(
      dev.splicelab.common.time.Realtime.priorityFromEnvironment(), "the connections' sending and receiving threads");

  /**
   * @param label prefix of every output line
   * @param fileId the file's id in the records (cells use 1, 2, ...)
   * @param progress print the file line and a progress line once a second
   */
  KernelCell(String label, int fileId, boolean progress, RunContext ctx, Scenario sc, Scenario.Workload workload, long seed,
      Records records, PrintStream out) {
    this.label = label;
    this.fileId = fileId;
    this.progress = progress;
    this.ctx = ctx;
    this.sc = sc;
    this.workload = workload;
    this.share = ctx.getStrategy() == dev.splicelab.proto.Strategy.SHARE;
    this.seed = seed;
    this.records = records;
    this.out = out;
  }

  String label() {
    return label;
  }

  // ---------------------------------------------------------------- for the connections

  KernelFile file() {
    return file;
  }

  RunContext context() {
    return ctx;
  }

  Scenario.TransferSpec transfers() {
    return sc.transfers();
  }

  boolean share() {
    return share;
  }

  long seed() {
    return seed;
  }

  Records records() {
    return records;
  }

  boolean issuing() {
    return issuing && failure.get() == null;
  }

  boolean failed() {
    return failure.get() != null;
  }

  void fail(Throwable e) {
    if (failure.compareAndSet(null, e)) {
      issuing = false;
    }
  }

  /**
   * Called by each connection thread as it starts (its residency sleep and its receiver's read
   * set the race window): SCHED_RR where the host allows it, as the model's sender threads run
   * ({@link dev.splicelab.common.time.Realtime}); the outcome is the cell's record.
   */
  void keepsTime() {
    timing.enter();
  }

  void shortSplice() {
    shortSplices.incrementAndGet();
  }

  /**
   * A transfer spliced in at {@code splicedAtNanos} (epoch) to sit {@code residencyMicros} in its
   * pipe: its race window runs until the receiver has read it (DESIGN section 8).
   */
  void started(String transferId, long length, boolean shortSplice, long splicedAtNanos, long residencyMicros) {
    started.incrementAndGet();
    if (shortSplice) {
      shortSplices.incrementAndGet();
    }
    if (share) {
      peakReferenced.accumulateAndGet(referenced.addAndGet(length), Math::max);
    } else {
      bytesCopied.addAndGet(length);
    }
    inFlight.put(transferId, new long[] {System.nanoTime(), length, splicedAtNanos, residencyMicros, 0});
  }

  /** The sending thread woke from the transfer's residency {@code lateNanos} after it was due. */
  void woke(String transferId, long lateNanos) {
    inFlight.computeIfPresent(transferId, (id, t) -> {
      t[4] = Math.max(0, lateNanos / 1000);
      return t;
    });
  }

  void delivered(String transferId, long length) {
    delivered.incrementAndGet();
    deliveredBytes.addAndGet(length);
    long[] t = inFlight.remove(transferId);
    if (t != null) {
      latency.recordValue(Math.max(1, (System.nanoTime() - t[0]) / 1000));
      windows.record(t[3], (EpochNanos.now() - t[2]) / 1000, 0, t[4], 0);
      if (share) {
        referenced.addAndGet(-t[1]);
      }
    }
  }

  // ---------------------------------------------------------------- the cell

  /**
   * Runs the cell for {@code duration} with its file in {@code dir}. Returns what this side
   * measured; throws the first failure (a SyscallException names the call and the file).
   */
  Stats run(Path dir, java.time.Duration duration, String fileName) throws InterruptedException {
    Scenario.FileSpec fs = sc.file();
    file = KernelFile.create(dir, fileName, fileId, fs.sizeBytes(), ctx, records);
    List<Connection> conns = new ArrayList<>();
    Fd listener = null;
    Writers writers = null;
    try {
      long fillWrites = file.fill(fs.fillChunkBytes());
      String folios = file.folios();
      Scenario.MutationSpec m = workload.mutations();
      if (m.mix().mmapStore() > 0) {
        file.mapShared();
      }
      if (m.mix().directWrite() > 0) {
        file.openDirect();
      }
      listener = Sys.tcpSocket("loopback listener");
      Sys.bindLoopback(listener, 0);
      Sys.listen(listener, sc.transfers().connections());
      int port = Sys.localPort(listener);
      for (int c = 0; c < sc.transfers().connections(); c++) {
        conns.add(Connection.open(c, this, listener, port));
      }
      long pipeBytes = conns.get(0).pipeBytes();
      if (progress) {
        out.printf("%s file %d: %s in %s pwrites on %s, folios %s; %d connections over loopback TCP 127.0.0.1:%d, %s%n",
            label, fileId, KernelRun.bytes(fs.sizeBytes()), KernelRun.bytes(fs.fillChunkBytes()), file.path(), folios,
            conns.size(), port, share ? "pipes of " + KernelRun.bytes(pipeBytes) + " (F_SETPIPE_SZ)"
                : "copies of up to " + KernelRun.bytes(pipeBytes) + " per transfer");
      }

      writers = new Writers(m, file, seed, this::fail);
      long t0 = System.nanoTime();
      writers.start();
      for (Connection c : conns) {
        c.start();
      }
      dev.splicelab.launcher.run.CellLength length = new dev.splicelab.launcher.run.CellLength(t0, duration,
          sc.cellMinTransfers());
      List<Long> samples = new ArrayList<>();
      while (!length.over(System.nanoTime(), started::get) && !failed()) {
        long now = System.nanoTime();
        long next = Math.min(length.next(now), now + 1_000_000_000L - (now - t0) % 1_000_000_000L);
        while (System.nanoTime() < next && !failed()) {
          Thread.sleep(Math.max(1, Math.min(100, (next - System.nanoTime()) / 1_000_000)));
        }
        samples.add(referenced.get());
        double el = (System.nanoTime() - t0) / 1e9;
        if (!progress) {
          continue;
        }
        out.printf(Locale.ROOT, "%s %5.1f/%.0fs  transfers %6d (%5.0f/s)  delivered %6d  mutations %6d  %s%n", label, el,
            duration.toMillis() / 1e3, started.get(), started.get() / Math.max(0.001, el), delivered.get(),
            writers.mutations(), share ? "referenced in pipes and sockets " + KernelRun.bytes(referenced.get())
                : "copied " + KernelRun.bytes(bytesCopied.get()));
      }
      writers.stop(10_000);
      issuing = false;
      for (Connection c : conns) {
        if (!c.join(30_000)) {
          fail(new IllegalStateException(label + " connection did not finish within 30 s of the stop"));
        }
      }
      double active = (System.nanoTime() - t0) / 1e9;
      Throwable f = failure.get();
      if (f != null) {
        throw f instanceof RuntimeException r ? r : new IllegalStateException(f.toString(), f);
      }
      Histogram h = latency.copy();
      return new Stats(started.get(), shortSplices.get(), delivered.get(), deliveredBytes.get(), writers.mutations(),
          writers.byKind(), bytesCopied.get(), peakReferenced.get(), samples, h, active, folios, pipeBytes, fillWrites,
          windows.snapshot(), writers.scheduling().isEmpty() ? timing.record()
              : timing.record() + "; " + writers.scheduling() + " for the writers");
    } finally {
      issuing = false;
      boolean writersStopped = writers == null || writers.stop(10_000);
      for (Connection c : conns) {
        c.join(failure.get() != null ? 15_000 : 1); // releases connections that never started
      }
      if (listener != null) {
        try {
          listener.close();
        } catch (RuntimeException e) {
          // best effort
        }
      }
      if (file != null && writersStopped) {
        file.close();
      } else if (file != null) { // a writer may still store through the mapping: unmapping it could crash the JVM
        out.printf("%s writers did not stop within 10 s; %s left open%n", label, file.path());
      }
    }
  }
}
