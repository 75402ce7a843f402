package dev.splicelab.launcher.scenario;

import java.time.Duration;
import java.util.List;

/**
 * A validated, immutable experiment description (the resolved form of a scenario YAML file).
 * Every cell of the run is one strategy under the same seeded workload. Units are in the names.
 */
public record Scenario(
    String name,
    String description,
    /** Active time of each cell (mutator and sender running). */
    Duration cellDuration,
    List<String> strategies,
    FileSpec file,
    TransferSpec transfers,
    LinkSpec link,
    MutationSpec mutations) {

  /** The file under test. profile: "ext4" or "tmpfs". */
  public record FileSpec(long sizeBytes, String profile, long fillChunkBytes) {}

  /** senderMode: "CSUM_OFFLOAD" or "CSUM_SOFTWARE". */
  public record TransferSpec(
      int connections,
      int pipeCapacity,
      long minBytes,
      long maxBytes,
      long minResidencyMicros,
      long maxResidencyMicros,
      int segmentBytes,
      long csumToDmaMicros,
      String senderMode) {}

  public record LinkSpec(
      long latencyMicros, long jitterMicros, double loss, long rtoMicros, int maxAttempts) {}

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
      double hotFractionOfFile) {}
}
