package dev.splicelab.load;

/**
 * One bench measured once (one round).
 *
 * @param bench the bench's name, e.g. "model SHARE scenario" or "grpc baseline"
 * @param path "baseline", "model" or "kernel"
 * @param strategy the strategy ("-" for the baseline)
 * @param mutations whether the mutator (or the kernel's writers) ran
 * @param capacity true when the scenario's time constants were zeroed (residency, csum_to_dma, link
 *     latency): the path's own speed; false when the scenario ran as written
 * @param transfers transfers completed in the measured time
 * @param bytes bytes delivered in the measured time
 * @param seconds the measured time
 * @param p50Us transfer latency percentiles, microseconds (open loop: from each scheduled start)
 * @param cpuMillisPerTransfer CPU time of every process on the path per transfer; -1 if unknown
 * @param overheadFraction the testbed's overhead over the implied race window; NaN if not measured
 * @param note what else to know (the data path used, the kernel's mechanism)
 */
public record Measurement(String bench, String path, String strategy, boolean mutations, boolean capacity, int round,
    long transfers, long bytes, double seconds, long p50Us, long p99Us, long p999Us, double cpuMillisPerTransfer,
    double overheadFraction, String note) {

  public double transfersPerSecond() {
    return seconds <= 0 ? 0 : transfers / seconds;
  }

  public double mibPerSecond() {
    return seconds <= 0 ? 0 : bytes / seconds / (1 << 20);
  }
}
