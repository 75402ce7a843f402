package dev.splicelab.launcher.scenario;

import java.time.Duration;
import java.util.List;

/**
 * A validated, immutable experiment description (the resolved form of a scenario YAML file).
 * The run is the cross product workloads x fault profiles x sender modes x strategies (strategy
 * varying fastest); every cell runs under the same seed. Units are in the names.
 */
public record Scenario(
    String name,
    String description,
    /** Active time of each cell (mutator and sender running). */
    Duration cellDuration,
    /** SHARE, COPY_AT_SPLICE, COW_PRIVATE_REF, OPTIMISTIC_CONFIRM, STABLE_PAGES, COMPLETION_AFTER_SNAPSHOT. */
    List<String> strategies,
    /** CSUM_OFFLOAD, CSUM_SOFTWARE, TLS_SW, TLS_OFFLOAD. */
    List<String> senderModes,
    List<FaultProfile> faultProfiles,
    List<Workload> workloads,
    FileSpec file,
    TransferSpec transfers,
    StablePagesSpec stablePages,
    /** Transport faults between services, applied in every cell at their start offset. */
    List<FaultSpec> faults,
    /**
     * Time dilation: every time constant is multiplied by it and every rate divided by it when the
     * scenario runs (see {@link #dilated}); 1 runs it as written.
     */
    double timeScale,
    /**
     * The least transfers a cell must hold for its rates to be worth reading (0: no least): a cell
     * that has run its cell_duration with fewer started transfers runs on until it holds them, for
     * at most {@link #MAX_CELL_EXTENSION} times its duration.
     */
    long cellMinTransfers) {

  /** How many times its cell_duration a cell may run, at most, to reach cell_min_transfers. */
  public static final int MAX_CELL_EXTENSION = 4;

  /** A scenario with no least number of transfers per cell. */
  public Scenario(String name, String description, Duration cellDuration, List<String> strategies, List<String> senderModes,
      List<FaultProfile> faultProfiles, List<Workload> workloads, FileSpec file, TransferSpec transfers,
      StablePagesSpec stablePages, List<FaultSpec> faults, double timeScale) {
    this(name, description, cellDuration, strategies, senderModes, faultProfiles, workloads, file, transfers, stablePages,
        faults, timeScale, 0);
  }

  /** A scenario run as written (time_scale 1). */
  public Scenario(String name, String description, Duration cellDuration, List<String> strategies, List<String> senderModes,
      List<FaultProfile> faultProfiles, List<Workload> workloads, FileSpec file, TransferSpec transfers,
      StablePagesSpec stablePages, List<FaultSpec> faults) {
    this(name, description, cellDuration, strategies, senderModes, faultProfiles, workloads, file, transfers, stablePages,
        faults, 1);
  }

  /** The same scenario with another time scale. */
  public Scenario withTimeScale(double k) {
    return new Scenario(name, description, cellDuration, strategies, senderModes, faultProfiles, workloads, file, transfers,
        stablePages, faults, k, cellMinTransfers);
  }

  /** The same scenario with another cell duration. */
  public Scenario withCellDuration(Duration d) {
    return new Scenario(name, description, d, strategies, senderModes, faultProfiles, workloads, file, transfers,
        stablePages, faults, timeScale, cellMinTransfers);
  }

  /**
   * The scenario as it runs under its time scale k (Gupta et al., NSDI 2006): the cell duration,
   * residencies, csum_to_dma, link latency, jitter, RTO, reorder delay and partition windows,
   * stable-page wait, and fault timelines and delays multiplied by k; mutation rates and
   * bandwidths divided by k; counts (cell_min_transfers among them) unchanged. The race
   * probabilities stay the same, so a run at k and at 1 must agree unless the testbed's own
   * overhead biases one of them. The result has time scale 1.
   */
  public Scenario dilated() {
    double k = timeScale;
    if (k == 1) {
      return this;
    }
    TransferSpec t = transfers;
    TransferSpec dt = new TransferSpec(t.connections(), t.pipeCapacity(), t.minBytes(), t.maxBytes(),
        times(t.minResidencyMicros(), k), times(t.maxResidencyMicros(), k), t.segmentBytes(), times(t.csumToDmaMicros(), k),
        t.maxConfirmRetries());
    List<FaultProfile> profiles = faultProfiles.stream().map(p -> {
      LinkSpec l = p.link();
      return new FaultProfile(p.name(), new LinkSpec(times(l.latencyMicros(), k), times(l.jitterMicros(), k), l.loss(),
          Math.max(1, times(l.rtoMicros(), k)), l.maxAttempts(), l.bandwidthBytesPerSecond() == 0 ? 0
          : Math.max(1, Math.round(l.bandwidthBytesPerSecond() / k)), l.duplicate(), l.reorder(),
          times(l.reorderDelayMicros(), k), l.corrupt(),
          l.partitions().stream().map(w -> new Window(times(w.start(), k), times(w.duration(), k))).toList()));
    }).toList();
    List<Workload> loads = workloads.stream().map(w -> {
      MutationSpec m = w.mutations();
      return new Workload(w.name(), new MutationSpec(m.writers(), m.ratePerSecond() / k, m.mix(), m.minWriteBytes(),
          m.maxWriteBytes(), m.punchBlockBytes(), m.hotProbability(), m.hotFractionOfFile(), m.applicationFraction()));
    }).toList();
    StablePagesSpec sp = new StablePagesSpec(stablePages.holdFrom(), times(stablePages.waitTimeout(), k),
        stablePages.onTimeout());
    List<FaultSpec> fs = faults.stream().map(f -> new FaultSpec(f.kind(), f.target(), times(f.start(), k),
        times(f.duration(), k), times(f.latencyMicros(), k), f.probability(),
        f.rateKbps() == 0 ? 0 : Math.max(1, Math.round(f.rateKbps() / k)), f.sliceBytes(), times(f.sliceDelayMicros(), k)))
        .toList();
    return new Scenario(name, description, times(cellDuration, k), strategies, senderModes, profiles, loads, file, dt, sp,
        fs, 1, cellMinTransfers);
  }

  private static long times(long v, double k) {
    return Math.round(v * k);
  }

  private static Duration times(Duration d, double k) {
    return Duration.ofNanos(Math.round(d.toNanos() * k));
  }

  /** The file under test. profile: "ext4" or "tmpfs". */
  public record FileSpec(long sizeBytes, String profile, long fillChunkBytes) {}

  public record TransferSpec(
      int connections,
      int pipeCapacity,
      long minBytes,
      long maxBytes,
      long minResidencyMicros,
      long maxResidencyMicros,
      int segmentBytes,
      long csumToDmaMicros,
      /** OPTIMISTIC_CONFIRM: re-splices per transfer before it is abandoned. */
      int maxConfirmRetries) {}

  /** A time window relative to the start of a cell's workload. */
  public record Window(Duration start, Duration duration) {}

  /** The emulated link between the network sender and the checker's receiver. */
  public record LinkSpec(
      long latencyMicros,
      long jitterMicros,
      double loss,
      long rtoMicros,
      int maxAttempts,
      /** 0 for unlimited. */
      long bandwidthBytesPerSecond,
      double duplicate,
      double reorder,
      long reorderDelayMicros,
      /** Probability that a segment gets one bit flipped on the wire. */
      double corrupt,
      List<Window> partitions) {}

  /** A named link profile (built-in: lan, wan, lossy, partition; or custom). */
  public record FaultProfile(String name, LinkSpec link) {}

  /** Relative weights, each >= 0, at least one > 0. */
  public record Mix(
      double write,
      double mmapStore,
      double punchPartial,
      double punchWhole,
      double truncateExtend,
      double directWrite) {}

  public record MutationSpec(
      int writers,
      double ratePerSecond,
      Mix mix,
      long minWriteBytes,
      long maxWriteBytes,
      long punchBlockBytes,
      double hotProbability,
      double hotFractionOfFile,
      /** Fraction of mutations made by "application" writers that honour the completion contract. */
      double applicationFraction) {}

  public record Workload(String name, MutationSpec mutations) {}

  /**
   * STABLE_PAGES. holdFrom: "checksum" (a folio is held from the checksum read to the ack, as
   * proposed) or "splice" (from splice-in). onTimeout: "fail_writer" or "let_through".
   */
  public record StablePagesSpec(String holdFrom, Duration waitTimeout, String onTimeout) {}

  /**
   * A transport fault (Trogdor-style spec). kind: grpc_latency, grpc_reset, grpc_timeout (on the
   * target's gRPC server), pause_process (SIGSTOP for the duration, then SIGCONT), kill_restart
   * (SIGKILL at start, restarted at once; duration ignored). target: storage-node, pipe-broker,
   * network-sender, mutator or checker. latencyMicros: for grpc_latency. probability: per call,
   * for grpc_reset and grpc_timeout.
   */
  /**
   * One transport fault on a cell's timeline. {@code latencyMicros} applies to grpc_latency,
   * {@code probability} (per call) to grpc_reset and grpc_timeout, {@code rateKbps} (KiB/s) to
   * bandwidth, {@code sliceBytes} and {@code sliceDelayMicros} to slicer. bandwidth and slicer
   * act on the TCP stream and need Toxiproxy ({@code --target compose}); elsewhere they are
   * reported as not applied.
   */
  public record FaultSpec(String kind, String target, Duration start, Duration duration, long latencyMicros,
      double probability, long rateKbps, long sliceBytes, long sliceDelayMicros) {
    public FaultSpec(String kind, String target, Duration start, Duration duration, long latencyMicros, double probability) {
      this(kind, target, start, duration, latencyMicros, probability, 0, 0, 0);
    }
  }
}
