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
    List<WitnessView> witnesses) {

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
