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

  private static final Scenario QUICKSTART =
      new Scenario(
          "quickstart",
          "One 4 MiB ext4 file; 16-256 KiB transfers through pipes with a few ms of residency; a"
              + " mutator mixing writes, mmap stores and partial and whole punch holes. Runs the"
              + " same seeded workload under SHARE and COPY_AT_SPLICE.",
          Duration.ofSeconds(25),
          List.of("SHARE", "COPY_AT_SPLICE"),
          new Scenario.FileSpec(4 * MIB, "ext4", 64 * KIB),
          new Scenario.TransferSpec(
              4, 64, 16 * KIB, 256 * KIB, 1000, 5000, 16 * 1024, 200, "CSUM_SOFTWARE"),
          new Scenario.LinkSpec(200, 100, 0.0, 200000, 8),
          new Scenario.MutationSpec(
              2,
              400,
              new Scenario.Mix(4, 3, 2, 1, 0, 0),
              4 * KIB,
              64 * KIB,
              64 * KIB,
              0.0,
              0.1));

  // ---------------------------------------------------------------------------------------------
  // Built-ins

  @Test
  void builtInNamesAreFixed() {
    assertThat(ScenarioLoader.builtInNames()).containsExactly("quickstart", "smoke");
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
    assertThat(smoke.mutations().ratePerSecond()).isEqualTo(800.0);
    assertThat(smoke.description()).contains("integration test");
    Scenario.MutationSpec q = QUICKSTART.mutations();
    Scenario expected =
        new Scenario(
            "smoke",
            smoke.description(),
            Duration.ofSeconds(6),
            QUICKSTART.strategies(),
            QUICKSTART.file(),
            QUICKSTART.transfers(),
            QUICKSTART.link(),
            new Scenario.MutationSpec(
                q.writers(),
                800,
                q.mix(),
                q.minWriteBytes(),
                q.maxWriteBytes(),
                q.punchBlockBytes(),
                q.hotProbability(),
                q.hotFractionOfFile()));
    assertThat(smoke).isEqualTo(expected);
  }

  @Test
  void unknownBuiltInListsTheBuiltIns() {
    ScenarioException e =
        catchThrowableOfType(ScenarioException.class, () -> ScenarioLoader.builtIn("nope"));
    assertThat(e.getMessage())
        .isEqualTo("nope: not a built-in scenario; built-in scenarios: quickstart, smoke");
  }

  @Test
  void minimalScenarioTakesTheDefaults() {
    Scenario s = ScenarioLoader.parse(MINIMAL, "t.yaml");
    assertThat(s.name()).isEqualTo("t");
    assertThat(s.description()).isEmpty();
    assertThat(s.cellDuration()).isEqualTo(Duration.ofSeconds(5));
    assertThat(s.strategies()).containsExactly("SHARE");
    assertThat(s.file()).isEqualTo(QUICKSTART.file());
    assertThat(s.transfers()).isEqualTo(QUICKSTART.transfers());
    assertThat(s.link()).isEqualTo(QUICKSTART.link());
    assertThat(s.mutations()).isEqualTo(QUICKSTART.mutations());
  }

  @Test
  void emptySectionsAndPartialMixTakeDefaultsAndZeros() {
    Scenario s =
        ScenarioLoader.parse(
            MINIMAL
                + """
                file:
                transfers: {}
                link:
                  loss: 0.25
                mutations:
                  mix: {write: 1, direct_write: 0.5}
                  hot_fraction_of_file: 1
                """,
            "t.yaml");
    assertThat(s.file()).isEqualTo(QUICKSTART.file());
    assertThat(s.transfers()).isEqualTo(QUICKSTART.transfers());
    assertThat(s.link().loss()).isEqualTo(0.25);
    assertThat(s.link().rtoMicros()).isEqualTo(200000);
    assertThat(s.mutations().mix()).isEqualTo(new Scenario.Mix(1, 0, 0, 0, 0, 0.5));
    assertThat(s.mutations().hotFractionOfFile()).isEqualTo(1.0);
    assertThat(s.mutations().ratePerSecond()).isEqualTo(400.0);
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
            """,
            "t.yaml");
    assertThat(s.cellDuration()).isEqualTo(Duration.ofMinutes(2));
    assertThat(s.file().sizeBytes()).isEqualTo(65536);
    assertThat(s.file().fillChunkBytes()).isEqualTo(8192);
    assertThat(s.transfers().minBytes()).isEqualTo(64);
    assertThat(s.transfers().maxBytes()).isEqualTo(1024);
    assertThat(s.transfers().segmentBytes()).isEqualTo(1024);
    assertThat(ScenarioLoader.parse(MINIMAL.replace("5s", "1500ms"), "t").cellDuration())
        .isEqualTo(Duration.ofMillis(1500));
    assertThat(ScenarioLoader.parse(MINIMAL.replace("5s", "1h"), "t").cellDuration())
        .isEqualTo(Duration.ofHours(1));
  }

  // ---------------------------------------------------------------------------------------------
  // Round trip

  @Test
  void builtInsRoundTripThroughToYaml() {
    for (String name : ScenarioLoader.builtInNames()) {
      Scenario s = ScenarioLoader.builtIn(name);
      String yaml = ScenarioLoader.toYaml(s);
      assertThat(ScenarioLoader.parse(yaml, "scenario.yaml")).isEqualTo(s);
    }
  }

  @Test
  void toYamlWritesEveryValueExplicitly() {
    String yaml = ScenarioLoader.toYaml(QUICKSTART);
    assertThat(yaml)
        .contains("\nname: quickstart\n")
        .contains("\ncell_duration: 25s\n")
        .contains("\nstrategies: [SHARE, COPY_AT_SPLICE]\n")
        .contains("\n  size: 4MiB\n")
        .contains("\n  fill_chunk: 64KiB\n")
        .contains("\n  min_bytes: 16KiB\n")
        .contains("\n  sender_mode: CSUM_SOFTWARE\n")
        .contains("\n  loss: 0.0\n")
        .contains("\n  rate_per_second: 400\n")
        .contains(
            "\n  mix: {write: 4, mmap_store: 3, punch_partial: 2, punch_whole: 1,"
                + " truncate_extend: 0, direct_write: 0}\n")
        .contains("\n  hot_fraction_of_file: 0.1\n");
  }

  @Test
  void unusualValuesRoundTrip() {
    Scenario.FileSpec file = new Scenario.FileSpec(192 * KIB, "tmpfs", 12 * KIB);
    Scenario.TransferSpec transfers =
        new Scenario.TransferSpec(64, 1024, 192, 192 * KIB, 0, 60_000_000, 64, 0, "CSUM_OFFLOAD");
    Scenario.LinkSpec link = new Scenario.LinkSpec(0, 10_000_000, 0.123456789, 1, 100);
    Scenario.MutationSpec mutations =
        new Scenario.MutationSpec(
            64,
            0.5,
            new Scenario.Mix(0.1, 0, 1e-7, 2.5, 1e20, 0),
            64,
            192 * KIB,
            4 * KIB,
            1.0,
            1.0e-4);
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
      Scenario s =
          new Scenario(
              names.get(i),
              description,
              durations.get(i),
              List.of("COPY_AT_SPLICE", "SHARE"),
              file,
              transfers,
              link,
              mutations);
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
  void rejectsZeroRate() {
    ScenarioException e = rejected(MINIMAL + "mutations: {rate_per_second: 0.0}\n");
    assertError(e, 4, "mutations.rate_per_second", "must be > 0 and <= 1000000, got 0.0");
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
              - COW_PRIVATE_REF
            """);
    assertError(
        e,
        5,
        "strategies[1]",
        "unknown strategy 'COW_PRIVATE_REF'; allowed: SHARE, COPY_AT_SPLICE");
  }

  @Test
  void rejectsDuplicateAndEmptyStrategies() {
    assertError(
        rejected("name: t\ncell_duration: 5s\nstrategies: [SHARE, SHARE]\n"),
        3,
        "strategies[1]",
        "duplicate strategy 'SHARE'");
    assertError(
        rejected("name: t\ncell_duration: 5s\nstrategies: []\n"),
        3,
        "strategies",
        "must list at least one strategy of SHARE, COPY_AT_SPLICE");
    assertError(
        rejected("name: t\ncell_duration: 5s\nstrategies: SHARE\n"),
        3,
        "strategies",
        "expected a list such as [SHARE, COPY_AT_SPLICE], got 'SHARE'");
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
  void rejectsTransfersLargerThanTheFile() {
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
            + " segment_bytes, csum_to_dma_us, sender_mode");

    ScenarioException top = rejected(MINIMAL + "seed: 42\n");
    assertError(
        top,
        4,
        "seed",
        "unknown key; allowed keys: name, description, cell_duration, strategies, file,"
            + " transfers, link, mutations");
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
            + " got 'fast'");
    assertError(
        rejected(MINIMAL + "transfers:\n  connections:\n"),
        5,
        "transfers.connections",
        "has no value; give an integer or leave the key out to use the default 4");
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
        "must be one of CSUM_OFFLOAD, CSUM_SOFTWARE (case matters), got 'csum_offload'");
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
        "expected a mapping with the keys name, description, cell_duration, strategies, file,"
            + " transfers, link, mutations, got a list");
  }

  // ---------------------------------------------------------------------------------------------
  // Files and resolve

  @Test
  void loadNamesTheFileInErrors(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("bad.yaml");
    Files.writeString(file, MINIMAL + "link:\n  loss: -0.1\n", StandardCharsets.UTF_8);
    ScenarioException e =
        catchThrowableOfType(ScenarioException.class, () -> ScenarioLoader.load(file));
    assertThat(e.getMessage()).isEqualTo(file + ":5: link.loss: must be between 0 and 1, got -0.1");
  }

  @Test
  void resolvePrefersAnExistingFileThenABuiltInName(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("mine.yaml");
    Files.writeString(file, MINIMAL, StandardCharsets.UTF_8);
    assertThat(ScenarioLoader.resolve(file.toString()).name()).isEqualTo("t");
    assertThat(ScenarioLoader.resolve("smoke").name()).isEqualTo("smoke");

    ScenarioException e =
        catchThrowableOfType(ScenarioException.class, () -> ScenarioLoader.resolve("no-such"));
    assertThat(e.getMessage())
        .isEqualTo(
            "no-such: no such scenario file and no such built-in scenario;"
                + " built-in scenarios: quickstart, smoke");
  }
}
