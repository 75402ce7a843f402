package dev.splicelab.launcher.run;

import dev.splicelab.launcher.fleet.Fleet;
import dev.splicelab.launcher.fleet.ServiceFleet.Service;
import dev.splicelab.launcher.report.CellResult;
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

  public RunDriver(Fleet fleet, PrintStream out, boolean interactive) {
    this.fleet = fleet;
    this.mutator = MutatorGrpc.newBlockingStub(channel(Service.MUTATOR));
    this.sender = NetworkSenderGrpc.newBlockingStub(channel(Service.SENDER));
    this.checker = CheckerGrpc.newBlockingStub(channel(Service.CHECKER));
    this.storage = StorageNodeGrpc.newBlockingStub(channel(Service.STORAGE));
    this.out = out;
    this.interactive = interactive;
    this.faults = new FaultTimeline(fleet, out);
  }

  private ManagedChannel channel(Service s) {
    ManagedChannel c = ManagedChannelBuilder.forTarget(fleet.endpoint(s).grpc()).usePlaintext().maxInboundMessageSize(32 << 20).build();
    channels.add(c);
    return c;
  }

  /** The matrix of a scenario, strategy varying fastest. */
  public static List<Cell> cells(Scenario sc) {
    List<Cell> cells = new ArrayList<>();
    for (Scenario.Workload w : sc.workloads()) {
      for (Scenario.FaultProfile p : sc.faultProfiles()) {
        for (String mode : sc.senderModes()) {
          for (String strategy : sc.strategies()) {
            cells.add(new Cell(cells.size(), strategy, mode, p, w));
          }
        }
      }
    }
    return cells;
  }

  /** File id used by the warm-up; cells use 1, 2, ... */
  static final int WARMUP_FILE = 65535;

  /**
   * Runs every cell after {@code warmup} of unmeasured load (the first cell's workload on a
   * scratch file, cell -1, never finalized or reported), so that no cell is measured while six
   * JVMs are still compiling their hot paths.
   */
  public List<CellResult> run(Scenario sc, String runId, long seed, Duration warmup) {
    List<Cell> cells = cells(sc);
    if (!warmup.isZero()) {
      out.printf("[warm-up] %d s of unmeasured load so no cell is measured on cold JVMs...%n", warmup.toSeconds());
      Cell first = cells.get(0);
      RunContext ctx = context(sc, runId, first).toBuilder().setCell(-1).setScenario(sc.name() + "-warmup").build();
      prepare(sc, ctx, WARMUP_FILE);
      start(sc, ctx, first, WARMUP_FILE, seed);
      sleep(warmup.toMillis());
      stop();
    }
    List<CellResult> results = new ArrayList<>();
    long t0 = System.nanoTime();
    for (Cell cell : cells) {
      results.add(runCell(sc, runId, seed, cell, cells.size()));
      double done = (System.nanoTime() - t0) / 1e9;
      if (cells.size() > 2 && cell.index() + 1 < cells.size()) {
        out.printf("[run] %d/%d cells in %.0f s; about %.0f s to go%n", cell.index() + 1, cells.size(), done,
            done / (cell.index() + 1) * (cells.size() - cell.index() - 1));
      }
    }
    return results;
  }

  private static RunContext context(Scenario sc, String runId, Cell cell) {
    return RunContext.newBuilder().setRunId(runId).setCell(cell.index()).setScenario(sc.name())
        .setStrategy(Strategy.valueOf(cell.strategy())).setSenderMode(SenderMode.valueOf(cell.senderMode()))
        .setFaultProfile(cell.profile().name()).setWorkload(cell.workload().name()).build();
  }

  private void prepare(Scenario sc, RunContext ctx, int fileId) {
    Scenario.StablePagesSpec st = sc.stablePages();
    mutator.withDeadlineAfter(120, TimeUnit.SECONDS).prepareFile(PrepareFileRequest.newBuilder().setContext(ctx).setFileId(fileId)
        .setSize(sc.file().sizeBytes()).setProfile(FsProfile.valueOf(sc.file().profile().toUpperCase(Locale.ROOT)))
        .setFillChunk(sc.file().fillChunkBytes()).setStableWaitTimeoutMs(st.waitTimeout().toMillis())
        .setStableTimeoutPolicy(st.onTimeout().equals("let_through") ? StableTimeoutPolicy.LET_THROUGH : StableTimeoutPolicy.FAIL_WRITER)
        .build());
  }

  private CellResult runCell(Scenario sc, String runId, long seed, Cell cell, int cells) {
    RunContext ctx = context(sc, runId, cell);
    int fileId = cell.index() + 1;
    String label = String.format("[cell %d/%d %s %s %s%s]", cell.index() + 1, cells, cell.strategy(), cell.senderMode(),
        cell.profile().name(), sc.workloads().size() > 1 ? " " + cell.workload().name() : "");
    out.printf("%s preparing file %d (%d KiB, %s)%n", label, fileId, sc.file().sizeBytes() >> 10, sc.file().profile());
    prepare(sc, ctx, fileId);
    long started = System.nanoTime();
    start(sc, ctx, cell, fileId, seed);
    faults.schedule(sc.faults(), seed, label);
    Duration d = sc.cellDuration();
    long deadline = started + d.toNanos();
    long lastLine = 0;
    List<Long> pinned = new ArrayList<>();
    while (System.nanoTime() < deadline) {
      sleep(Math.min(1000, (deadline - System.nanoTime()) / 1_000_000 + 1));
      long now = System.nanoTime();
      pinned.add(costs(fileId).getPinnedBytes());
      if (interactive || now - lastLine >= 5_000_000_000L || now >= deadline) {
        progress(label, ctx, (now - started) / 1e9, d.toMillis() / 1e3);
        lastLine = now;
      }
    }
    faults.endCell();
    Stopped stopped = stop();
    double active = (System.nanoTime() - started) / 1e9;
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
    // wait-for-ready: the checker may just have been restarted by a kill_restart fault
    CellSummary cs = checker.withDeadlineAfter(200, TimeUnit.SECONDS).withWaitForReady().finalizeCell(FinalizeRequest.newBuilder().setRunId(runId)
        .setCell(cell.index()).setTimeoutMs(180_000).setWitnessesPerClass(3).build());
    CostsReply c = costs(fileId);
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
    return new CellResult(cell.index(), cell.strategy(), cell.senderMode(), cell.profile().name(), cell.workload().name(),
        cs.getTransfers(), cs.getVerdicts(), ss.getTransfersStarted(), byModel, headline, new TreeMap<>(cs.getWrongBytesMap()),
        new TreeMap<>(cs.getCausesMap()), cs.getSilent(), cs.getDetected(), ms.getMutations(), new TreeMap<>(ms.getByKindMap()),
        costs, cs.getDeliveredBytes(), active, latency, stall, pinned, witnesses);
  }


  private CostsReply costs(int fileId) {
    try {
      return storage.withDeadlineAfter(10, TimeUnit.SECONDS).costs(StatRequest.newBuilder().setFileId(fileId).build());
    } catch (RuntimeException e) {
      return CostsReply.getDefaultInstance(); // the storage node may be down under a fault
    }
  }

  /** Starts the mutator and the sender on a prepared file, both seeded with {@code seed}. */
  private void start(Scenario sc, RunContext ctx, Cell cell, int fileId, long seed) {
    Scenario.MutationSpec m = cell.workload().mutations();
    Scenario.TransferSpec t = sc.transfers();
    Scenario.LinkSpec l = cell.profile().link();
    mutator.withDeadlineAfter(30, TimeUnit.SECONDS).startMutations(MutationWorkload.newBuilder().setContext(ctx).setFileId(fileId)
        .setSeed(seed).setWriters(m.writers()).setRatePerSecond(m.ratePerSecond())
        .setMix(MutationMix.newBuilder().setWrite(m.mix().write()).setMmapStore(m.mix().mmapStore())
            .setPunchPartial(m.mix().punchPartial()).setPunchWhole(m.mix().punchWhole())
            .setTruncateExtend(m.mix().truncateExtend()).setDirectWrite(m.mix().directWrite()))
        .setMinWriteBytes(m.minWriteBytes()).setMaxWriteBytes(m.maxWriteBytes()).setPunchBlock(m.punchBlockBytes())
        .setHotProbability(m.hotProbability()).setHotFractionOfFile(m.hotFractionOfFile())
        .setApplicationFraction(m.applicationFraction()).build());
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
        .build());
  }

  private record Stopped(MutatorStatus mutator, SenderStatus sender) {}

  private Stopped stop() {
    MutatorStatus ms;
    SenderStatus ss;
    try {
      ms = mutator.withDeadlineAfter(60, TimeUnit.SECONDS).stopMutations(StopRequest.newBuilder().setDrainTimeoutMs(5000).build());
    } catch (RuntimeException e) {
      out.printf("  mutator did not stop cleanly: %s%n", e.getMessage());
      ms = MutatorStatus.getDefaultInstance();
    }
    try {
      ss = sender.withDeadlineAfter(90, TimeUnit.SECONDS).stopTransfers(StopRequest.newBuilder().setDrainTimeoutMs(10_000).build());
    } catch (RuntimeException e) {
      out.printf("  sender did not stop cleanly: %s%n", e.getMessage());
      ss = SenderStatus.getDefaultInstance();
    }
    return new Stopped(ms, ss);
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
