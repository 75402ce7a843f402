package dev.splicelab.launcher.report;

import dev.splicelab.launcher.report.CellResult.Costs;
import dev.splicelab.launcher.report.CellResult.WitnessView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Cells and runs shared by the report tests. */
final class ReportFixtures {

  private ReportFixtures() {}

  static Map<String, Long> counts(Object... kv) {
    Map<String, Long> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], ((Number) kv[i + 1]).longValue());
    }
    return m;
  }

  static Map<String, Long> percentiles(long p50, long p90, long p99, long p999, long max, long n) {
    return counts("p50", p50, "p90", p90, "p99", p99, "p999", p999, "max", max, "count", n);
  }

  static Costs costs(long bytesCopied, long foliosCopied, long retransmissions, long macFailures,
      long peakPinned) {
    return new Costs(bytesCopied, foliosCopied, 0, 0, 0, retransmissions, 0, macFailures, 0, 0,
        peakPinned);
  }

  /**
   * SHARE, checksum offload: 1000 transfers, all judged. SNAPSHOT: 100 NEWER_VERSION and 20
   * ZEROED; WINDOW: 10 TORN; INTEGRITY clean. Witnesses: SNAPSHOT ZEROED (with characters to
   * escape), SNAPSHOT NEWER_VERSION and a WINDOW TORN one (not its headline model).
   */
  static CellResult share() {
    Map<String, Map<String, Long>> verdicts = new LinkedHashMap<>();
    verdicts.put(
        "SNAPSHOT", counts("OK/NONE", 880, "VIOLATED/NEWER_VERSION", 100, "VIOLATED/ZEROED", 20));
    verdicts.put("WINDOW", counts("OK/NONE", 990, "VIOLATED/TORN", 10));
    verdicts.put("INTEGRITY", counts("OK/NONE", 1000));
    return new CellResult(
        1,
        "SHARE",
        "CSUM_OFFLOAD",
        "lan",
        "mixed",
        1000,
        1000,
        1000,
        verdicts,
        "SNAPSHOT",
        counts("NEWER_VERSION", 409_600, "ZEROED", 81_920),
        counts(
            "SNAPSHOT/NEWER_VERSION/WRITE", 70,
            "SNAPSHOT/NEWER_VERSION/MMAP_STORE", 30,
            "SNAPSHOT/ZEROED/PUNCH_HOLE", 15,
            "SNAPSHOT/ZEROED/TRUNCATE", 5,
            "WINDOW/TORN/WRITE", 10),
        120,
        0,
        250,
        counts("WRITE", 150, "MMAP_STORE", 60, "PUNCH_HOLE", 30, "TRUNCATE", 10),
        costs(0, 0, 3, 0, 8L << 20),
        4_096_000,
        10.0,
        percentiles(850, 2_000, 4_200, 8_000, 9_999, 1000),
        percentiles(0, 0, 0, 0, 0, 0),
        List.of(0L, 1L << 20, 4L << 20, 8L << 20, 6L << 20),
        List.of(
            new WitnessView(
                "SNAPSHOT",
                "t-0042",
                "VIOLATED",
                "ZEROED",
                List.of(
                    "   +0.000 ms  SPLICE    t-0042 file 1 [0, 4096) at v1: 1 page refs",
                    "   +0.102 ms  MUTATION  v2 TRUNCATE [0, EOF) op 7 <while pinned>",
                    "   +0.305 ms  DELIVERY  4096 bytes, 0 checksum rejects & zero page",
                    "            cell @0: ZERO",
                    "            VERDICT SNAPSHOT ZEROED 4096")),
            new WitnessView(
                "SNAPSHOT",
                "t-0007",
                "VIOLATED",
                "NEWER_VERSION",
                List.of(
                    "   +0.000 ms  SPLICE    t-0007 file 1 [8192, 12288) at v3",
                    "   +1.500 ms  MUTATION  v4 WRITE [8192, 8256) op 9",
                    "   +2.250 ms  SEGMENT   seq 0 attempt 0 [8192, 12288) dma read",
                    "            VERDICT SNAPSHOT NEWER_VERSION 64")),
            new WitnessView(
                "WINDOW",
                "t-0099",
                "VIOLATED",
                "TORN",
                List.of("   +0.000 ms  SPLICE    t-0099", "            VERDICT WINDOW TORN 64"))));
  }

  /**
   * COMPLETION_AFTER_SNAPSHOT, software checksum, judged by WINDOW: 500 transfers, 499 verdicts.
   * SNAPSHOT: 50 NEWER_VERSION (application writes after completion); WINDOW: 2 NEWER_VERSION by
   * a foreign writer.
   */
  static CellResult completion() {
    Map<String, Map<String, Long>> verdicts = new LinkedHashMap<>();
    verdicts.put("SNAPSHOT", counts("OK/NONE", 449, "VIOLATED/NEWER_VERSION", 50));
    verdicts.put("WINDOW", counts("OK/NONE", 497, "VIOLATED/NEWER_VERSION", 2));
    verdicts.put("INTEGRITY", counts("OK/NONE", 499));
    return new CellResult(
        2,
        "COMPLETION_AFTER_SNAPSHOT",
        "CSUM_SOFTWARE",
        "lan",
        "mixed",
        500,
        499,
        500,
        verdicts,
        "WINDOW",
        counts("NEWER_VERSION", 3_200),
        counts(
            "SNAPSHOT/NEWER_VERSION/WRITE:application", 48,
            "SNAPSHOT/NEWER_VERSION/WRITE:foreign", 2,
            "WINDOW/NEWER_VERSION/WRITE:foreign", 2),
        50,
        0,
        120,
        counts("WRITE", 120),
        costs(1_024_000, 250, 0, 0, 2L << 20),
        2_048_000,
        5.0,
        percentiles(1_200, 3_000, 6_000, 11_000, 12_000, 499),
        percentiles(300, 900, 2_500, 4_000, 4_100, 120),
        List.of(0L, 2L << 20, 1L << 20),
        List.of(
            new WitnessView(
                "WINDOW",
                "t-0500",
                "VIOLATED",
                "NEWER_VERSION",
                List.of("   +0.000 ms  SPLICE    t-0500", "            VERDICT WINDOW NEWER_VERSION 64"))));
  }

  /**
   * SHARE with TLS offload: 800 transfers; 30 MAC failures (detected), 10 TORN, 1 LOST (without a
   * witness) under SNAPSHOT; the MAC failures under INTEGRITY too.
   */
  static CellResult tlsOffload() {
    Map<String, Map<String, Long>> verdicts = new LinkedHashMap<>();
    verdicts.put(
        "SNAPSHOT",
        counts(
            "OK/NONE", 759, "VIOLATED/MAC_FAILURE", 30, "VIOLATED/TORN", 10, "VIOLATED/LOST", 1));
    verdicts.put("WINDOW", counts("OK/NONE", 790, "VIOLATED/TORN", 10));
    verdicts.put("INTEGRITY", counts("OK/NONE", 770, "VIOLATED/MAC_FAILURE", 30));
    return new CellResult(
        3,
        "SHARE",
        "TLS_OFFLOAD",
        "lan",
        "mixed",
        800,
        800,
        800,
        verdicts,
        "SNAPSHOT",
        counts("TORN", 640, "LOST", 4_096),
        counts(
            "SNAPSHOT/MAC_FAILURE/WRITE", 20,
            "SNAPSHOT/MAC_FAILURE/MMAP_STORE", 10,
            "SNAPSHOT/TORN/MMAP_STORE", 10,
            "INTEGRITY/MAC_FAILURE/WRITE", 20,
            "INTEGRITY/MAC_FAILURE/MMAP_STORE", 10),
        10,
        30,
        200,
        counts("WRITE", 120, "MMAP_STORE", 80),
        costs(0, 0, 40, 30, 4L << 20),
        3_276_800,
        10.0,
        percentiles(900, 2_500, 5_000, 9_000, 10_000, 800),
        percentiles(0, 0, 0, 0, 0, 0),
        List.of(0L, 3L << 20, 4L << 20, 2L << 20),
        List.of(
            new WitnessView(
                "SNAPSHOT",
                "t-0801",
                "VIOLATED",
                "MAC_FAILURE",
                List.of(
                    "   +0.000 ms  SPLICE    t-0801",
                    "   +3.000 ms  SEGMENT   seq 0 attempt 1 [0, 16384) dma read, retransmit",
                    "            VERDICT SNAPSHOT MAC_FAILURE 0")),
            new WitnessView(
                "SNAPSHOT",
                "t-0802",
                "VIOLATED",
                "TORN",
                List.of("   +0.000 ms  SPLICE    t-0802", "            VERDICT SNAPSHOT TORN 64"))));
  }

  static RunReport report() {
    return run(List.of(share(), completion(), tlsOffload()));
  }

  static RunReport run(List<CellResult> cells) {
    return new RunReport(
        "20250101-120000",
        "matrix-race",
        "Writers race <splice> & sendfile",
        42L,
        Instant.parse("2025-01-01T12:00:00Z"),
        83.5,
        "embedded 127.0.0.1:34567",
        "17.0.15",
        "Linux 6.1 x86_64, 2 cores",
        cells);
  }

  static final List<String> STRATEGIES =
      List.of(
          "SHARE",
          "COPY_AT_SPLICE",
          "COW_PRIVATE_REF",
          "OPTIMISTIC_CONFIRM",
          "STABLE_PAGES",
          "COMPLETION_AFTER_SNAPSHOT");

  static final List<String> SENDER_MODES =
      List.of("CSUM_OFFLOAD", "CSUM_SOFTWARE", "TLS_SW", "TLS_OFFLOAD");

  /**
   * A full matrix: 6 strategies x 4 sender modes x 2 fault profiles x 1 workload = 48 cells, the
   * strategy varying fastest (as the scenario orders them).
   */
  static List<CellResult> matrix48() {
    List<CellResult> cells = new ArrayList<>();
    int cell = 0;
    for (String fault : List.of("lan", "lossy")) {
      for (String mode : SENDER_MODES) {
        for (String strategy : STRATEGIES) {
          boolean completion = strategy.equals("COMPLETION_AFTER_SNAPSHOT");
          boolean share = strategy.equals("SHARE");
          long n = 10_000 + cell * 37L;
          long newer = share ? 900 + cell : completion ? 0 : cell % 5;
          long zeroed = share ? 40 + cell % 7 : 0;
          long mac = mode.equals("TLS_OFFLOAD") ? 5 + cell % 3 : 0;
          long ok = n - newer - zeroed - mac;
          Map<String, Map<String, Long>> verdicts = new LinkedHashMap<>();
          verdicts.put(
              "SNAPSHOT",
              counts(
                  "OK/NONE", ok, "VIOLATED/NEWER_VERSION", newer, "VIOLATED/ZEROED", zeroed,
                  "VIOLATED/MAC_FAILURE", mac));
          verdicts.put("WINDOW", counts("OK/NONE", n - cell % 3, "VIOLATED/NEWER_VERSION", cell % 3));
          verdicts.put("INTEGRITY", counts("OK/NONE", n - mac, "VIOLATED/MAC_FAILURE", mac));
          cells.add(
              new CellResult(
                  cell,
                  strategy,
                  mode,
                  fault,
                  "mixed",
                  n,
                  n,
                  n,
                  verdicts,
                  completion ? "WINDOW" : "SNAPSHOT",
                  Map.of(),
                  Map.of(),
                  newer + zeroed,
                  mac,
                  1_000,
                  counts("WRITE", 1_000),
                  costs(strategy.equals("COPY_AT_SPLICE") ? n * 4096 : 0, 0, cell, mac, 1L << 20),
                  n * 4096,
                  30.0,
                  percentiles(100 + cell, 200 + cell, 400 + cell, 800 + cell, 1_000 + cell, n),
                  strategy.equals("STABLE_PAGES")
                      ? percentiles(50, 90, 990, 9_990, 20_000, 300)
                      : percentiles(0, 0, 0, 0, 0, 0),
                  List.of(1L << 20, (long) cell << 16, 2L << 20),
                  List.of()));
          cell++;
        }
      }
    }
    return cells;
  }
}
