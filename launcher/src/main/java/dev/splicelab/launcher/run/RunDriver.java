package dev.splicelab.launcher.run;

import dev.splicelab.launcher.fleet.ServiceFleet;
import dev.splicelab.launcher.fleet.ServiceFleet.Service;
import dev.splicelab.launcher.report.CellResult;
import dev.splicelab.launcher.scenario.Scenario;
import dev.splicelab.proto.*;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Runs a scenario's cells one after the other against a started fleet: for each strategy, a fresh
 * file prepared by the mutator, then the mutator and the sender run together for the cell
 * duration under the same seed, then both stop and the checker finalizes the cell from Kafka.
 * Progress goes to {@code out} once a second.
 */
public final class RunDriver implements AutoCloseable {

  private final List<ManagedChannel> channels = new ArrayList<>();
  private final MutatorGrpc.MutatorBlockingStub mutator;
  private final NetworkSenderGrpc.NetworkSenderBlockingStub sender;
  private final CheckerGrpc.CheckerBlockingStub checker;
  private final PrintStream out;
  private final Clock clock;
  private final boolean interactive;

  public RunDriver(ServiceFleet fleet, PrintStream out, Clock clock, boolean interactive) {
    this.mutator = MutatorGrpc.newBlockingStub(channel(fleet, Service.MUTATOR));
    this.sender = NetworkSenderGrpc.newBlockingStub(channel(fleet, Service.SENDER));
    this.checker = CheckerGrpc.newBlockingStub(channel(fleet, Service.CHECKER));
    this.out = out;
    this.clock = clock;
    this.interactive = interactive;
  }

  private ManagedChannel channel(ServiceFleet fleet, Service s) {
    ManagedChannel c = ManagedChannelBuilder.forTarget(fleet.endpoint(s).grpc()).usePlaintext().maxInboundMessageSize(32 << 20).build();
    channels.add(c);
    return c;
  }

  /** File id used by the warm-up; cells use 1, 2, ... */
  static final int WARMUP_FILE = 65535;

  /**
   * Runs the scenario's cells after {@code warmup} of unmeasured load (the first strategy's
   * workload on a scratch file, cell -1, never finalized or reported), so that no cell is
   * measured while six JVMs are still compiling their hot paths.
   */
  public List<CellResult> run(Scenario sc, String runId, long seed, Duration warmup) {
    if (!warmup.isZero()) {
      warmUp(sc, runId, seed, warmup);
    }
    List<CellResult> results = new ArrayList<>();
    List<String> strategies = sc.strategies();
    for (int i = 0; i < strategies.size(); i++) {
      results.add(runCell(sc, runId, seed, i, strategies.get(i), strategies.size()));
    }
    return results;
  }

  private void warmUp(Scenario sc, String runId, long seed, Duration warmup) {
    RunContext ctx = RunContext.newBuilder().setRunId(runId).setCell(-1).setScenario(sc.name() + "-warmup")
        .setStrategy(Strategy.valueOf(sc.strategies().get(0))).build();
    out.printf("[warm-up] %d s of unmeasured load so no cell is measured on cold JVMs...%n", warmup.toSeconds());
    prepare(sc, ctx, WARMUP_FILE);
    start(sc, ctx, WARMUP_FILE, seed);
    sleep(warmup.toMillis());
    mutator.withDeadlineAfter(60, TimeUnit.SECONDS).stopMutations(StopRequest.newBuilder().setDrainTimeoutMs(5000).build());
    sender.withDeadlineAfter(90, TimeUnit.SECONDS).stopTransfers(StopRequest.newBuilder().setDrainTimeoutMs(10_000).build());
  }

  private void prepare(Scenario sc, RunContext ctx, int fileId) {
    mutator.withDeadlineAfter(120, TimeUnit.SECONDS).prepareFile(PrepareFileRequest.newBuilder().setContext(ctx).setFileId(fileId)
        .setSize(sc.file().sizeBytes()).setProfile(FsProfile.valueOf(sc.file().profile().toUpperCase(Locale.ROOT)))
        .setFillChunk(sc.file().fillChunkBytes()).build());
  }

  private CellResult runCell(Scenario sc, String runId, long seed, int cell, String strategy, int cells) {
    RunContext ctx = RunContext.newBuilder().setRunId(runId).setCell(cell).setScenario(sc.name())
        .setStrategy(Strategy.valueOf(strategy)).build();
    int fileId = cell + 1;
    String label = String.format("[cell %d/%d %s]", cell + 1, cells, strategy);
    out.printf("%s preparing %s file %d (%d KiB, %s)%n", label, sc.name(), fileId, sc.file().sizeBytes() >> 10, sc.file().profile());
    prepare(sc, ctx, fileId);
    long started = System.nanoTime();
    start(sc, ctx, fileId, seed);
    Scenario.TransferSpec t = sc.transfers();
    Scenario.LinkSpec l = sc.link();
    Duration d = sc.cellDuration();
    long deadline = started + d.toNanos();
    long lastLine = 0;
    while (System.nanoTime() < deadline) {
      sleep(Math.min(1000, (deadline - System.nanoTime()) / 1_000_000 + 1));
      long now = System.nanoTime();
      if (interactive || now - lastLine >= 5_000_000_000L || now >= deadline) {
        progress(label, ctx, (now - started) / 1e9, d.toMillis() / 1e3, now >= deadline);
        lastLine = now;
      }
    }
    MutatorStatus ms = mutator.withDeadlineAfter(60, TimeUnit.SECONDS).stopMutations(StopRequest.newBuilder().setDrainTimeoutMs(5000).build());
    SenderStatus ss = sender.withDeadlineAfter(90, TimeUnit.SECONDS).stopTransfers(StopRequest.newBuilder().setDrainTimeoutMs(10_000).build());
    double active = (System.nanoTime() - started) / 1e9;
    if (interactive) {
      out.println();
    }
    out.printf("%s stopped: %d transfers started, %d completed, %d abandoned; %d mutations; judging...%n", label,
        ss.getTransfersStarted(), ss.getTransfersCompleted(), ss.getTransfersAbandoned(), ms.getMutations());
    if (!ss.getLastError().isEmpty()) {
      out.printf("%s sender reported: %s%n", label, ss.getLastError());
    }
    CellSummary cs = checker.withDeadlineAfter(200, TimeUnit.SECONDS).finalizeCell(FinalizeRequest.newBuilder().setRunId(runId)
        .setCell(cell).setTimeoutMs(180_000).setWitnessesPerClass(3).build());
    out.printf("%s judged %d of %d transfers: %d SNAPSHOT violations%n", label, cs.getVerdicts(), cs.getTransfers(),
        cs.getSnapshotMap().entrySet().stream().filter(e -> !e.getKey().startsWith("OK/")).mapToLong(Map.Entry::getValue).sum());

    List<CellResult.WitnessView> witnesses = new ArrayList<>();
    for (Witness w : cs.getWitnessesList()) {
      witnesses.add(new CellResult.WitnessView(w.getTransferId(), w.getVerdict(), w.getFailureClass(), w.getEventsList()));
    }
    return new CellResult(cell, strategy, t.senderMode(), linkLabel(l), sc.name(), cs.getTransfers(), cs.getVerdicts(),
        ss.getTransfersStarted(), new TreeMap<>(cs.getSnapshotMap()), new TreeMap<>(cs.getWrongBytesMap()),
        ms.getMutations(), new TreeMap<>(ms.getByKindMap()), cs.getChecksumRejects(), ss.getRetransmissions(),
        ss.getBytesCopied(), ss.getPeakPinnedBytes(), cs.getDeliveredBytes(), active,
        ss.getLatencyP50Us(), ss.getLatencyP99Us(), ss.getLatencyMaxUs(), witnesses);
  }

  /** Starts the mutator and the sender on a prepared file, both seeded with {@code seed}. */
  private void start(Scenario sc, RunContext ctx, int fileId, long seed) {
    Scenario.MutationSpec m = sc.mutations();
    Scenario.TransferSpec t = sc.transfers();
    Scenario.LinkSpec l = sc.link();
    mutator.withDeadlineAfter(30, TimeUnit.SECONDS).startMutations(MutationWorkload.newBuilder().setContext(ctx).setFileId(fileId)
        .setSeed(seed).setWriters(m.writers()).setRatePerSecond(m.ratePerSecond())
        .setMix(MutationMix.newBuilder().setWrite(m.mix().write()).setMmapStore(m.mix().mmapStore())
            .setPunchPartial(m.mix().punchPartial()).setPunchWhole(m.mix().punchWhole())
            .setTruncateExtend(m.mix().truncateExtend()).setDirectWrite(m.mix().directWrite()))
        .setMinWriteBytes(m.minWriteBytes()).setMaxWriteBytes(m.maxWriteBytes()).setPunchBlock(m.punchBlockBytes())
        .setHotProbability(m.hotProbability()).setHotFractionOfFile(m.hotFractionOfFile()).build());
    sender.withDeadlineAfter(30, TimeUnit.SECONDS).startTransfers(TransferWorkload.newBuilder().setContext(ctx).setFileId(fileId)
        .setSeed(seed).setStrategy(ctx.getStrategy()).setSenderMode(SenderMode.valueOf(t.senderMode()))
        .setConnections(t.connections()).setPipeCapacity(t.pipeCapacity()).setMinTransferBytes(t.minBytes())
        .setMaxTransferBytes(t.maxBytes()).setMinResidencyUs(t.minResidencyMicros()).setMaxResidencyUs(t.maxResidencyMicros())
        .setSegmentBytes(t.segmentBytes()).setCsumToDmaUs(t.csumToDmaMicros())
        .setLink(LinkProfile.newBuilder().setLatencyUs(l.latencyMicros()).setJitterUs(l.jitterMicros()).setLoss(l.loss())
            .setRtoUs(l.rtoMicros()).setMaxAttempts(l.maxAttempts()))
        .build());
  }

  private static String linkLabel(Scenario.LinkSpec l) {
    return String.format(Locale.ROOT, "latency %dus jitter %dus loss %.3f", l.latencyMicros(), l.jitterMicros(), l.loss());
  }

  private void progress(String label, RunContext ctx, double elapsed, double total, boolean last) {
    try {
      SenderStatus s = sender.withDeadlineAfter(5, TimeUnit.SECONDS).status(StatusRequest.getDefaultInstance());
      MutatorStatus m = mutator.withDeadlineAfter(5, TimeUnit.SECONDS).status(StatusRequest.getDefaultInstance());
      CellSummary c = checker.withDeadlineAfter(5, TimeUnit.SECONDS).cellStatus(CellRequest.newBuilder()
          .setRunId(ctx.getRunId()).setCell(ctx.getCell()).build());
      long violations = c.getSnapshotMap().entrySet().stream().filter(e -> !e.getKey().startsWith("OK/")).mapToLong(Map.Entry::getValue).sum();
      String line = String.format(Locale.ROOT, "%s %5.1f/%.0fs  transfers %6d (%5.0f/s)  mutations %6d  judged %6d  violations %5d",
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
    for (ManagedChannel c : channels) {
      c.shutdownNow();
    }
  }
}
