package dev.splicelab.launcher.report;

import java.util.List;
import java.util.Map;

/**
 * Everything measured for one cell of the matrix (strategy x sender mode x fault profile x
 * workload). Verdict counts come from the checker; costs and throughput from the services.
 */
public record CellResult(
    int cell,
    String strategy,
    String senderMode,
    String faultProfile,
    String workload,
    /** Splice records seen by the checker (transfers started). */
    long transfers,
    /** Transfers judged; equals transfers when nothing was lost or double-counted. */
    long verdicts,
    /** Transfers started according to the sender (cross-check of the checker's count). */
    long senderTransfersStarted,
    /** Verdict counts per model: model ("SNAPSHOT", "WINDOW", "INTEGRITY") -> "VERDICT/CLASS" -> n. */
    Map<String, Map<String, Long>> verdictsByModel,
    /** The model this strategy is judged by for its headline rate (WINDOW for COMPLETION_AFTER_SNAPSHOT). */
    String headlineModel,
    /** Wrong bytes per failure class (SNAPSHOT). */
    Map<String, Long> wrongBytes,
    /** Violations per "MODEL/CLASS/CAUSE" where CAUSE is the mutation kind (and writer type) behind it. */
    Map<String, Long> causes,
    /** Transfers whose wrong bytes were accepted by the receiver (SNAPSHOT violations not detected). */
    long silent,
    /** Transfers where the receiver detected corruption (checksum mismatch or MAC failure). */
    long detected,
    long mutations,
    Map<String, Long> mutationsByKind,
    Costs costs,
    long bytesDelivered,
    /** Wall time the cell's workload was active, seconds. */
    double activeSeconds,
    /** Transfer latency, splice-in to last ack (the application-visible completion), microseconds. */
    Map<String, Long> latencyMicros,
    /** Writer stall time (STABLE_PAGES waits, completion-contract waits), microseconds. */
    Map<String, Long> writerStallMicros,
    /** Storage-node pinned bytes sampled once a second during the cell. */
    List<Long> pinnedBytesSamples,
    /** Witnesses (ordered event lines) for failed transfers, a few per model and class. */
    List<WitnessView> witnesses,
    /** How far the testbed's own time stretched the cell's race windows (DESIGN section 8). */
    Timing timing) {

  /** A cell measured without time fidelity (older callers, fixtures). */
  public CellResult(int cell, String strategy, String senderMode, String faultProfile, String workload, long transfers,
      long verdicts, long senderTransfersStarted, Map<String, Map<String, Long>> verdictsByModel, String headlineModel,
      Map<String, Long> wrongBytes, Map<String, Long> causes, long silent, long detected, long mutations,
      Map<String, Long> mutationsByKind, Costs costs, long bytesDelivered, double activeSeconds,
      Map<String, Long> latencyMicros, Map<String, Long> writerStallMicros, List<Long> pinnedBytesSamples,
      List<WitnessView> witnesses) {
    this(cell, strategy, senderMode, faultProfile, workload, transfers, verdicts, senderTransfersStarted, verdictsByModel,
        headlineModel, wrongBytes, causes, silent, detected, mutations, mutationsByKind, costs, bytesDelivered, activeSeconds,
        latencyMicros, writerStallMicros, pinnedBytesSamples, witnesses, Timing.NONE);
  }

  /**
   * The cell's race windows against the scenario's, and what set its pace.
   *
   * @param fidelity implied and measured windows (no transfers measured: all zero)
   * @param dataPath how folio bytes reached the sender ("arena ...", "grpc ReadFolio (...)", or the kernel's)
   * @param cpuMillisPerTransfer CPU time of the testbed's processes (services, broker, launcher) per
   *     transfer, milliseconds; negative when it could not be measured (containers)
   * @param timeScale the scenario's time_scale (every time constant multiplied, every rate divided)
   * @param pace the mutation rate the scenario asks for against the one its writers kept
   * @param scheduling the scheduling policy of the threads that keep the scenario's time (the
   *     sender's application, NIC and link threads; the kernel backend's connection threads), as
   *     they reported it; empty when unknown
   */
  public record Timing(dev.splicelab.proto.TimeFidelity fidelity, String dataPath, double cpuMillisPerTransfer,
      double timeScale, MutationPace pace, String scheduling) {
    public static final Timing NONE = new Timing(dev.splicelab.proto.TimeFidelity.getDefaultInstance(), "", -1, 1);

    /** A cell whose mutation pace and scheduling were not measured. */
    public Timing(dev.splicelab.proto.TimeFidelity fidelity, String dataPath, double cpuMillisPerTransfer, double timeScale) {
      this(fidelity, dataPath, cpuMillisPerTransfer, timeScale, MutationPace.NONE, "");
    }

    /** Mean overhead over the mean implied window. */
    public double overheadFraction() {
      return dev.splicelab.common.fidelity.WindowStats.overheadFraction(fidelity);
    }

    public boolean measured() {
      return fidelity.getTransfers() > 0;
    }

    /** Null when the cell is representative, else why not (the windows, the mutation pace, or both). */
    public String notRepresentative() {
      List<String> why = new java.util.ArrayList<>();
      double f = overheadFraction();
      if (measured() && f > dev.splicelab.common.fidelity.WindowStats.REPRESENTATIVE) {
        why.add(String.format(java.util.Locale.ROOT, "the testbed's overhead is %.0f%% of the scenario's window "
            + "(%.2f ms implied, %.2f ms measured on average; more than %.0f%% widens every race)", 100 * f,
            fidelity.getImpliedMeanUs() / 1000, fidelity.getMeasuredMeanUs() / 1000,
            100 * dev.splicelab.common.fidelity.WindowStats.REPRESENTATIVE));
      }
      if (!pace.kept()) {
        why.add(String.format(java.util.Locale.ROOT, "the writers kept %.0f of the %.0f mutations/s the scenario asks "
            + "for (%.0f%%; the testbed held them up, and fewer mutations make every race rarer)",
            pace.achievedPerSecond(), pace.askedPerSecond(), 100 * pace.fraction()));
      }
      return why.isEmpty() ? null : String.join("; and ", why);
    }
  }

  /**
   * The mutation rate a cell's scenario asks for against the one its writers kept. Writers issue
   * Poisson arrivals and catch up when late, so a shortfall means the testbed (the calls, the
   * page-cache locks, the CPU) held them up, unless the strategy itself stalled them.
   *
   * @param askedPerSecond the workload's rate_per_second, divided by time_scale; 0 when mutations are off
   * @param achievedPerSecond mutations applied over the cell's active seconds
   * @param expected mutations the asked rate gives over the active seconds
   * @param writerStalls writer stalls the strategy imposed (STABLE_PAGES waits, the completion
   *     contract): writers held up by design fall behind, so such a cell's pace is shown, not judged
   */
  public record MutationPace(double askedPerSecond, double achievedPerSecond, double expected, long writerStalls) {
    public static final MutationPace NONE = new MutationPace(0, 0, 0, 0);
    /** The least fraction of the asked rate a judged cell must keep. */
    public static final double KEPT = 0.9;

    /** The pace of {@code mutations} applied over {@code activeSeconds} at {@code askedPerSecond}. */
    public static MutationPace of(double askedPerSecond, long mutations, double activeSeconds, long writerStalls) {
      if (askedPerSecond <= 0 || activeSeconds <= 0) {
        return NONE;
      }
      return new MutationPace(askedPerSecond, mutations / activeSeconds, askedPerSecond * activeSeconds, writerStalls);
    }

    public boolean judged() {
      return askedPerSecond > 0 && writerStalls == 0;
    }

    public double fraction() {
      return askedPerSecond > 0 ? achievedPerSecond / askedPerSecond : 1;
    }

    /**
     * Whether the writers kept the pace: at least {@link #KEPT} of it, or within three standard
     * deviations of the Poisson count the rate gives (a short or slow cell's own spread).
     */
    public boolean kept() {
      if (!judged()) {
        return true;
      }
      double achieved = achievedPerSecond * (expected / askedPerSecond);
      return achieved >= Math.min(KEPT * expected, expected - 3 * Math.sqrt(expected));
    }
  }

  /** Keys of latencyMicros and writerStallMicros: "p50", "p90", "p99", "p999", "max", "count". */
  public static final List<String> PERCENTILES = List.of("p50", "p90", "p99", "p999", "max", "count");

  /** A percentile map with the keys of {@link #PERCENTILES}, in that order. */
  public static Map<String, Long> percentiles(long p50, long p90, long p99, long p999, long max, long count) {
    Map<String, Long> m = new java.util.LinkedHashMap<>();
    m.put("p50", p50);
    m.put("p90", p90);
    m.put("p99", p99);
    m.put("p999", p999);
    m.put("max", max);
    m.put("count", count);
    return m;
  }

  public record Costs(
      long bytesCopied,
      long foliosCopied,
      long writeProtectFaults,
      long confirmRetries,
      long confirmGaveUp,
      long retransmissions,
      long checksumRejects,
      long macFailures,
      long stableTimeoutsFailed,
      long stableTimeoutsLetThrough,
      long peakPinnedBytes) {}

  public record WitnessView(
      String model, String transferId, String verdict, String failureClass, List<String> events) {}

  public Map<String, Long> verdicts(String model) {
    return verdictsByModel.getOrDefault(model, Map.of());
  }

  /** Violations under a model (every verdict key not starting with "OK/"). */
  public long violations(String model) {
    return verdicts(model).entrySet().stream()
        .filter(e -> !e.getKey().startsWith("OK/"))
        .mapToLong(Map.Entry::getValue)
        .sum();
  }

  /** SNAPSHOT violations. */
  public long violations() {
    return violations("SNAPSHOT");
  }

  public double transfersPerSecond() {
    return activeSeconds <= 0 ? 0 : transfers / activeSeconds;
  }
}
