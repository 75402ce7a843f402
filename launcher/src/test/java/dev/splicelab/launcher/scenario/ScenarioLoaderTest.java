package dev.splicelab.launcher.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScenarioLoaderTest {

  private static final long KIB = 1024;
  private static final long MIB = 1024 * KIB;

  /** The smallest valid scenario: everything else takes the defaults. */
  private static final String MINIMAL =
      """
      name: t
      cell_duration: 5s
      strategies: [SHARE]
      """;

  private static final List<String> ALL_STRATEGIES =
      List.of(
          "SHARE",
          "COPY_AT_SPLICE",
          "COW_PRIVATE_REF",
          "OPTIMISTIC_CONFIRM",
          "STABLE_PAGES",
          "COMPLETION_AFTER_SNAPSHOT");

  // The documented values, written out here rather than taken from the loader's constants.

  private static final Scenario.LinkSpec QUICKSTART_LINK =
      new Scenario.LinkSpec(200, 100, 0.0, 200000, 8, 0, 0.0, 0.0, 0, 0.0, List.of());

  private static final Scenario.FaultProfile LAN =
      new Scenario.FaultProfile(
          "lan", new Scenario.LinkSpec(100, 50, 0.0, 200000, 8, 0, 0.0, 0.0, 0, 0.0, List.of()));

  private static final Scenario.FaultProfile WAN =
      new Scenario.FaultProfile(
          "wan",
          new Scenario.LinkSpec(
              20000, 5000, 0.001, 200000, 8, 12_500_000, 0.0, 0.0, 0, 0.0, List.of()));

  private static final Scenario.FaultProfile LOSSY =
      new Scenario.FaultProfile(
          "lossy",
          new Scenario.LinkSpec(500, 200, 0.02, 200000, 12, 0, 0.01, 0.02, 2000, 0.005, List.of()));

  private static final Scenario.FaultProfile PARTITION =
      new Scenario.FaultProfile(
          "partition",
          new Scenario.LinkSpec(
              100,
              50,
              0.0,
              200000,
              8,
              0,
              0.0,
              0.0,
              0,
              0.0,
              List.of(
                  new Scenario.Window(Duration.ofSeconds(3), Duration.ofSeconds(1)),
                  new Scenario.Window(Duration.ofSeconds(8), Duration.ofMillis(500)))));

  private static final Scenario.MutationSpec QUICKSTART_MUTATIONS =
      new Scenario.MutationSpec(
          2, 400, new Scenario.Mix(4, 3, 2, 1, 0, 0), 4 * KIB, 64 * KIB, 64 * KIB, 0.0, 0.1, 0.0);

  private static final Scenario.StablePagesSpec DEFAULT_STABLE_PAGES =
      new Scenario.StablePagesSpec("checksum", Duration.ofMillis(200), "fail_writer");

  private static final Scenario QUICKSTART =
      new Scenario(
          "quickstart",
          "One 4 MiB ext4 file; 16-256 KiB transfers through pipes with a few ms of residency; a"
              + " mutator mixing writes, mmap stores and partial and whole punch holes. Runs the"
              + " same seeded workload under SHARE and COPY_AT_SPLICE.",
          Duration.ofSeconds(25),
          List.of("SHARE", "COPY_AT_SPLICE"),
          List.of("CSUM_SOFTWARE"),
          List.of(new Scenario.FaultProfile("default", QUICKSTART_LINK)),
          List.of(new Scenario.Workload("default", QUICKSTART_MUTATIONS)),
          new Scenario.FileSpec(4 * MIB, "ext4", 64 * KIB),
          new Scenario.TransferSpec(4, 64, 16 * KIB, 256 * KIB, 1000, 5000, 16 * 1024, 200, 64),
          DEFAULT_STABLE_PAGES,
          List.of());

  /** The "mixed" workload of matrix and mechanisms, at the given rate. */
  private static Scenario.Workload mixed(double rate) {
    return new Scenario.Workload(
        "mixed",
        new Scenario.MutationSpec(
            2,
            rate,
            new Scenario.Mix(4, 3, 2, 1, 1, 1),
            4 * KIB,
            64 * KIB,
            64 * KIB,
            0.0,
            0.1,
            0.5));
  }

  private static long cells(Scenario s) {
    return (long) s.strategies().size()
        * s.senderModes().size()
        * s.faultProfiles().size()
        * s.workloads().size();
  }

  // ---------------------------------------------------------------------------------------------
  // Built-ins

  @Test
  void builtInNamesAreFixed() {
    assertThat(ScenarioLoader.builtInNames())
        .containsExactly("quickstart", "smoke", "matrix", "mechanisms");
  }

  @Test
  void quickstartHasExactlyTheDocumentedValues() {
    assertThat(ScenarioLoader.builtIn("quickstart")).isEqualTo(QUICKSTART);
  }

  @Test
  void smokeIsQuickstartShorterAndBusier() {
    Scenario smoke = ScenarioLoader.builtIn("smoke");
    assertThat(smoke.name()).isEqualTo("smoke");
    assertThat(smoke.cellDuration()).isEqualTo(Duration.ofSeconds(6));
    assertThat(smoke.workloads().get(0).mutations().ratePerSecond()).isEqualTo(800.0);
    assertThat(smoke.description()).contains("integration test");
    Scenario.MutationSpec q = QUICKSTART_MUTATIONS;
    Scenario expected =
        new Scenario(
            "smoke",
            smoke.description(),
            Duration.ofSeconds(6),
            QUICKSTART.strategies(),
            QUICKSTART.senderModes(),
            QUICKSTART.faultProfiles(),
            List.of(
                new Scenario.Workload(
                    "default",
                    new Scenario.MutationSpec(
                        q.writers(),
                        800,
                        q.mix(),
                        q.minWriteBytes(),
                        q.maxWriteBytes(),
                        q.punchBlockBytes(),
                        q.hotProbability(),
                        q.hotFractionOfFile(),
                        q.applicationFraction()))),
            QUICKSTART.file(),
            QUICKSTART.transfers(),
            QUICKSTART.stablePages(),
            List.of(
                new Scenario.FaultSpec("grpc_latency", "storage-node", Duration.ofSeconds(1), Duration.ofSeconds(1), 2000, 0),
                new Scenario.FaultSpec("pause_process", "pipe-broker", Duration.ofSeconds(3), Duration.ofMillis(500), 0, 0)));
    assertThat(smoke).isEqualTo(expected);
  }

  @Test
  void matrixHas48CellsOfEveryStrategyAndSenderModeOnLanAndLossy() {
    Scenario matrix = ScenarioLoader.builtIn("matrix");
    assertThat(cells(matrix)).isEqualTo(48);
    assertThat(ScenarioLoader.cells(matrix)).isEqualTo(48);
    assertThat(matrix.cellDuration().multipliedBy(cells(matrix)))
        .isLessThanOrEqualTo(Duration.ofMinutes(15));
    assertThat(matrix.description()).contains("48 cells");
    Scenario expected =
        new Scenario(
            "matrix",
            matrix.description(),
            Duration.ofSeconds(10),
            ALL_STRATEGIES,
            List.of("CSUM_OFFLOAD", "CSUM_SOFTWARE", "TLS_SW", "TLS_OFFLOAD"),
            List.of(LAN, LOSSY),
            List.of(mixed(300)),
            QUICKSTART.file(),
            QUICKSTART.transfers(),
            DEFAULT_STABLE_PAGES,
            List.of(),
            1,
            2000);
    assertThat(matrix).isEqualTo(expected);
  }

  @Test
  void cellMinTransfersIsACountInItsRangeThatTimeScaleLeavesAsItIs() {
    assertThat(ScenarioLoader.parse(MINIMAL, "t.yaml").cellMinTransfers()).isZero();
    Scenario s = ScenarioLoader.parse(MINIMAL + "cell_min_transfers: 2000\ntime_scale: 4\n", "t.yaml");
    assertThat(s.cellMinTransfers()).isEqualTo(2000);
    assertThat(s.dilated().cellMinTransfers()).as("a count, not a time").isEqualTo(2000);
    assertThat(s.dilated().cellDuration()).isEqualTo(Duration.ofSeconds(20));
    assertThat(ScenarioLoader.parse(ScenarioLoader.toYaml(s), "scenario.yaml")).isEqualTo(s);
    assertError(rejected(MINIMAL + "cell_min_transfers: -1\n"), 4, "cell_min_transfers",
        "must be between 0 and 10000000, got -1");
    assertError(rejected(MINIMAL + "cell_min_transfers: 10000001\n"), 4, "cell_min_transfers",
        "must be between 0 and 10000000, got 10000001");
    assertError(rejected(MINIMAL + "cell_min_transfers: 2k\n"), 4, "cell_min_transfers",
        "expected an integer, got '2k'");
  }

  @Test
  void mechanismsIsShortWithStablePagesHeldFromSplice() {
    Scenario mechanisms = ScenarioLoader.builtIn("mechanisms");
    assertThat(cells(mechanisms)).isEqualTo(24);
    assertThat(mechanisms.description()).contains("mechanism integration test");
    Scenario expected =
        new Scenario(
            "mechanisms",
            mechanisms.description(),
            Duration.ofSeconds(5),
            ALL_STRATEGIES,
            List.of("CSUM_SOFTWARE", "TLS_SW"),
            List.of(LAN),
            List.of(mixed(600), new Scenario.Workload("gentle", new Scenario.MutationSpec(2, 120,
                new Scenario.Mix(0.5, 8, 0.5, 0, 0, 0), 64, 4 * KIB, 64 * KIB, 0.0, 0.1, 0.5))),
            QUICKSTART.file(),
            QUICKSTART.transfers(),
            new Scenario.StablePagesSpec("splice", Duration.ofSeconds(2), "fail_writer"),
            List.of());
    assertThat(mechanisms).isEqualTo(expected);
  }

  @Test
  void builtInProfileConstantsHaveTheDocumentedValues() {
    assertThat(ScenarioLoader.LAN).isEqualTo(LAN);
    assertThat(ScenarioLoader.WAN).isEqualTo(WAN);
    assertThat(ScenarioLoader.LOSSY).isEqualTo(LOSSY);
    assertThat(ScenarioLoader.PARTITION).isEqualTo(PARTITION);
    assertThat(ScenarioLoader.BUILT_IN_PROFILES).containsExactly(LAN, WAN, LOSSY, PARTITION);
  }

  @Test
  void unknownBuiltInListsTheBuiltIns() {
    ScenarioException e =
        catchThrowableOfType(ScenarioException.class, () -> ScenarioLoader.builtIn("nope"));
    assertThat(e.getMessage())
        .isEqualTo(
            "nope: not a built-in scenario; built-in scenarios: quickstart, smoke, matrix,"
                + " mechanisms");
  }

  @Test
  void minimalScenarioTakesTheDefaults() {
    Scenario s = ScenarioLoader.parse(MINIMAL, "t.yaml");
    assertThat(s.name()).isEqualTo("t");
    assertThat(s.description()).isEmpty();
    assertThat(s.cellDuration()).isEqualTo(Duration.ofSeconds(5));
    assertThat(s.strategies()).containsExactly("SHARE");
    assertThat(s.senderModes()).isEqualTo(QUICKSTART.senderModes());
    assertThat(s.faultProfiles()).isEqualTo(QUICKSTART.faultProfiles());
    assertThat(s.workloads()).isEqualTo(QUICKSTART.workloads());
    assertThat(s.file()).isEqualTo(QUICKSTART.file());
    assertThat(s.transfers()).isEqualTo(QUICKSTART.transfers());
    assertThat(s.stablePages()).isEqualTo(QUICKSTART.stablePages());
    assertThat(s.faults()).isEmpty();
  }

  @Test
  void emptySectionsAndPartialMixTakeDefaultsAndZeros() {
    Scenario s =
        ScenarioLoader.parse(
            MINIMAL
                + """
                file:
                transfers: {}
                stable_pages:
                faults:
                workloads:
                  - name: w
                    mutations:
                      mix: {write: 1, direct_write: 0.5}
                      hot_fraction_of_file: 1
                  - name: all-defaults
                """,
            "t.yaml");
    assertThat(s.file()).isEqualTo(QUICKSTART.file());
    assertThat(s.transfers()).isEqualTo(QUICKSTART.transfers());
    assertThat(s.stablePages()).isEqualTo(QUICKSTART.stablePages());
    assertThat(s.faults()).isEmpty();
    assertThat(s.workloads()).hasSize(2);
    Scenario.MutationSpec m = s.workloads().get(0).mutations();
    assertThat(s.workloads().get(0).name()).isEqualTo("w");
    assertThat(m.mix()).isEqualTo(new Scenario.Mix(1, 0, 0, 0, 0, 0.5));
    assertThat(m.hotFractionOfFile()).isEqualTo(1.0);
    assertThat(m.ratePerSecond()).isEqualTo(400.0);
    assertThat(m.applicationFraction()).isEqualTo(0.0);
    assertThat(s.workloads().get(1))
        .isEqualTo(new Scenario.Workload("all-defaults", QUICKSTART_MUTATIONS));
  }

  @Test
  void olderSingleSectionsStillReadAsOneProfileWorkloadAndMode() {
    Scenario s =
        ScenarioLoader.parse(
            MINIMAL
                + """
                transfers:
                  sender_mode: TLS_OFFLOAD
                link:
                  loss: 0.25
                  partitions: [{start: 1s, duration: 2s}]
                mutations:
                  rate_per_second: 50
                """,
            "t.yaml");
    assertThat(s.senderModes()).containsExactly("TLS_OFFLOAD");
    assertThat(s.transfers()).isEqualTo(QUICKSTART.transfers());
    assertThat(s.faultProfiles())
        .containsExactly(
            new Scenario.FaultProfile(
                "custom",
                new Scenario.LinkSpec(
                    200,
                    100,
                    0.25,
                    200000,
                    8,
                    0,
                    0.0,
                    0.0,
                    0,
                    0.0,
                    List.of(new Scenario.Window(Duration.ofSeconds(1), Duration.ofSeconds(2))))));
    assertThat(s.workloads()).hasSize(1);
    assertThat(s.workloads().get(0).name()).isEqualTo("default");
    assertThat(s.workloads().get(0).mutations().ratePerSecond()).isEqualTo(50.0);
    assertThat(s.workloads().get(0).mutations().writers()).isEqualTo(2);
  }

  @Test
  void builtInProfileByNameResolvesToTheConstant() {
    Scenario s =
        ScenarioLoader.parse(
            MINIMAL + "fault_profiles: [wan, partition, \"lossy\", lan]\n", "t.yaml");
    assertThat(s.faultProfiles()).containsExactly(WAN, PARTITION, LOSSY, LAN);
    assertThat(s.faultProfiles())
        .containsExactly(
            ScenarioLoader.WAN, ScenarioLoader.PARTITION, ScenarioLoader.LOSSY, ScenarioLoader.LAN);
  }

  @Test
  void customProfileWithPartitionsTakesTheQuickstartLinkForMissingKeys() {
    Scenario s =
        ScenarioLoader.parse(
            MINIMAL
                + """
                fault_profiles:
                  - name: flaky-dc
                    latency_us: 1000
                    loss: 0.05
                    bandwidth_bytes_per_second: 1_000_000
                    reorder: 0.5
                    reorder_delay_us: 10000000
                    partitions:
                      - {start: 0s, duration: 250ms}
                      - start: 2s
                        duration: 1h
                  - partition
                  - name: lan
                    latency_us: 100
                    jitter_us: 50
                """,
            "t.yaml");
    Scenario.LinkSpec flaky =
        new Scenario.LinkSpec(
            1000,
            100,
            0.05,
            200000,
            8,
            1_000_000,
            0.0,
            0.5,
            10_000_000,
            0.0,
            List.of(
                new Scenario.Window(Duration.ZERO, Duration.ofMillis(250)),
                new Scenario.Window(Duration.ofSeconds(2), Duration.ofHours(1))));
    assertThat(s.faultProfiles())
        .containsExactly(new Scenario.FaultProfile("flaky-dc", flaky), PARTITION, LAN);
  }

  @Test
  void faultsOfEveryKindTakeTheirDefaults() {
    Scenario s =
        ScenarioLoader.parse(
            MINIMAL
                + """
                faults:
                  - {kind: grpc_latency, target: storage-node, start: 0s, duration: 1ms,
                     latency_us: 1}
                  - {kind: grpc_reset, target: pipe-broker, start: 1s, duration: 500ms}
                  - {kind: grpc_timeout, target: checker, start: 2s, duration: 1h,
                     probability: 0.25}
                  - {kind: pause_process, target: mutator, start: 3s, duration: 2s}
                  - {kind: kill_restart, target: network-sender, start: 4999ms}
                """,
            "t.yaml");
    assertThat(s.faults())
        .containsExactly(
            new Scenario.FaultSpec(
                "grpc_latency", "storage-node", Duration.ZERO, Duration.ofMillis(1), 1, 0.0),
            new Scenario.FaultSpec(
                "grpc_reset",
                "pipe-broker",
                Duration.ofSeconds(1),
                Duration.ofMillis(500),
                0,
                1.0),
            new Scenario.FaultSpec(
                "grpc_timeout", "checker", Duration.ofSeconds(2), Duration.ofHours(1), 0, 0.25),
            new Scenario.FaultSpec(
                "pause_process", "mutator", Duration.ofSeconds(3), Duration.ofSeconds(2), 0, 0.0),
            new Scenario.FaultSpec(
                "kill_restart", "network-sender", Duration.ofMillis(4999), Duration.ZERO, 0, 0.0));
  }

  @Test
  void cellsUpTo256AreAccepted() {
    Scenario s =
        ScenarioLoader.parse(
            """
            name: t
            cell_duration: 5s
            strategies: [SHARE, COPY_AT_SPLICE, COW_PRIVATE_REF, STABLE_PAGES]
            sender_modes: [CSUM_OFFLOAD, CSUM_SOFTWARE, TLS_SW, TLS_OFFLOAD]
            fault_profiles: [lan, wan, lossy, partition]
            workloads: [{name: a}, {name: b}, {name: c}, {name: d}]
            """,
            "t.yaml");
    assertThat(ScenarioLoader.cells(s)).isEqualTo(256);
    assertThat(cells(s)).isEqualTo(256);
  }

  @Test
  void sizesAndDurationsAcceptTheirNotations() {
    Scenario s =
        ScenarioLoader.parse(
            """
            name: t
            cell_duration: 2m
            strategies: [COPY_AT_SPLICE]
            file:
              size: 65_536
              fill_chunk: "8 KiB"
            transfers:
              min_bytes: 64
              max_bytes: 1024B
              segment_bytes: 0x400
            stable_pages:
              wait_timeout: 1m
            """,
            "t.yaml");
    assertThat(s.cellDuration()).isEqualTo(Duration.ofMinutes(2));
    assertThat(s.file().sizeBytes()).isEqualTo(65536);
    assertThat(s.file().fillChunkBytes()).isEqualTo(8192);
    assertThat(s.transfers().minBytes()).isEqualTo(64);
    assertThat(s.transfers().maxBytes()).isEqualTo(1024);
    assertThat(s.transfers().segmentBytes()).isEqualTo(1024);
    assertThat(s.stablePages().waitTimeout()).isEqualTo(Duration.ofMinutes(1));
    assertThat(ScenarioLoader.parse(MINIMAL.replace("5s", "1500ms"), "t").cellDuration())
        .isEqualTo(Duration.ofMillis(1500));
    assertThat(ScenarioLoader.parse(MINIMAL.replace("5s", "1h"), "t").cellDuration())
        .isEqualTo(Duration.ofHours(1));
  }

  // ---------------------------------------------------------------------------------------------
  // Round trip

  @Test
  void everyBuiltInLoadsAndRoundTripsThroughToYaml() {
    for (String name : ScenarioLoader.builtInNames()) {
      Scenario s = ScenarioLoader.builtIn(name);
      assertThat(s.name()).isEqualTo(name);
      String yaml = ScenarioLoader.toYaml(s);
      Scenario back = ScenarioLoader.parse(yaml, "scenario.yaml");
      assertThat(back).as(yaml).isEqualTo(s);
      assertThat(ScenarioLoader.toYaml(back)).isEqualTo(yaml);
    }
  }

  @Test
  void toYamlWritesBuiltInProfilesOutInFull() {
    String yaml = ScenarioLoader.toYaml(ScenarioLoader.builtIn("matrix"));
    assertThat(yaml)
        .contains(
            "\nfault_profiles:\n"
                + "  - name: lan\n"
                + "    latency_us: 100\n"
                + "    jitter_us: 50\n"
                + "    loss: 0.0\n"
                + "    rto_us: 200000\n"
                + "    max_attempts: 8\n"
                + "    bandwidth_bytes_per_second: 0\n"
                + "    duplicate: 0.0\n"
                + "    reorder: 0.0\n"
                + "    reorder_delay_us: 0\n"
                + "    corrupt: 0.0\n"
                + "    partitions: []\n"
                + "  - name: lossy\n"
                + "    latency_us: 500\n"
                + "    jitter_us: 200\n"
                + "    loss: 0.02\n"
                + "    rto_us: 200000\n"
                + "    max_attempts: 12\n"
                + "    bandwidth_bytes_per_second: 0\n"
                + "    duplicate: 0.01\n"
                + "    reorder: 0.02\n"
                + "    reorder_delay_us: 2000\n"
                + "    corrupt: 0.005\n"
                + "    partitions: []\n"
                + "workloads:\n");
    String partition =
        ScenarioLoader.toYaml(
            ScenarioLoader.parse(MINIMAL + "fault_profiles: [partition]\n", "t.yaml"));
    assertThat(partition)
        .contains("\n    partitions: [{start: 3s, duration: 1s}, {start: 8s, duration: 500ms}]\n");
  }

  @Test
  void toYamlWritesEveryValueExplicitly() {
    String yaml = ScenarioLoader.toYaml(QUICKSTART);
    assertThat(yaml)
        .contains("\nname: quickstart\n")
        .contains("\ncell_duration: 25s\n")
        .contains("\nstrategies: [SHARE, COPY_AT_SPLICE]\n")
        .contains("\nsender_modes: [CSUM_SOFTWARE]\n")
        .contains("\n  size: 4MiB\n")
        .contains("\n  fill_chunk: 64KiB\n")
        .contains("\n  min_bytes: 16KiB\n")
        .contains("\n  max_confirm_retries: 64\n")
        .contains("\nfault_profiles:\n  - name: default\n    latency_us: 200\n")
        .contains("\n    loss: 0.0\n")
        .contains("\nworkloads:\n  - name: default\n    mutations:\n      writers: 2\n")
        .contains("\n      rate_per_second: 400\n")
        .contains(
            "\n      mix: {write: 4, mmap_store: 3, punch_partial: 2, punch_whole: 1,"
                + " truncate_extend: 0, direct_write: 0}\n")
        .contains("\n      hot_fraction_of_file: 0.1\n")
        .contains("\n      application_fraction: 0.0\n")
        .contains(
            "\nstable_pages:\n  hold_from: checksum\n  wait_timeout: 200ms\n"
                + "  on_timeout: fail_writer\n")
        .contains("\nfaults: []\n")
        .doesNotContain("sender_mode:")
        .doesNotContain("\nlink:")
        .doesNotContain("\nmutations:");
  }

  @Test
  void unusualValuesRoundTrip() {
    Scenario.FileSpec file = new Scenario.FileSpec(192 * KIB, "tmpfs", 12 * KIB);
    Scenario.TransferSpec transfers =
        new Scenario.TransferSpec(64, 1024, 192, 192 * KIB, 0, 60_000_000, 64, 0, 1000);
    Scenario.TransferSpec noRetries =
        new Scenario.TransferSpec(1, 1, 64, 64, 0, 0, 64, 1_000_000, 0);
    Scenario.LinkSpec link =
        new Scenario.LinkSpec(
            0,
            10_000_000,
            0.123456789,
            1,
            100,
            100_000_000_000L,
            1.0,
            1e-7,
            10_000_000,
            0.5,
            List.of(
                new Scenario.Window(Duration.ZERO, Duration.ofMillis(1)),
                new Scenario.Window(Duration.ofMillis(3_599_999), Duration.ofHours(1))));
    Scenario.LinkSpec slow =
        new Scenario.LinkSpec(1, 0, 1.0, 60_000_000, 1, 1000, 0.0, 1.0, 0, 1.0, List.of());
    Scenario.MutationSpec mutations =
        new Scenario.MutationSpec(
            64,
            0.5,
            new Scenario.Mix(0.1, 0, 1e-7, 2.5, 1e20, 0),
            64,
            192 * KIB,
            4 * KIB,
            1.0,
            1.0e-4,
            1.0);
    Scenario.MutationSpec fractional =
        new Scenario.MutationSpec(
            1, 1_000_000, new Scenario.Mix(0, 0, 0, 0, 0, 3), 64, 64, 192 * KIB, 0.0, 1.0, 1e-9);
    List<Scenario.FaultSpec> faults =
        List.of(
            new Scenario.FaultSpec(
                "grpc_latency", "checker", Duration.ZERO, Duration.ofHours(1), 10_000_000, 0),
            new Scenario.FaultSpec(
                "grpc_reset", "mutator", Duration.ofMillis(1), Duration.ofMillis(1), 0, 1e-9),
            new Scenario.FaultSpec(
                "grpc_timeout",
                "network-sender",
                Duration.ofMillis(999),
                Duration.ofSeconds(2),
                0,
                0.75),
            new Scenario.FaultSpec(
                "pause_process",
                "pipe-broker",
                Duration.ofMillis(500),
                Duration.ofMinutes(1),
                0,
                0),
            new Scenario.FaultSpec(
                "kill_restart", "storage-node", Duration.ofMillis(900), Duration.ZERO, 0, 0));
    String description =
        "quotes \" and \\ backslash,\nnew line, tab\t, accents \u00e9, emoji \ud83d\ude00,"
            + " control \u0001, bom \ufeff, nel \u0085, ls \u2028, # not a comment: [x]";
    List<String> names = List.of("odd-1", "123", "null", "true", "0x1f", "1e3");
    List<Duration> durations =
        List.of(
            Duration.ofMillis(1500),
            Duration.ofSeconds(90),
            Duration.ofMinutes(2),
            Duration.ofHours(1),
            Duration.ofSeconds(1),
            Duration.ofMillis(3_599_999));
    for (int i = 0; i < names.size(); i++) {
      String other = names.get((i + 1) % names.size());
      Scenario s =
          new Scenario(
              names.get(i),
              description,
              durations.get(i),
              List.of("COMPLETION_AFTER_SNAPSHOT", "SHARE", "OPTIMISTIC_CONFIRM"),
              List.of("TLS_OFFLOAD", "CSUM_OFFLOAD"),
              List.of(
                  new Scenario.FaultProfile(names.get(i), link),
                  LOSSY,
                  new Scenario.FaultProfile(other, slow),
                  PARTITION),
              List.of(
                  new Scenario.Workload(other, mutations),
                  new Scenario.Workload(names.get(i), fractional)),
              file,
              i % 2 == 0 ? transfers : noRetries,
              new Scenario.StablePagesSpec(
                  i % 2 == 0 ? "splice" : "checksum",
                  i % 2 == 0 ? Duration.ofMillis(1) : Duration.ofSeconds(60),
                  i % 2 == 0 ? "let_through" : "fail_writer"),
              i == 0 ? List.of() : faults);
      String yaml = ScenarioLoader.toYaml(s);
      assertThat(ScenarioLoader.parse(yaml, "scenario.yaml")).as(yaml).isEqualTo(s);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Rejections: exact line, field and message

  private static ScenarioException rejected(String yaml) {
    ScenarioException e =
        catchThrowableOfType(ScenarioException.class, () -> ScenarioLoader.parse(yaml, "t.yaml"));
    assertThat(e).as("expected a ScenarioException for:%n%s", yaml).isNotNull();
    assertThat(e.source()).isEqualTo("t.yaml");
    return e;
  }

  private static void assertError(ScenarioException e, int line, String field, String reason) {
    assertThat(e.line()).as(e.getMessage()).isEqualTo(line);
    assertThat(e.field()).as(e.getMessage()).isEqualTo(field);
    assertThat(e.reason()).isEqualTo(reason);
    String where = line > 0 ? "t.yaml:" + line + ": " : "t.yaml: ";
    assertThat(e.getMessage())
        .isEqualTo(where + (field.isEmpty() ? "" : field + ": ") + reason);
  }

  @Test
  void rejectsNegativeRate() {
    ScenarioException e =
        rejected(
            MINIMAL
                + """
                mutations:
                  writers: 2
                  rate_per_second: -5
                """);
    assertError(e, 6, "mutations.rate_per_second", "must be > 0 and <= 1000000, got -5");
  }

  @Test
  void rejectsZeroRateInAWorkload() {
    ScenarioException e =
        rejected(MINIMAL + "workloads:\n  - name: w\n    mutations: {rate_per_second: 0.0}\n");
    assertError(
        e, 6, "workloads[0].mutations.rate_per_second", "must be > 0 and <= 1000000, got 0.0");
  }

  @Test
  void rejectsApplicationFractionAboveOne() {
    ScenarioException e =
        rejected(
            MINIMAL
                + """
                workloads:
                  - name: calm
                  - name: w
                    mutations:
                      writers: 1
                      application_fraction: 1.5
                """);
    assertError(
        e, 9, "workloads[1].mutations.application_fraction", "must be between 0 and 1, got 1.5");
  }

  @Test
  void rejectsUnknownStrategyListingAllowedOnes() {
    ScenarioException e =
        rejected(
            """
            name: t
            cell_duration: 5s
            strategies:
              - SHARE
              - COW
            """);
    assertError(
        e,
        5,
        "strategies[1]",
        "unknown strategy 'COW'; allowed: SHARE, COPY_AT_SPLICE, COW_PRIVATE_REF,"
            + " OPTIMISTIC_CONFIRM, STABLE_PAGES, COMPLETION_AFTER_SNAPSHOT");
  }

  @Test
  void rejectsDuplicateAndEmptyStrategies() {
    String allowed =
        "SHARE, COPY_AT_SPLICE, COW_PRIVATE_REF, OPTIMISTIC_CONFIRM, STABLE_PAGES,"
            + " COMPLETION_AFTER_SNAPSHOT";
    assertError(
        rejected("name: t\ncell_duration: 5s\nstrategies: [STABLE_PAGES, STABLE_PAGES]\n"),
        3,
        "strategies[1]",
        "duplicate strategy 'STABLE_PAGES'");
    assertError(
        rejected("name: t\ncell_duration: 5s\nstrategies: []\n"),
        3,
        "strategies",
        "must list at least one strategy of " + allowed);
    assertError(
        rejected("name: t\ncell_duration: 5s\nstrategies: SHARE\n"),
        3,
        "strategies",
        "expected a list such as [" + allowed + "], got 'SHARE'");
    assertError(
        rejected("name: t\ncell_duration: 5s\n"),
        1,
        "strategies",
        "is required: a list of the strategies to compare, from " + allowed);
  }

  @Test
  void rejectsUnknownSenderMode() {
    assertError(
        rejected(MINIMAL + "sender_modes: [CSUM_SOFTWARE, TLS]\n"),
        4,
        "sender_modes[1]",
        "unknown sender mode 'TLS'; allowed: CSUM_OFFLOAD, CSUM_SOFTWARE, TLS_SW, TLS_OFFLOAD");
    assertError(
        rejected(MINIMAL + "sender_modes: [TLS_SW, TLS_SW]\n"),
        4,
        "sender_modes[1]",
        "duplicate sender mode 'TLS_SW'");
    assertError(
        rejected(MINIMAL + "sender_modes: []\n"),
        4,
        "sender_modes",
        "must list at least one sender mode of CSUM_OFFLOAD, CSUM_SOFTWARE, TLS_SW, TLS_OFFLOAD");
  }

  @Test
  void rejectsSenderModeTogetherWithSenderModes() {
    ScenarioException e =
        rejected(
            MINIMAL
                + """
                sender_modes: [TLS_SW]
                transfers:
                  connections: 2
                  sender_mode: TLS_SW
                """);
    assertError(
        e,
        7,
        "transfers.sender_mode",
        "cannot be given together with sender_modes (line 4); list the modes in sender_modes"
            + " only");
  }

  @Test
  void rejectsLinkTogetherWithFaultProfiles() {
    ScenarioException e =
        rejected(
            MINIMAL
                + """
                link:
                  loss: 0.1
                fault_profiles: [lan]
                """);
    assertError(
        e,
        4,
        "link",
        "cannot be given together with fault_profiles (line 6); give the link as a profile"
            + " {name: ..., <link keys>} in fault_profiles instead");
  }

  @Test
  void rejectsMutationsTogetherWithWorkloads() {
    ScenarioException e =
        rejected(
            MINIMAL
                + """
                workloads:
                  - name: w
                mutations:
                  writers: 1
                """);
    assertError(
        e,
        6,
        "mutations",
        "cannot be given together with workloads (line 4); give the mutations as a workload"
            + " {name: ..., mutations: {...}} in workloads instead");
  }

  @Test
  void rejectsUnknownProfileNameListingTheBuiltIns() {
    ScenarioException e =
        rejected(
            MINIMAL
                + """
                fault_profiles:
                  - lan
                  - metro
                """);
    assertError(
        e,
        6,
        "fault_profiles[1]",
        "unknown profile 'metro'; built-in profiles: lan, wan, lossy, partition (a custom"
            + " profile is a mapping {name: ..., <link keys>})");
  }

  @Test
  void rejectsDuplicateProfileNames() {
    ScenarioException e =
        rejected(
            MINIMAL
                + """
                fault_profiles:
                  - wan
                  - name: edge
                    latency_us: 5
                  - name: edge
                    loss: 0.5
                """);
    assertError(
        e, 8, "fault_profiles[2].name", "duplicate profile name 'edge' (first given at line 6)");
    assertError(
        rejected(MINIMAL + "fault_profiles:\n  - lan\n  - lan\n"),
        6,
        "fault_profiles[1]",
        "duplicate profile name 'lan' (first given at line 5)");
  }

  @Test
  void rejectsACustomProfileThatReusesABuiltInNameWithOtherValues() {
    ScenarioException e =
        rejected(
            MINIMAL
                + """
                fault_profiles:
                  - name: lan
                    latency_us: 100
                    jitter_us: 60
                """);
    assertError(
        e,
        5,
        "fault_profiles[0].name",
        "'lan' is a built-in profile, and a mapping with its name must repeat its values"
            + " exactly, but jitter_us is 60, not 50; write just lan, or give the custom profile"
            + " another name");
    assertError(
        rejected(MINIMAL + "fault_profiles: [{name: wan}]\n"),
        4,
        "fault_profiles[0].name",
        "'wan' is a built-in profile, and a mapping with its name must repeat its values"
            + " exactly, but latency_us is 200 (the default), not 20000; write just wan, or give"
            + " the custom profile another name");
  }

  @Test
  void rejectsBadProfileItems() {
    assertError(
        rejected(MINIMAL + "fault_profiles:\n  - name: Edge\n"),
        5,
        "fault_profiles[0].name",
        "must match [a-z0-9][a-z0-9_-]* (lower-case letters, digits, '_' and '-', starting with"
            + " a letter or digit), got 'Edge'");
    assertError(
        rejected(MINIMAL + "fault_profiles:\n  - latency_us: 5\n"),
        5,
        "fault_profiles[0].name",
        "is required: a profile name matching [a-z0-9][a-z0-9_-]*");
    assertError(
        rejected(MINIMAL + "fault_profiles: []\n"),
        4,
        "fault_profiles",
        "must list at least one profile: a built-in name (lan, wan, lossy, partition) or a"
            + " mapping {name: ..., <link keys>}");
    assertError(
        rejected(MINIMAL + "fault_profiles:\n  - [lan]\n"),
        5,
        "fault_profiles[0]",
        "expected a built-in profile name (lan, wan, lossy, partition) or a mapping {name: ...,"
            + " <link keys>}, got a list");
    assertError(
        rejected(MINIMAL + "fault_profiles:\n  - name: x\n    bandwidth_bytes_per_second: 999\n"),
        6,
        "fault_profiles[0].bandwidth_bytes_per_second",
        "must be 0 (unlimited) or between 1000 and 100000000000, got 999");
    assertError(
        rejected(
            MINIMAL
                + "fault_profiles:\n"
                + "  - name: x\n"
                + "    bandwidth_bytes_per_second: 100_000_000_001\n"),
        6,
        "fault_profiles[0].bandwidth_bytes_per_second",
        "must be 0 (unlimited) or between 1000 and 100000000000, got 100_000_000_001");
    assertError(
        rejected(MINIMAL + "fault_profiles:\n  - name: x\n    corrupt: 1.01\n"),
        6,
        "fault_profiles[0].corrupt",
        "must be between 0 and 1, got 1.01");
    assertError(
        rejected(MINIMAL + "fault_profiles:\n  - name: x\n    reorder_delay_us: 10000001\n"),
        6,
        "fault_profiles[0].reorder_delay_us",
        "must be between 0 and 10000000, got 10000001");
  }

  @Test
  void rejectsBadPartitions() {
    ScenarioException e =
        rejected(
            MINIMAL
                + """
                fault_profiles:
                  - name: cut
                    partitions:
                      - {start: 1s, duration: 1s}
                      - {start: 2s, duration: 0s}
                """);
    assertError(
        e, 8, "fault_profiles[0].partitions[1].duration", "must be between 1ms and 1h, got 0s");
    assertError(
        rejected(MINIMAL + "link:\n  partitions:\n    - {duration: 1s}\n"),
        6,
        "link.partitions[0].start",
        "is required: a duration such as 500ms, 25s, 2m or 1h");
    assertError(
        rejected(MINIMAL + "link:\n  partitions:\n    - {start: 61m, duration: 1s}\n"),
        6,
        "link.partitions[0].start",
        "must be between 0s and 1h, got 61m");
    assertError(
        rejected(MINIMAL + "link:\n  partitions: {start: 1s, duration: 1s}\n"),
        5,
        "link.partitions",
        "expected a list of windows {start: ..., duration: ...}, got a mapping");
  }

  @Test
  void rejectsDuplicateAndEmptyWorkloads() {
    assertError(
        rejected(MINIMAL + "workloads:\n  - name: w\n  - name: w\n"),
        6,
        "workloads[1].name",
        "duplicate workload name 'w' (first given at line 5)");
    assertError(
        rejected(MINIMAL + "workloads: []\n"),
        4,
        "workloads",
        "must list at least one workload {name: ..., mutations: {...}}");
    assertError(
        rejected(MINIMAL + "workloads:\n  - mutations: {writers: 1}\n"),
        5,
        "workloads[0].name",
        "is required: a workload name matching [a-z0-9][a-z0-9_-]*");
    assertError(
        rejected(MINIMAL + "workloads:\n  - name: w\n    writers: 1\n"),
        6,
        "workloads[0].writers",
        "unknown key; allowed keys in workloads[0]: name, mutations");
  }

  @Test
  void rejectsMoreThan256Cells() {
    ScenarioException e =
        rejected(
            """
            name: t
            cell_duration: 5s
            strategies: [SHARE, COPY_AT_SPLICE, COW_PRIVATE_REF, OPTIMISTIC_CONFIRM, STABLE_PAGES,
                         COMPLETION_AFTER_SNAPSHOT]
            sender_modes: [CSUM_OFFLOAD, CSUM_SOFTWARE, TLS_SW, TLS_OFFLOAD]
            fault_profiles: [lan, wan]
            workloads:
              - name: a
              - name: b
              - name: c
              - name: d
              - name: e
              - name: f
              - name: g
            """);
    assertError(
        e,
        7,
        "workloads",
        "too many cells: strategies x sender_modes x fault_profiles x workloads = 6 x 4 x 2 x 7"
            + " = 336, at most 256");

    ScenarioException onStrategies =
        rejected(
            """
            name: t
            cell_duration: 5s
            strategies: [SHARE, COPY_AT_SPLICE, COW_PRIVATE_REF, OPTIMISTIC_CONFIRM, STABLE_PAGES]
            sender_modes: [CSUM_OFFLOAD, CSUM_SOFTWARE, TLS_SW, TLS_OFFLOAD]
            fault_profiles: [lan, wan, lossy, partition]
            workloads: [{name: a}, {name: b}, {name: c}, {name: d}]
            """);
    assertError(
        onStrategies,
        3,
        "strategies",
        "too many cells: strategies x sender_modes x fault_profiles x workloads = 5 x 4 x 4 x 4"
            + " = 320, at most 256");
  }

  @Test
  void readsNetworkFaultsAndTheirKeys() {
    Scenario s =
        ScenarioLoader.parse(
            MINIMAL
                + """
                faults:
                  - {kind: bandwidth, target: checker, start: 1s, duration: 2s, rate_kbps: 64}
                  - {kind: slicer, target: storage-node, start: 2s, duration: 1s, slice_bytes: 512, slice_delay_us: 100}
                """,
            "net.yaml");
    assertThat(s.faults())
        .containsExactly(
            new Scenario.FaultSpec("bandwidth", "checker", Duration.ofSeconds(1), Duration.ofSeconds(2), 0, 0, 64, 0, 0),
            new Scenario.FaultSpec("slicer", "storage-node", Duration.ofSeconds(2), Duration.ofSeconds(1), 0, 0, 0, 512, 100));
    assertThat(ScenarioLoader.parse(ScenarioLoader.toYaml(s), "again.yaml").faults()).isEqualTo(s.faults());
    assertError(
        rejected(MINIMAL + "faults:\n  - {kind: bandwidth, target: checker, start: 1s, duration: 1s, rate_kbps: 0}\n"),
        5,
        "faults[0].rate_kbps",
        "must be between 1 and 10000000, got 0");
    assertError(
        rejected(MINIMAL + "faults:\n  - {kind: slicer, target: checker, start: 1s, duration: 1s, slice_bytes: 8, latency_us: 5}\n"),
        5,
        "faults[0].latency_us",
        "does not apply to kind slicer; the keys of a slicer fault: kind, target, start, duration, slice_bytes,"
            + " slice_delay_us");
  }

  @Test
  void rejectsBadFaultKind() {
    ScenarioException e =
        rejected(
            MINIMAL
                + """
                faults:
                  - kind: grpc_delay
                    target: checker
                    start: 1s
                """);
    assertError(
        e,
        5,
        "faults[0].kind",
        "must be one of grpc_latency, grpc_reset, grpc_timeout, bandwidth, slicer, pause_process, kill_restart,"
            + " got 'grpc_delay'");
    assertError(
        rejected(MINIMAL + "faults:\n  - {target: checker, start: 1s}\n"),
        5,
        "faults[0].kind",
        "is required: one of grpc_latency, grpc_reset, grpc_timeout, bandwidth, slicer, pause_process,"
            + " kill_restart");
  }

  @Test
  void rejectsLatencyOnAGrpcResetFault() {
    ScenarioException e =
        rejected(
            MINIMAL
                + """
                faults:
                  - kind: grpc_latency
                    target: storage-node
                    start: 1s
                    duration: 2s
                    latency_us: 5000
                  - kind: grpc_reset
                    target: pipe-broker
                    start: 2s
                    latency_us: 5000
                    duration: 1s
                """);
    assertError(
        e,
        13,
        "faults[1].latency_us",
        "does not apply to kind grpc_reset; the keys of a grpc_reset fault: kind, target, start,"
            + " duration, probability");
  }

  @Test
  void rejectsOtherFaultKeysAndValues() {
    assertError(
        rejected(
            MINIMAL
                + "faults:\n  - {kind: kill_restart, target: mutator, start: 1s, duration: 1s}\n"),
        5,
        "faults[0].duration",
        "does not apply to kind kill_restart; the keys of a kill_restart fault: kind, target,"
            + " start");
    assertError(
        rejected(
            MINIMAL
                + "faults:\n"
                + "  - {kind: pause_process, target: checker, start: 1s, duration: 1s,"
                + " probability: 0.5}\n"),
        5,
        "faults[0].probability",
        "does not apply to kind pause_process; the keys of a pause_process fault: kind, target,"
            + " start, duration");
    assertError(
        rejected(
            MINIMAL
                + "faults:\n  - {kind: grpc_latency, target: checker, start: 1s, duration: 1s}\n"),
        5,
        "faults[0].latency_us",
        "is required: an integer from 1 to 10000000");
    assertError(
        rejected(
            MINIMAL
                + "faults:\n"
                + "  - kind: grpc_timeout\n"
                + "    target: checker\n"
                + "    start: 1s\n"
                + "    duration: 1s\n"
                + "    probability: 0\n"),
        9,
        "faults[0].probability",
        "must be > 0 and <= 1, got 0");
    assertError(
        rejected(MINIMAL + "faults:\n  - {kind: pause_process, target: kafka, start: 1s}\n"),
        5,
        "faults[0].target",
        "must be one of storage-node, pipe-broker, network-sender, mutator, checker, got 'kafka'");
    assertError(
        rejected(MINIMAL + "faults:\n  - {kind: pause_process, target: checker, start: 1s}\n"),
        5,
        "faults[0].duration",
        "is required: a duration such as 500ms, 25s, 2m or 1h");
    assertError(
        rejected(MINIMAL + "faults:\n  - {kind: pause_process, target: checker, duration: 1s}\n"),
        5,
        "faults[0].start",
        "is required: a duration such as 500ms, 25s, 2m or 1h");
    assertError(
        rejected(MINIMAL + "faults:\n  -\n"),
        5,
        "faults[0]",
        "expected a mapping with the keys kind, target, start, duration, latency_us,"
            + " probability, rate_kbps, slice_bytes, slice_delay_us, got no value");
  }

  @Test
  void rejectsFaultStartPastCellDuration() {
    ScenarioException e =
        rejected(
            MINIMAL
                + """
                faults:
                  - kind: pause_process
                    target: checker
                    start: 6s
                    duration: 1s
                """);
    assertError(
        e, 7, "faults[0].start", "must be before the end of the cell (cell_duration 5s), got 6s");
    assertError(
        rejected(
            MINIMAL + "faults:\n  - {kind: kill_restart, target: storage-node, start: 5000ms}\n"),
        5,
        "faults[0].start",
        "must be before the end of the cell (cell_duration 5s), got 5000ms");
  }

  @Test
  void rejectsBadStablePages() {
    ScenarioException e =
        rejected(
            MINIMAL
                + """
                stable_pages:
                  hold_from: splice
                  on_timeout: retry
                """);
    assertError(
        e, 6, "stable_pages.on_timeout", "must be one of fail_writer, let_through, got 'retry'");
    assertError(
        rejected(MINIMAL + "stable_pages:\n  hold_from: ack\n"),
        5,
        "stable_pages.hold_from",
        "must be one of checksum, splice, got 'ack'");
    assertError(
        rejected(MINIMAL + "stable_pages:\n  wait_timeout: 61s\n"),
        5,
        "stable_pages.wait_timeout",
        "must be between 1ms and 1m, got 61s");
    assertError(
        rejected(MINIMAL + "stable_pages:\n  wait_timeout:\n"),
        5,
        "stable_pages.wait_timeout",
        "has no value; give a duration such as 500ms, 25s, 2m or 1h or leave the key out to use"
            + " the default 200ms");
  }

  @Test
  void rejectsMaxConfirmRetriesOutOfRange() {
    assertError(
        rejected(MINIMAL + "transfers:\n  max_confirm_retries: 1001\n"),
        5,
        "transfers.max_confirm_retries",
        "must be between 0 and 1000, got 1001");
  }

  @Test
  void rejectsLossAboveOne() {
    ScenarioException e =
        rejected(
            MINIMAL
                + """
                link:
                  latency_us: 200
                  loss: 1.5
                """);
    assertError(e, 6, "link.loss", "must be between 0 and 1, got 1.5");
  }

  @Test
  void rejectsMinAboveMaxOnTheMaxWhenBothAreGiven() {
    ScenarioException e =
        rejected(
            MINIMAL
                + """
                transfers:
                  min_bytes: 512KiB
                  max_bytes: 256KiB
                """);
    assertError(
        e, 6, "transfers.max_bytes", "must be >= transfers.min_bytes (524288), got 262144");
  }

  @Test
  void rejectsMinAboveDefaultMaxOnTheMin() {
    ScenarioException e =
        rejected(
            MINIMAL
                + """
                transfers:
                  min_residency_us: 9000
                """);
    assertError(
        e,
        5,
        "transfers.min_residency_us",
        "must be <= transfers.max_residency_us (5000, the default), got 9000");
  }

  @Test
  void rejectsTransfersAndWritesLargerThanTheFile() {
    ScenarioException e =
        rejected(
            MINIMAL
                + """
                file:
                  size: 64KiB
                transfers:
                  max_bytes: 128KiB
                """);
    assertError(e, 7, "transfers.max_bytes", "must be <= file.size (65536), got 131072");

    ScenarioException defaulted = rejected(MINIMAL + "file:\n  size: 128KiB\n");
    assertError(
        defaulted,
        5,
        "file.size",
        "must be >= transfers.max_bytes (262144, the default), got 131072");

    ScenarioException write =
        rejected(
            MINIMAL
                + """
                file:
                  size: 64KiB
                transfers:
                  max_bytes: 64KiB
                workloads:
                  - name: w
                    mutations:
                      max_write_bytes: 128KiB
                """);
    assertError(
        write,
        11,
        "workloads[0].mutations.max_write_bytes",
        "must be <= file.size (65536), got 131072");
  }

  @Test
  void rejectsUnknownKeyNamingItAndTheAllowedOnes() {
    ScenarioException e =
        rejected(
            MINIMAL
                + """
                transfers:
                  connections: 4
                  conections: 4
                """);
    assertError(
        e,
        6,
        "transfers.conections",
        "unknown key (did you mean 'connections'?); allowed keys in transfers: connections,"
            + " pipe_capacity, min_bytes, max_bytes, min_residency_us, max_residency_us,"
            + " segment_bytes, csum_to_dma_us, max_confirm_retries, sender_mode");

    ScenarioException top = rejected(MINIMAL + "seed: 42\n");
    assertError(
        top,
        4,
        "seed",
        "unknown key; allowed keys: name, description, cell_duration, cell_min_transfers, strategies,"
            + " sender_modes, file, transfers, fault_profiles, workloads, stable_pages, faults, time_scale,"
            + " link, mutations");

    ScenarioException inProfile =
        rejected(MINIMAL + "fault_profiles:\n  - name: x\n    los: 0.1\n");
    assertError(
        inProfile,
        6,
        "fault_profiles[0].los",
        "unknown key (did you mean 'loss'?); allowed keys in fault_profiles[0]: name,"
            + " latency_us, jitter_us, loss, rto_us, max_attempts, bandwidth_bytes_per_second,"
            + " duplicate, reorder, reorder_delay_us, corrupt, partitions");
  }

  @Test
  void rejectsDuplicateKey() {
    ScenarioException e = rejected(MINIMAL + "link:\n  loss: 0.1\n  loss: 0.2\n");
    assertError(e, 6, "link.loss", "duplicate key (first given at line 5)");
  }

  @Test
  void rejectsWrongTypes() {
    assertError(
        rejected(MINIMAL + "transfers:\n  connections: four\n"),
        5,
        "transfers.connections",
        "expected an integer, got 'four'");
    assertError(
        rejected(MINIMAL + "transfers:\n  connections: 4.5\n"),
        5,
        "transfers.connections",
        "expected an integer, got 4.5");
    assertError(
        rejected(MINIMAL + "link:\n  loss: \"0.5\"\n"),
        5,
        "link.loss",
        "expected a number, got the quoted string '0.5'");
    assertError(
        rejected(MINIMAL + "link:\n  max_attempts: [1, 2]\n"),
        5,
        "link.max_attempts",
        "expected an integer, got a list");
    assertError(
        rejected(MINIMAL + "link: fast\n"),
        4,
        "link",
        "expected a mapping with the keys latency_us, jitter_us, loss, rto_us, max_attempts,"
            + " bandwidth_bytes_per_second, duplicate, reorder, reorder_delay_us, corrupt,"
            + " partitions, got 'fast'");
    assertError(
        rejected(MINIMAL + "transfers:\n  connections:\n"),
        5,
        "transfers.connections",
        "has no value; give an integer or leave the key out to use the default 4");
    assertError(
        rejected(MINIMAL + "fault_profiles: lan\n"),
        4,
        "fault_profiles",
        "expected a list of built-in profile names (lan, wan, lossy, partition) and custom"
            + " profiles {name: ..., <link keys>}, got 'lan'");
    assertError(
        rejected(MINIMAL + "workloads: {name: w}\n"),
        4,
        "workloads",
        "expected a list of workloads {name: ..., mutations: {...}}, got a mapping");
  }

  @Test
  void rejectsOutOfRangeIntegersAndSizes() {
    assertError(
        rejected(MINIMAL + "transfers:\n  min_bytes: 100\n"),
        5,
        "transfers.min_bytes",
        "must be a multiple of 64 between 64 and 16777216, got 100");
    assertError(
        rejected(MINIMAL + "file:\n  size: 3KiB\n"),
        5,
        "file.size",
        "must be a multiple of 4096 between 65536 and 67108864, got 3KiB (3072 bytes)");
    assertError(
        rejected(MINIMAL + "transfers:\n  connections: 65\n"),
        5,
        "transfers.connections",
        "must be between 1 and 64, got 65");
  }

  @Test
  void rejectsSizeSuffixGarbage() {
    ScenarioException e =
        rejected(
            MINIMAL
                + """
                file:
                  profile: ext4
                  size: 4MB
                """);
    assertError(
        e,
        6,
        "file.size",
        "expected a size in bytes such as 4096, 16KiB or 4MiB (suffixes B, KiB, MiB, GiB;"
            + " 1KiB = 1024 bytes), got '4MB'");
  }

  @Test
  void rejectsBadDurations() {
    assertError(
        rejected("name: t\ncell_duration: 25\nstrategies: [SHARE]\n"),
        2,
        "cell_duration",
        "expected a duration such as 500ms, 25s, 2m or 1h (the unit is required), got 25");
    assertError(
        rejected("name: t\ncell_duration: 2h\nstrategies: [SHARE]\n"),
        2,
        "cell_duration",
        "must be between 1s and 1h, got 2h");
    assertError(
        rejected("name: t\ncell_duration: 999ms\nstrategies: [SHARE]\n"),
        2,
        "cell_duration",
        "must be between 1s and 1h, got 999ms");
  }

  @Test
  void rejectsBadChoices() {
    assertError(
        rejected(MINIMAL + "file:\n  profile: xfs\n"),
        5,
        "file.profile",
        "must be one of ext4, tmpfs, got 'xfs'");
    assertError(
        rejected(MINIMAL + "transfers:\n  sender_mode: csum_offload\n"),
        5,
        "transfers.sender_mode",
        "must be one of CSUM_OFFLOAD, CSUM_SOFTWARE, TLS_SW, TLS_OFFLOAD (case matters), got"
            + " 'csum_offload'");
  }

  @Test
  void rejectsAllZeroMix() {
    ScenarioException e =
        rejected(
            MINIMAL
                + """
                mutations:
                  writers: 1
                  mix:
                    write: 0
                """);
    assertError(
        e,
        6,
        "mutations.mix",
        "at least one weight must be > 0 (weights of write, mmap_store, punch_partial,"
            + " punch_whole, truncate_extend, direct_write; missing ones are 0)");
  }

  @Test
  void rejectsMalformedYamlWithSnakeYamlsLine() {
    ScenarioException e =
        rejected(
            """
            name: t
            cell_duration: 5s
              strategies: [SHARE]
            """);
    assertError(e, 3, "", "malformed YAML: mapping values are not allowed here");

    ScenarioException unclosed = rejected("name: t\ndescription: 'oops\ncell_duration: 5s\n");
    assertThat(unclosed.line()).isEqualTo(4);
    assertThat(unclosed.field()).isEmpty();
    assertThat(unclosed.getMessage())
        .isEqualTo(
            "t.yaml:4: malformed YAML: found unexpected end of stream"
                + " (while scanning a quoted scalar at line 2)");
  }

  @Test
  void rejectsMissingName() {
    ScenarioException e =
        rejected(
            """
            # a scenario without a name
            cell_duration: 5s
            strategies: [SHARE]
            """);
    assertError(e, 2, "name", "is required: a name matching [a-z0-9][a-z0-9_-]*");
  }

  @Test
  void rejectsBadName() {
    assertError(
        rejected("name: Quick Start\ncell_duration: 5s\nstrategies: [SHARE]\n"),
        1,
        "name",
        "must match [a-z0-9][a-z0-9_-]* (lower-case letters, digits, '_' and '-', starting with"
            + " a letter or digit), got 'Quick Start'");
  }

  @Test
  void rejectsEmptyAndNonMappingDocuments() {
    assertError(
        rejected("# only a comment\n"),
        0,
        "",
        "the scenario is empty; it needs at least name, cell_duration and strategies");
    assertError(
        rejected(""),
        0,
        "",
        "the scenario is empty; it needs at least name, cell_duration and strategies");
    assertError(
        rejected("- name: t\n"),
        1,
        "",
        "expected a mapping with the keys name, description, cell_duration, cell_min_transfers,"
            + " strategies, sender_modes, file, transfers, fault_profiles, workloads, stable_pages, faults,"
            + " time_scale, link, mutations, got a list");
  }

  // ---------------------------------------------------------------------------------------------
  // Files and resolve

  @Test
  void loadNamesTheFileInErrors(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("bad.yaml");
    Files.writeString(
        file, MINIMAL + "fault_profiles:\n  - name: x\n    loss: -0.1\n", StandardCharsets.UTF_8);
    ScenarioException e =
        catchThrowableOfType(ScenarioException.class, () -> ScenarioLoader.load(file));
    assertThat(e.getMessage())
        .isEqualTo(file + ":6: fault_profiles[0].loss: must be between 0 and 1, got -0.1");
  }

  @Test
  void resolvePrefersAnExistingFileThenABuiltInName(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("mine.yaml");
    Files.writeString(file, MINIMAL, StandardCharsets.UTF_8);
    assertThat(ScenarioLoader.resolve(file.toString()).name()).isEqualTo("t");
    assertThat(ScenarioLoader.resolve("matrix").name()).isEqualTo("matrix");

    ScenarioException e =
        catchThrowableOfType(ScenarioException.class, () -> ScenarioLoader.resolve("no-such"));
    assertThat(e.getMessage())
        .isEqualTo(
            "no-such: no such scenario file and no such built-in scenario;"
                + " built-in scenarios: quickstart, smoke, matrix, mechanisms");
  }
}
