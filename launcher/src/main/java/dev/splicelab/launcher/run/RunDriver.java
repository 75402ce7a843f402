package dev.splicelab.launcher.run;

import dev.splicelab.launcher.fleet.Fleet;
import dev.splicelab.launcher.fleet.ServiceFleet.Service;
import dev.splicelab.launcher.report.CellResult;
import dev.splicelab.launcher.report.Metrics;
import dev.splicelab.launcher.scenario.Scenario;
import dev.splicelab.proto.*;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs a scenario's matrix against a started fleet, one cell after the other (workload x fault
 * profile x sender mode x strategy, strategy varying fastest): for each cell a fresh file prepared
 * by the mutator, then the mutator and the sender run together for the cell duration under the
 * same seed while the scenario's transport faults fire on their timeline, then both stop and the
 * checker finalizes the cell from Kafka; costs come from the storage node and the sender.
 * Progress goes to {@code out}.
 */
public final class RunDriver implements AutoCloseable {

  /** One cell of the matrix. */
  public record Cell(int index, String strategy, String senderMode, Scenario.FaultProfile profile, Scenario.Workload workload) {}

  private final Fleet fleet;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final MutatorGrpc.MutatorBlockingStub mutator;
  private final NetworkSenderGrpc.NetworkSenderBlockingStub sender;
  private final CheckerGrpc.CheckerBlockingStub checker;
  private final StorageNodeGrpc.StorageNodeBlockingStub storage;
  private final PrintStream out;
  private final boolean interactive;
  private final FaultTimeline faults;
  /** The running cell has a mutation workload (load tests run some without). */
  private boolean mutating;

  public RunDriver(Fleet fleet, PrintStream out, boolean interactive) {
    this.fleet = fleet;
    this.mutator = MutatorGrpc.newBlockingStub(channel(Service.MUTATOR));
    this.sender = NetworkSenderGrpc.newBlockingStub(channel(Service.SENDER));
    this.checker = CheckerGrpc.newBlockingStub(channel(Service.CHECKER));
    this.storage = StorageNodeGrpc.newBlockingStub(channel(Service.STORAGE));
    this.out = out;
    this.interactive = interactive;
    this.faults = new FaultTimeline(fleet, out);
    this.dataPath = new dev.splicelab.launcher.fleet.DataPathPriority(
        dev.splicelab.common.time.Realtime.dataPathNiceFromEnvironment());
  }

  /** The services' data-path threads get their share of the CPU while a cell is measured (Realtime). */
  private final dev.splicelab.launcher.fleet.DataPathPriority dataPath;

  private ManagedChannel channel(Service s) {
    ManagedChannel c = ManagedChannelBuilder.forTarget(fleet.endpoint(s).grpc()).usePlaintext().maxInboundMessageSize(32 << 20).build();
    channels.add(c);
    return c;
  }

  /** The matrix of a scenario, strategy varying fastest. */
  public static List<Cell> cells(Scenario sc) {
    return cells(sc, 0);
  }

  /** The matrix of a scenario, numbered from {@code first}. */
  static List<Cell> cells(Scenario sc, int first) {
    List<Cell> cells = new ArrayList<>();
    for (Scenario.Workload w : sc.workloads()) {
      for (Scenario.FaultProfile p : sc.faultProfiles()) {
        for (String mode : sc.senderModes()) {
          for (String strategy : sc.strategies()) {
            cells.add(new Cell(first + cells.size(), strategy, mode, p, w));
          }
        }
      }
    }
    return cells;
  }

  /** File id used by the warm-up; cells use 1, 2, ... */
  static final int WARMUP_FILE = 65535;

  /**
   * Unmeasured load before the first cell: a fixed time, or (auto) until the JIT has settled: in
   * the last 5 s window the services' compilers worked at most {@link #JIT_SETTLED} of that
   * window per service, and the transfer rate is within 5% of the window before, after at least
   * 15 s and at most {@code max}. With C2, the service JVMs spend one to two minutes of CPU each
   * compiling their hot paths; a cell measured meanwhile measures the compiler.
   */
  public record Warmup(boolean auto, Duration max) {
    public static final Warmup NONE = new Warmup(false, Duration.ZERO);

    public static Warmup fixed(Duration d) {
      return new Warmup(false, d);
    }

    public static Warmup untilSettled() {
      return new Warmup(true, Duration.ofSeconds(240));
    }
  }

  /** Compilation time per service per second of wall time below which the JIT counts as settled. */
  static final double JIT_SETTLED = 0.03;

  /** As {@link #run(Scenario, String, long, Warmup)} with a fixed warm-up. */
  public List<CellResult> run(Scenario sc, String runId, long seed, Duration warmup) {
    return run(sc, runId, seed, Warmup.fixed(warmup));
  }

  /**
   * Runs every cell after the warm-up (the first cell's workload on a scratch file, cell -1, never
   * finalized or reported), so that no cell is measured on JVMs still compiling their hot paths.
   * A scenario with a time_scale runs dilated ({@link Scenario#dilated}); its cells record the scale.
   */
  public List<CellResult> run(Scenario written, String runId, long seed, Warmup warmup) {
    return run(written, runId, seed, warmup, 0);
  }

  /** As {@link #run(Scenario, String, long, Warmup)}, numbering the cells from {@code firstCell}. */
  public List<CellResult> run(Scenario written, String runId, long seed, Warmup warmup, int firstCell) {
    double timeScale = written.timeScale();
    Scenario sc = written.dilated();
    List<Cell> cells = cells(sc, firstCell);
    if (!warmup.max().isZero()) {
      warmUp(sc, runId, seed, warmup, cells.get(0), timeScale);
    }
    return runCells(sc, runId, seed, cells, timeScale);
  }

  /**
   * Judges what is left of a cell whose records someone else published (the load tests' kernel
   * path), and drops its state from the checker; returns its counts.
   */
  public CellSummary finalizeCell(String runId, int cell) {
    return checker.withDeadlineAfter(620, TimeUnit.SECONDS).finalizeCell(FinalizeRequest.newBuilder().setRunId(runId)
        .setCell(cell).setTimeoutMs(600_000).setWitnessesPerClass(0).build());
  }

  /** Only the warm-up of {@link #run}: the scenario's first cell, unmeasured. */
  public void warmUp(Scenario written, String runId, long seed, Warmup warmup) {
    Scenario sc = written.dilated();
    warmUp(sc, runId, seed, warmup, cells(sc).get(0), written.timeScale());
  }

  private List<CellResult> runCells(Scenario sc, String runId, long seed, List<Cell> cells, double timeScale) {
    List<CellResult> results = new ArrayList<>();
    long t0 = System.nanoTime();
    for (Cell cell : cells) {
      results.add(runCell(sc, runId, seed, cell, cells.size(), timeScale));
      double done = (System.nanoTime() - t0) / 1e9;
      int n = results.size();
      if (cells.size() > 2 && n < cells.size()) {
        out.printf("[run] %d/%d cells in %.0f s; about %.0f s to go%n", n, cells.size(), done, done / n * (cells.size() - n));
      }
    }
    return results;
  }

  private static RunContext context(Scenario sc, String runId, Cell cell) {
    return RunContext.newBuilder().setRunId(runId).setCell(cell.index()).setScenario(sc.name())
        .setStrategy(Strategy.valueOf(cell.strategy())).setSenderMode(SenderMode.valueOf(cell.senderMode()))
        .setFaultProfile(cell.profile().name()).setWorkload(cell.workload().name()).build();
  }

  private void warmUp(Scenario sc, String runId, long seed, Warmup warmup, Cell first, double timeScale) {
    RunContext ctx = context(sc, runId, first).toBuilder().setCell(-1).setScenario(sc.name() + "-warmup").build();
    out.printf(warmup.auto() ? "[warm-up] unmeasured load until the transfer rate settles (JIT compiling), at most %d s...%n"
        : "[warm-up] %d s of unmeasured load so no cell is measured on cold JVMs...%n", warmup.max().toSeconds());
    prepare(sc, ctx, WARMUP_FILE, timeScale);
    start(sc, ctx, first, WARMUP_FILE, seed);
    long t0 = System.nanoTime();
    long end = t0 + warmup.max().toNanos();
    long last = 0;
    double previous = -1;
    JitActivity jit = new JitActivity(fleet);
    // the compilers' time, summed over the services; -1 while a scrape fails (a busy service can
    // miss the timeout): such a tick settles nothing, and only a metric never seen in the first
    // 30 s lets the rate alone decide
    long jitBefore = warmup.auto() ? jit.totalMillis() : -1;
    boolean jitSeen = jitBefore >= 0;
    boolean rateAlone = false;
    while (System.nanoTime() < end) {
      long tick = System.nanoTime();
      sleep(Math.min(5000, (end - System.nanoTime()) / 1_000_000 + 1));
      if (!warmup.auto() || System.nanoTime() - tick < 1_000_000_000L) {
        continue; // a last tick shorter than a second measures no rate
      }
      long done = sender.withDeadlineAfter(5, TimeUnit.SECONDS).status(StatusRequest.getDefaultInstance()).getTransfersCompleted();
      double seconds = Math.max(0.001, (System.nanoTime() - tick) / 1e9);
      double rate = (done - last) / seconds;
      last = done;
      double elapsed = (System.nanoTime() - t0) / 1e9;
      long jitNow = rateAlone ? -1 : jit.totalMillis();
      jitSeen |= jitNow >= 0;
      if (!jitSeen && !rateAlone && elapsed >= 30) {
        rateAlone = true;
        out.println("[warm-up] a service exports no jvm_compilation_time_ms_total: settling on the transfer rate alone");
      }
      boolean jitKnown = jitNow >= 0 && jitBefore >= 0;
      double jitShare = jitKnown ? (jitNow - jitBefore) / (1000 * seconds * jit.services()) : 0;
      jitBefore = jitNow;
      boolean settled = previous > 0 && elapsed >= 15 && Math.abs(rate - previous) <= 0.05 * previous
          && (rateAlone || jitKnown && jitShare <= JIT_SETTLED);
      out.printf(Locale.ROOT, "[warm-up] %5.0f s  %7.1f transfers/s%s%s%n", elapsed, rate,
          rateAlone ? "" : jitKnown ? String.format(Locale.ROOT, "  JIT %4.1f%% of each service's time", 100 * jitShare)
              : "  JIT unknown (a service's metrics did not answer)",
          settled ? "  (settled)" : "");
      if (settled) {
        break;
      }
      previous = rate;
    }
    stop(timeScale);
    finishWarmUp(runId, -1);
    if (warmup.auto()) {
      // A cell's start and end (a new file, new pipes, a new cell's first judgements, a finalize)
      // run code the steady load never reaches, and the compilers took it up in the first cell:
      // 66% of a core in the first 20 s of the quickstart's first cell, 10% in its second
      // (2026-12-07). And each strategy, sender mode and workload has code of its own: the first
      // TLS_SW cell of the mechanisms scenario, after a warm-up under CSUM_SOFTWARE, spent 23 ms
      // per transfer encrypting in the interpreter (2026-12-08). So short unmeasured cells, each
      // through its whole life, together run every strategy, sender mode, profile and workload.
      List<Cell> passes = lifecyclePasses(sc);
      out.printf("[warm-up] %d unmeasured %d s cell%s through %s whole life (every strategy, sender mode and workload; "
          + "a cell's start and end compile too)...%n", passes.size(), LIFECYCLE_PASS.toSeconds(), passes.size() == 1 ? "" : "s",
          passes.size() == 1 ? "its" : "their");
      for (Cell c : passes) {
        RunContext pass = context(sc, runId, c).toBuilder().setScenario(sc.name() + "-warmup").build();
        out.printf("[warm-up] cell %d: %s %s %s %s%n", c.index(), c.strategy(), c.senderMode(), c.profile().name(),
            c.workload().name());
        prepare(sc, pass, WARMUP_FILE, timeScale);
        start(sc, pass, c, WARMUP_FILE, seed);
        sleep(LIFECYCLE_PASS.toMillis());
        stop(timeScale);
        finishWarmUp(runId, c.index());
      }
    }
  }

  /** Each unmeasured cell the auto warm-up ends with, after the load has settled. */
  static final Duration LIFECYCLE_PASS = Duration.ofSeconds(5);

  /**
   * The fewest cells that together run each of the scenario's strategies, sender modes, fault
   * profiles and workloads at least once (the i-th pairs the i-th of each, wrapping), numbered
   * -2, -3, ...: as many as the longest of those lists, at least two.
   */
  static List<Cell> lifecyclePasses(Scenario sc) {
    int n = Math.max(2, Math.max(Math.max(sc.strategies().size(), sc.senderModes().size()),
        Math.max(sc.faultProfiles().size(), sc.workloads().size())));
    List<Cell> passes = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      passes.add(new Cell(-2 - i, sc.strategies().get(i % sc.strategies().size()),
          sc.senderModes().get(i % sc.senderModes().size()), sc.faultProfiles().get(i % sc.faultProfiles().size()),
          sc.workloads().get(i % sc.workloads().size())));
    }
    return passes;
  }

  /** Drops an unmeasured cell: its transfers from the checker, its file from the storage node. */
  private void finishWarmUp(String runId, int cell) {
    // the warm-up's verdicts are never reported, but its transfers (under a workload without
    // mutations, all of them: none is judged before its cell ends) must not stay in the checker
    checker.withDeadlineAfter(200, TimeUnit.SECONDS).finalizeCell(FinalizeRequest.newBuilder().setRunId(runId)
        .setCell(cell).setTimeoutMs(180_000).setWitnessesPerClass(0).build());
    delete(WARMUP_FILE);
  }

  private void prepare(Scenario sc, RunContext ctx, int fileId, double timeScale) {
    Scenario.StablePagesSpec st = sc.stablePages();
    mutator.withDeadlineAfter(120, TimeUnit.SECONDS).prepareFile(PrepareFileRequest.newBuilder().setContext(ctx).setFileId(fileId)
        .setSize(sc.file().sizeBytes()).setProfile(FsProfile.valueOf(sc.file().profile().toUpperCase(Locale.ROOT)))
        .setFillChunk(sc.file().fillChunkBytes()).setStableWaitTimeoutMs(st.waitTimeout().toMillis())
        .setStableTimeoutPolicy(st.onTimeout().equals("let_through") ? StableTimeoutPolicy.LET_THROUGH : StableTimeoutPolicy.FAIL_WRITER)
        .setTimeScale(timeScale).build());
  }

  private CellResult runCell(Scenario sc, String runId, long seed, Cell cell, int cells, double timeScale) {
    RunContext ctx = context(sc, runId, cell);
    int fileId = cell.index() + 1;
    // "N/M" within a run of M cells; "N" alone where cells are run one call at a time (load, dilation)
    String position = cell.index() < cells ? (cell.index() + 1) + "/" + cells : Integer.toString(cell.index() + 1);
    String label = String.format("[cell %s %s %s %s%s%s]", position, cell.strategy(), cell.senderMode(),
        cell.profile().name(), sc.workloads().size() > 1 ? " " + cell.workload().name() : "",
        timeScale != 1 ? String.format(Locale.ROOT, " x%s", Metrics.scale(timeScale)) : "");
    out.printf("%s preparing file %d (%d KiB, %s)%n", label, fileId, sc.file().sizeBytes() >> 10, sc.file().profile());
    prepare(sc, ctx, fileId, timeScale);
    long cpu0 = cpuNanos();
    long started = System.nanoTime();
    start(sc, ctx, cell, fileId, seed);
    String dataPathScheduling = dataPath.apply(fleet.pids(), true);
    faults.schedule(sc.faults(), seed, label);
    Duration d = sc.cellDuration();
    long deadline = started + d.toNanos();
    long lastLine = 0;
    List<Long> pinned = new ArrayList<>();
    CellLength length = new CellLength(started, d, sc.cellMinTransfers());
    while (!length.over(System.nanoTime(), this::transfersStarted)) {
      if (length.announce()) {
        out.printf(Locale.ROOT, "%s fewer than cell_min_transfers (%d) after %.0f s: running on, for at most %d s more%n",
            label, sc.cellMinTransfers(), d.toMillis() / 1e3, (length.longest() - System.nanoTime()) / 1_000_000_000L);
      }
      sleep(Math.min(1000, (length.next(System.nanoTime()) - System.nanoTime()) / 1_000_000 + 1));
      dataPath.apply(fleet.pids(), true); // threads started since (a transport's executor grows on demand)
      long now = System.nanoTime();
      pinned.add(costs(fileId).getPinnedBytes());
      if (interactive || now - lastLine >= 5_000_000_000L || now >= deadline) {
        progress(label, ctx, (now - started) / 1e9, d.toMillis() / 1e3);
        lastLine = now;
      }
    }
    faults.endCell();
    Stopped stopped = stop(timeScale);
    dataPath.apply(fleet.pids(), false);
    double active = (System.nanoTime() - started) / 1e9;
    long cpu1 = cpuNanos();
    if (interactive) {
      out.println();
    }
    MutatorStatus ms = stopped.mutator;
    SenderStatus ss = stopped.sender;
    out.printf("%s stopped: %d transfers started, %d completed, %d abandoned; %d mutations (%d failed); judging...%n", label,
        ss.getTransfersStarted(), ss.getTransfersCompleted(), ss.getTransfersAbandoned(), ms.getMutations(), ms.getFailures());
    if (!ss.getLastError().isEmpty()) {
      out.printf("%s sender reported: %s%n", label, ss.getLastError());
    }
    if (ss.getTransfersStarted() < sc.cellMinTransfers()) {
      out.printf(Locale.ROOT, "%s FELL SHORT: %d transfers in %.0f s, fewer than cell_min_transfers (%d); its intervals are "
          + "wider than the scenario asks%n", label, ss.getTransfersStarted(), active, sc.cellMinTransfers());
    }
    // wait-for-ready: the checker may just have been restarted by a kill_restart fault
    CellSummary cs = checker.withDeadlineAfter(200, TimeUnit.SECONDS).withWaitForReady().finalizeCell(FinalizeRequest.newBuilder().setRunId(runId)
        .setCell(cell.index()).setTimeoutMs(180_000).setWitnessesPerClass(3).build());
    CostsReply c = costs(fileId);
    delete(fileId);
    String headline = cell.strategy().equals("COMPLETION_AFTER_SNAPSHOT") ? "WINDOW" : "SNAPSHOT";
    Map<String, Map<String, Long>> byModel = new LinkedHashMap<>();
    byModel.put("SNAPSHOT", new TreeMap<>(cs.getSnapshotMap()));
    byModel.put("WINDOW", new TreeMap<>(cs.getWindowMap()));
    byModel.put("INTEGRITY", new TreeMap<>(cs.getIntegrityMap()));
    long headlineViolations = byModel.get(headline).entrySet().stream().filter(e -> !e.getKey().startsWith("OK/"))
        .mapToLong(Map.Entry::getValue).sum();
    out.printf("%s judged %d of %d transfers: %d %s violations (%d silent, %d detected)%n", label, cs.getVerdicts(),
        cs.getTransfers(), headlineViolations, headline, cs.getSilent(), cs.getDetected());

    List<CellResult.WitnessView> witnesses = new ArrayList<>();
    for (Witness w : cs.getWitnessesList()) {
      witnesses.add(new CellResult.WitnessView(w.getModel(), w.getTransferId(), w.getVerdict(), w.getFailureClass(), w.getEventsList()));
    }
    // strategy cost only: TLS_SW's encryption into its own buffer is a sender-mode cost (SenderStatus.bytes_encrypted)
    CellResult.Costs costs = new CellResult.Costs(c.getBytesCopied(), c.getFoliosCopied(),
        c.getWriteProtectFaults(), ss.getConfirmRetries(), ss.getConfirmGaveUp(), ss.getRetransmissions(), cs.getChecksumRejects(),
        ss.getMacFailures(), c.getStableTimeoutsFailed(), c.getStableTimeoutsLetThrough(), ss.getPeakPinnedBytes());
    Map<String, Long> latency = CellResult.percentiles(ss.getLatencyP50Us(), ss.getLatencyP90Us(), ss.getLatencyP99Us(), ss.getLatencyP999Us(),
        ss.getLatencyMaxUs(), ss.getLatencyCount());
    Map<String, Long> stall = CellResult.percentiles(c.getStallP50Us(), c.getStallP90Us(), c.getStallP99Us(), c.getStallP999Us(),
        c.getStallMaxUs(), c.getStalls());
    double cpuMillis = cpu0 < 0 || cpu1 < 0 || cs.getTransfers() == 0 ? -1 : (cpu1 - cpu0) / 1e6 / cs.getTransfers();
    CellResult.MutationPace pace = CellResult.MutationPace.of(cell.workload().mutations().ratePerSecond(),
        ms.getMutations(), active, c.getStalls());
    CellResult.Timing timing = new CellResult.Timing(cs.getFidelity(), ss.getDataPath(), cpuMillis, timeScale, pace,
        scheduling(ss.getScheduling(), dataPathScheduling));
    String unrepresentative = timing.notRepresentative();
    out.printf(Locale.ROOT, "%s race window: %.2f ms implied, %.2f ms measured: overhead %.1f%% (%s)%s; %s%s; %s; CPU %s per "
        + "transfer%n", label, cs.getFidelity().getImpliedMeanUs() / 1000, cs.getFidelity().getMeasuredMeanUs() / 1000,
        100 * timing.overheadFraction(), dev.splicelab.launcher.report.ConsoleTable.overheadParts(cs.getFidelity()),
        unrepresentative == null ? "" : " (NOT REPRESENTATIVE)", dev.splicelab.launcher.report.ConsoleTable.pace(pace),
        ss.getDataPath(), timing.scheduling().isEmpty() ? "scheduling unknown" : timing.scheduling(),
        cpuMillis < 0 ? "unknown" : String.format(Locale.ROOT, "%.2f ms", cpuMillis));
    return new CellResult(cell.index(), cell.strategy(), cell.senderMode(), cell.profile().name(), cell.workload().name(),
        cs.getTransfers(), cs.getVerdicts(), ss.getTransfersStarted(), byModel, headline, new TreeMap<>(cs.getWrongBytesMap()),
        new TreeMap<>(cs.getCausesMap()), cs.getSilent(), cs.getDetected(), ms.getMutations(), new TreeMap<>(ms.getByKindMap()),
        costs, cs.getDeliveredBytes(), active, latency, stall, pinned, witnesses, timing);
  }


  /** CPU time of the services and of this JVM (the launcher, and the embedded broker when it runs one); -1 if unknown. */
  private long cpuNanos() {
    long fleetCpu = fleet.cpuNanos();
    long self = dev.splicelab.launcher.fleet.ProcessCpu.self();
    return fleetCpu < 0 || self < 0 ? -1 : fleetCpu + self;
  }

  private CostsReply costs(int fileId) {
    try {
      return storage.withDeadlineAfter(10, TimeUnit.SECONDS).costs(StatRequest.newBuilder().setFileId(fileId).build());
    } catch (RuntimeException e) {
      return CostsReply.getDefaultInstance(); // the storage node may be down under a fault
    }
  }

  /** Drops a cell's file from the storage node (its memory goes back to the arena). */
  private void delete(int fileId) {
    try {
      storage.withDeadlineAfter(10, TimeUnit.SECONDS).deleteFile(StatRequest.newBuilder().setFileId(fileId).build());
    } catch (RuntimeException e) {
      out.printf("  file %d could not be deleted from the storage node: %s%n", fileId, e.getMessage());
    }
  }

  /** Starts the mutator and the sender on a prepared file, both seeded with {@code seed}. */
  private void start(Scenario sc, RunContext ctx, Cell cell, int fileId, long seed) {
    Scenario.MutationSpec m = cell.workload().mutations();
    Scenario.TransferSpec t = sc.transfers();
    Scenario.LinkSpec l = cell.profile().link();
    mutating = m.ratePerSecond() > 0; // a rate of 0 (load tests only; scenario files need > 0): mutations off
    if (mutating) {
      mutator.withDeadlineAfter(30, TimeUnit.SECONDS).startMutations(MutationWorkload.newBuilder().setContext(ctx).setFileId(fileId)
          .setSeed(seed).setWriters(m.writers()).setRatePerSecond(m.ratePerSecond())
          .setMix(MutationMix.newBuilder().setWrite(m.mix().write()).setMmapStore(m.mix().mmapStore())
              .setPunchPartial(m.mix().punchPartial()).setPunchWhole(m.mix().punchWhole())
              .setTruncateExtend(m.mix().truncateExtend()).setDirectWrite(m.mix().directWrite()))
          .setMinWriteBytes(m.minWriteBytes()).setMaxWriteBytes(m.maxWriteBytes()).setPunchBlock(m.punchBlockBytes())
          .setHotProbability(m.hotProbability()).setHotFractionOfFile(m.hotFractionOfFile())
          .setApplicationFraction(m.applicationFraction()).build());
    }
    LinkProfile.Builder link = LinkProfile.newBuilder().setLatencyUs(l.latencyMicros()).setJitterUs(l.jitterMicros())
        .setLoss(l.loss()).setRtoUs(l.rtoMicros()).setMaxAttempts(l.maxAttempts())
        .setBandwidthBytesPerSecond(l.bandwidthBytesPerSecond()).setDuplicate(l.duplicate()).setReorder(l.reorder())
        .setReorderDelayUs(l.reorderDelayMicros()).setCorrupt(l.corrupt());
    for (Scenario.Window w : l.partitions()) {
      link.addPartitions(TimeWindow.newBuilder().setStartMs(w.start().toMillis()).setDurationMs(w.duration().toMillis()));
    }
    sender.withDeadlineAfter(30, TimeUnit.SECONDS).startTransfers(TransferWorkload.newBuilder().setContext(ctx).setFileId(fileId)
        .setSeed(seed).setStrategy(ctx.getStrategy()).setSenderMode(ctx.getSenderMode())
        .setConnections(t.connections()).setPipeCapacity(t.pipeCapacity()).setMinTransferBytes(t.minBytes())
        .setMaxTransferBytes(t.maxBytes()).setMinResidencyUs(t.minResidencyMicros()).setMaxResidencyUs(t.maxResidencyMicros())
        .setSegmentBytes(t.segmentBytes()).setCsumToDmaUs(t.csumToDmaMicros()).setLink(link)
        .setMaxConfirmRetries(t.maxConfirmRetries())
        .setStableHoldFrom(sc.stablePages().holdFrom().equals("splice") ? StableHoldFrom.FROM_SPLICE : StableHoldFrom.FROM_CHECKSUM)
        .setArrivalRatePerSecond(arrivalRate).setGrpcReads(grpcReads)
        .build());
  }

  private double arrivalRate;
  private boolean grpcReads;

  /** Load tests: start transfers at this rate per second (open loop, latency from each scheduled start); 0 closes the loop. */
  public void openLoop(double ratePerSecond) {
    this.arrivalRate = ratePerSecond;
  }

  /** Load tests: read folio bytes through ReadFolio calls even where the arena can be mapped. */
  public void grpcReads(boolean on) {
    this.grpcReads = on;
  }

  private record Stopped(MutatorStatus mutator, SenderStatus sender) {}

  /** Stops the mutator, then the sender; the sender's drain timeout (10 s) follows the scenario's time scale. */
  private Stopped stop(double timeScale) {
    MutatorStatus ms;
    SenderStatus ss;
    long drain = Math.min(300_000, Math.round(10_000 * Math.max(1, timeScale)));
    try {
      ms = !mutating ? MutatorStatus.getDefaultInstance()
          : mutator.withDeadlineAfter(60, TimeUnit.SECONDS).stopMutations(StopRequest.newBuilder().setDrainTimeoutMs(5000).build());
    } catch (RuntimeException e) {
      out.printf("  mutator did not stop cleanly: %s%n", e.getMessage());
      ms = MutatorStatus.getDefaultInstance();
    }
    try {
      ss = sender.withDeadlineAfter(drain / 1000 + 80, TimeUnit.SECONDS)
          .stopTransfers(StopRequest.newBuilder().setDrainTimeoutMs(drain).build());
    } catch (RuntimeException e) {
      out.printf("  sender did not stop cleanly: %s%n", e.getMessage());
      ss = SenderStatus.getDefaultInstance();
    }
    return new Stopped(ms, ss);
  }

  /** The sender's timing threads' scheduling and the data-path threads', for the cell's record. */
  private static String scheduling(String timing, String dataPath) {
    return timing.isEmpty() ? dataPath : timing + "; " + dataPath;
  }

  /** Transfers the sender has started in the current cell; -1 when it does not answer. */
  private long transfersStarted() {
    try {
      return sender.withDeadlineAfter(5, TimeUnit.SECONDS).status(StatusRequest.getDefaultInstance()).getTransfersStarted();
    } catch (RuntimeException e) {
      return -1;
    }
  }

  private void progress(String label, RunContext ctx, double elapsed, double total) {
    try {
      SenderStatus s = sender.withDeadlineAfter(5, TimeUnit.SECONDS).status(StatusRequest.getDefaultInstance());
      MutatorStatus m = mutator.withDeadlineAfter(5, TimeUnit.SECONDS).status(StatusRequest.getDefaultInstance());
      CellSummary c = checker.withDeadlineAfter(5, TimeUnit.SECONDS).cellStatus(CellRequest.newBuilder()
          .setRunId(ctx.getRunId()).setCell(ctx.getCell()).build());
      long violations = c.getSnapshotMap().entrySet().stream().filter(e -> !e.getKey().startsWith("OK/")).mapToLong(Map.Entry::getValue).sum();
      String line = String.format(Locale.ROOT, "%s %5.1f/%.0fs  transfers %6d (%5.0f/s)  mutations %6d  judged %6d  snapshot violations %5d",
          label, elapsed, total, s.getTransfersStarted(), s.getTransfersStarted() / Math.max(0.001, elapsed), m.getMutations(),
          c.getVerdicts(), violations);
      if (interactive) {
        out.print("\r" + line);
      } else {
        out.println(line);
      }
      out.flush();
    } catch (RuntimeException e) {
      out.printf("%s status unavailable: %s%n", label, e.getMessage());
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(Math.max(1, millis));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted");
    }
  }

  @Override
  public void close() {
    faults.close();
    for (ManagedChannel c : channels) {
      c.shutdownNow();
    }
  }
}
