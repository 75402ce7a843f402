package dev.splicelab.launcher.report;

import java.time.Instant;
import java.util.List;

/**
 * Everything the report of one run needs besides the per-cell results: identity of the run,
 * where it ran and how long it took. Written by {@link ReportWriter}.
 *
 * @param runId the run's identifier (usually the timestamp directory name)
 * @param scenarioName scenario name, as in the YAML file
 * @param scenarioDescription free-text description of the scenario (may be empty)
 * @param seed the run's seed
 * @param startedAt when the run started
 * @param wallSeconds wall time of the whole run, seconds
 * @param kafkaBootstrap e.g. "embedded 127.0.0.1:34567" or the external bootstrap address
 * @param javaVersion the JVM that ran the launcher
 * @param hostInfo a short description of the machine (OS, kernel, cores, memory)
 * @param cells one result per cell of the matrix, in cell order
 */
public record RunReport(
    String runId,
    String scenarioName,
    String scenarioDescription,
    long seed,
    Instant startedAt,
    double wallSeconds,
    String kafkaBootstrap,
    String javaVersion,
    String hostInfo,
    List<CellResult> cells) {

  public RunReport {
    cells = cells == null ? List.of() : List.copyOf(cells);
  }
}
