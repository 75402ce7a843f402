package dev.splicelab.launcher.report;

import java.util.List;
import java.util.Map;

/**
 * Everything measured for one cell of the matrix (strategy x sender mode x fault profile x
 * workload). Counts come from the checker's verdicts; costs and throughput from the services.
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
    /** SNAPSHOT verdict counts keyed "VERDICT/CLASS", e.g. "OK/NONE", "VIOLATED/ZEROED". */
    Map<String, Long> snapshot,
    /** Wrong bytes per failure class. */
    Map<String, Long> wrongBytes,
    long mutations,
    Map<String, Long> mutationsByKind,
    long checksumRejects,
    long retransmissions,
    long bytesCopied,
    long peakPinnedBytes,
    long bytesDelivered,
    /** Wall time the cell's workload was active, seconds. */
    double activeSeconds,
    long latencyP50Micros,
    long latencyP99Micros,
    long latencyMaxMicros,
    /** Witnesses (ordered event lines) for failed transfers, a few per class. */
    List<WitnessView> witnesses) {

  public record WitnessView(
      String transferId, String verdict, String failureClass, List<String> events) {}

  /** SNAPSHOT violations (every verdict key not starting with "OK/"). */
  public long violations() {
    return snapshot.entrySet().stream()
        .filter(e -> !e.getKey().startsWith("OK/"))
        .mapToLong(Map.Entry::getValue)
        .sum();
  }

  public double transfersPerSecond() {
    return activeSeconds <= 0 ? 0 : transfers / activeSeconds;
  }
}
