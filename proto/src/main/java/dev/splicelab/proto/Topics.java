package dev.splicelab.proto;

import java.util.List;

/** Kafka topics of a run. Every record is keyed by file id so per-file order holds. */
public final class Topics {
  public static final String MUTATIONS = "splicelab.mutations";
  public static final String SPLICES = "splicelab.splices";
  public static final String TRANSMISSIONS = "splicelab.transmissions";
  public static final String DELIVERIES = "splicelab.deliveries";
  public static final String VERDICTS = "splicelab.verdicts";
  public static final List<String> ALL = List.of(MUTATIONS, SPLICES, TRANSMISSIONS, DELIVERIES, VERDICTS);
  /** Partitions per topic when the launcher creates them. */
  public static final int PARTITIONS = 3;

  private Topics() {}
}
