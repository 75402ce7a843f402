package dev.splicelab.launcher.scenario;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeId;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Reads scenario YAML files into validated {@link Scenario}s and writes them back.
 *
 * <p>The YAML is composed into SnakeYAML nodes (not bound to objects) so that every error names
 * the line of the offending value; see {@link ScenarioException} for the message format. Keys are
 * snake_case; durations are strings such as {@code 500ms}, {@code 25s}, {@code 2m}, {@code 1h};
 * sizes are integers (bytes) or strings with a binary suffix such as {@code 16KiB} or {@code 4MiB};
 * keys ending in {@code _us} are microseconds. {@code name}, {@code cell_duration} and {@code
 * strategies} are required; everything else may be omitted, in which case the defaults below (the
 * values of the {@code quickstart} scenario) apply. Unknown keys are errors.
 *
 * <p>The run matrix is {@code strategies x sender_modes x fault_profiles x workloads}, at most
 * {@value #MAX_CELLS} cells. {@code fault_profiles} items are the name of a built-in profile
 * ({@code lan}, {@code wan}, {@code lossy}, {@code partition}) or a mapping {@code {name: ...,
 * <link keys>}}; {@code workloads} items are mappings {@code {name: ..., mutations: {...}}}. For
 * files in the earlier single-cell format, a {@code link} section is read as one fault profile
 * named {@value #LEGACY_LINK_PROFILE}, a {@code mutations} section as one workload named {@value
 * #DEFAULT_WORKLOAD}, and {@code transfers.sender_mode: X} as {@code sender_modes: [X]}; giving
 * such a key together with its list form is an error. {@link #toYaml} writes the list form only.
 */
public final class ScenarioLoader {

  /** Scenarios shipped as classpath resources {@code /scenarios/<name>.yaml}. */
  public static final List<String> BUILT_IN_NAMES =
      List.of("quickstart", "smoke", "matrix", "mechanisms");

  /** Allowed values of {@code strategies}. */
  public static final List<String> STRATEGIES =
      List.of(
          "SHARE",
          "COPY_AT_SPLICE",
          "COW_PRIVATE_REF",
          "OPTIMISTIC_CONFIRM",
          "STABLE_PAGES",
          "COMPLETION_AFTER_SNAPSHOT");

  /** Allowed values of {@code sender_modes} (and of the older {@code transfers.sender_mode}). */
  public static final List<String> SENDER_MODES =
      List.of("CSUM_OFFLOAD", "CSUM_SOFTWARE", "TLS_SW", "TLS_OFFLOAD");

  /** Default of {@code sender_modes}. */
  public static final List<String> DEFAULT_SENDER_MODES = List.of("CSUM_SOFTWARE");

  /** Allowed values of {@code file.profile}. */
  public static final List<String> FILE_PROFILES = List.of("ext4", "tmpfs");

  /** Allowed values of {@code stable_pages.hold_from}. */
  public static final List<String> HOLD_FROM = List.of("checksum", "splice");

  /** Allowed values of {@code stable_pages.on_timeout}. */
  public static final List<String> ON_TIMEOUT = List.of("fail_writer", "let_through");

  /** Allowed values of {@code faults[].kind}. */
  public static final List<String> FAULT_KINDS =
      List.of("grpc_latency", "grpc_reset", "grpc_timeout", "bandwidth", "slicer", "pause_process", "kill_restart");

  /** Allowed values of {@code faults[].target}. */
  public static final List<String> FAULT_TARGETS =
      List.of("storage-node", "pipe-broker", "network-sender", "mutator", "checker");

  /** Most cells (strategies x sender modes x fault profiles x workloads) a scenario may have. */
  public static final int MAX_CELLS = 256;

  private static final long KIB = 1024;
  private static final long MIB = 1024 * KIB;
  private static final long GIB = 1024 * MIB;

  /** Defaults of the {@code file} section. */
  public static final Scenario.FileSpec DEFAULT_FILE =
      new Scenario.FileSpec(4 * MIB, "ext4", 64 * KIB);

  /** Defaults of the {@code transfers} section. */
  public static final Scenario.TransferSpec DEFAULT_TRANSFERS =
      new Scenario.TransferSpec(
          4, 64, 16 * KIB, 256 * KIB, 1_000, 5_000, (int) (16 * KIB), 200, 64);

  /** Defaults of every key of a custom fault profile (and of the older {@code link} section). */
  public static final Scenario.LinkSpec DEFAULT_LINK =
      new Scenario.LinkSpec(200, 100, 0.0, 200_000, 8, 0, 0.0, 0.0, 0, 0.0, List.of());

  /** Name of the profile used when neither {@code fault_profiles} nor {@code link} is given. */
  public static final String DEFAULT_PROFILE = "default";

  /** Name of the profile an older single {@code link} section stands for. */
  public static final String LEGACY_LINK_PROFILE = "custom";

  /** Default of {@code fault_profiles}: the quickstart link, named {@value #DEFAULT_PROFILE}. */
  public static final List<Scenario.FaultProfile> DEFAULT_FAULT_PROFILES =
      List.of(new Scenario.FaultProfile(DEFAULT_PROFILE, DEFAULT_LINK));

  /** Built-in profile {@code lan}: 100 us latency, 50 us jitter, no loss. */
  public static final Scenario.FaultProfile LAN =
      new Scenario.FaultProfile(
          "lan", new Scenario.LinkSpec(100, 50, 0.0, 200_000, 8, 0, 0.0, 0.0, 0, 0.0, List.of()));

  /** Built-in profile {@code wan}: 20 ms latency, 5 ms jitter, 0.1% loss, 12.5 MB/s. */
  public static final Scenario.FaultProfile WAN =
      new Scenario.FaultProfile(
          "wan",
          new Scenario.LinkSpec(
              20_000, 5_000, 0.001, 200_000, 8, 12_500_000, 0.0, 0.0, 0, 0.0, List.of()));

  /**
   * Built-in profile {@code lossy}: 500 us latency, 200 us jitter, 2% loss, 1% duplicates, 2%
   * reordered by 2 ms, 0.5% corrupted, 12 attempts.
   */
  public static final Scenario.FaultProfile LOSSY =
      new Scenario.FaultProfile(
          "lossy",
          new Scenario.LinkSpec(
              500, 200, 0.02, 200_000, 12, 0, 0.01, 0.02, 2_000, 0.005, List.of()));

  /** Built-in profile {@code partition}: {@code lan} cut off for 1 s at 3 s and 500 ms at 8 s. */
  public static final Scenario.FaultProfile PARTITION =
      new Scenario.FaultProfile(
          "partition",
          new Scenario.LinkSpec(
              100,
              50,
              0.0,
              200_000,
              8,
              0,
              0.0,
              0.0,
              0,
              0.0,
              List.of(
                  new Scenario.Window(Duration.ofSeconds(3), Duration.ofSeconds(1)),
                  new Scenario.Window(Duration.ofSeconds(8), Duration.ofMillis(500)))));

  /** The profiles {@code fault_profiles} may name: lan, wan, lossy, partition. */
  public static final List<Scenario.FaultProfile> BUILT_IN_PROFILES =
      List.of(LAN, WAN, LOSSY, PARTITION);

  /** Default of {@code mutations.mix} when the whole mix is omitted. */
  public static final Scenario.Mix DEFAULT_MIX = new Scenario.Mix(4, 3, 2, 1, 0, 0);

  /** Defaults of a workload's {@code mutations} section. */
  public static final Scenario.MutationSpec DEFAULT_MUTATIONS =
      new Scenario.MutationSpec(2, 400, DEFAULT_MIX, 4 * KIB, 64 * KIB, 64 * KIB, 0.0, 0.1, 0.0);

  /** Name of the workload used when neither {@code workloads} nor {@code mutations} is given. */
  public static final String DEFAULT_WORKLOAD = "default";

  /** Default of {@code workloads}. */
  public static final List<Scenario.Workload> DEFAULT_WORKLOADS =
      List.of(new Scenario.Workload(DEFAULT_WORKLOAD, DEFAULT_MUTATIONS));

  /** Defaults of the {@code stable_pages} section. */
  public static final Scenario.StablePagesSpec DEFAULT_STABLE_PAGES =
      new Scenario.StablePagesSpec("checksum", Duration.ofMillis(200), "fail_writer");

  private static final List<String> ROOT_KEYS =
      List.of(
          "name",
          "description",
          "cell_duration",
          "cell_min_transfers",
          "strategies",
          "sender_modes",
          "file",
          "transfers",
          "fault_profiles",
          "workloads",
          "stable_pages",
          "faults",
          "time_scale",
          "link",
          "mutations");
  private static final List<String> FILE_KEYS = List.of("size", "profile", "fill_chunk");
  private static final List<String> TRANSFER_KEYS =
      List.of(
          "connections",
          "pipe_capacity",
          "min_bytes",
          "max_bytes",
          "min_residency_us",
          "max_residency_us",
          "segment_bytes",
          "csum_to_dma_us",
          "max_confirm_retries",
          "sender_mode");
  private static final List<String> LINK_KEYS =
      List.of(
          "latency_us",
          "jitter_us",
          "loss",
          "rto_us",
          "max_attempts",
          "bandwidth_bytes_per_second",
          "duplicate",
          "reorder",
          "reorder_delay_us",
          "corrupt",
          "partitions");
  private static final List<String> PROFILE_KEYS = prepend("name", LINK_KEYS);
  private static final List<String> WINDOW_KEYS = List.of("start", "duration");
  private static final List<String> WORKLOAD_KEYS = List.of("name", "mutations");
  private static final List<String> MUTATION_KEYS =
      List.of(
          "writers",
          "rate_per_second",
          "mix",
          "min_write_bytes",
          "max_write_bytes",
          "punch_block",
          "hot_probability",
          "hot_fraction_of_file",
          "application_fraction");
  private static final List<String> MIX_KEYS =
      List.of(
          "write",
          "mmap_store",
          "punch_partial",
          "punch_whole",
          "truncate_extend",
          "direct_write");
  private static final List<String> STABLE_PAGES_KEYS =
      List.of("hold_from", "wait_timeout", "on_timeout");
  private static final List<String> FAULT_KEYS =
      List.of("kind", "target", "start", "duration", "latency_us", "probability", "rate_kbps", "slice_bytes",
          "slice_delay_us");

  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]*");
  private static final Pattern DURATION = Pattern.compile("([0-9]+)\\s*(ms|s|m|h)");
  private static final Pattern SIZE = Pattern.compile("([0-9]+)\\s*(B|KiB|MiB|GiB)?");
  private static final Pattern DECIMAL = Pattern.compile("[-+]?[0-9]+");
  private static final Pattern HEX = Pattern.compile("([-+]?)0x([0-9a-fA-F]+)");
  private static final Pattern PLAIN_SAFE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");

  private static final String DURATION_EXPECTED = "a duration such as 500ms, 25s, 2m or 1h";
  private static final Duration MIN_CELL = Duration.ofSeconds(1);
  private static final Duration MAX_CELL = Duration.ofHours(1);
  private static final Duration ONE_MS = Duration.ofMillis(1);
  private static final Duration ONE_HOUR = Duration.ofHours(1);

  private ScenarioLoader() {}

  private static List<String> prepend(String first, List<String> rest) {
    List<String> out = new ArrayList<>();
    out.add(first);
    out.addAll(rest);
    return List.copyOf(out);
  }

  /** The number of cells of the run: strategies x sender modes x fault profiles x workloads. */
  public static long cells(Scenario s) {
    return (long) s.strategies().size()
        * s.senderModes().size()
        * s.faultProfiles().size()
        * s.workloads().size();
  }

  // ---------------------------------------------------------------------------------------------
  // Entry points

  /** Reads and validates a scenario file; errors name the file as given. */
  public static Scenario load(Path file) {
    Objects.requireNonNull(file, "file");
    String source = file.toString();
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new ScenarioException(source, 0, "", "no such file", e);
    } catch (CharacterCodingException e) {
      throw new ScenarioException(source, 0, "", "not valid UTF-8 text", e);
    } catch (IOException e) {
      throw new ScenarioException(source, 0, "", "cannot read the file: " + e, e);
    }
    return parse(text, source);
  }

  /** Reads the built-in scenario {@code name} from the classpath resource /scenarios/name.yaml. */
  public static Scenario builtIn(String name) {
    if (name == null || !BUILT_IN_NAMES.contains(name)) {
      throw new ScenarioException(
          String.valueOf(name),
          0,
          "",
          "not a built-in scenario; built-in scenarios: " + String.join(", ", BUILT_IN_NAMES));
    }
    String source = name + ".yaml";
    String resource = "/scenarios/" + source;
    try (InputStream in = ScenarioLoader.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new ScenarioException(
            source, 0, "", "built-in scenario resource " + resource + " is not on the classpath");
      }
      return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), source);
    } catch (IOException e) {
      throw new ScenarioException(source, 0, "", "cannot read " + resource + ": " + e, e);
    }
  }

  /** The names accepted by {@link #builtIn(String)}. */
  public static List<String> builtInNames() {
    return BUILT_IN_NAMES;
  }

  /**
   * A path to an existing scenario file, else the name of a built-in scenario; otherwise a {@link
   * ScenarioException} listing the built-in names.
   */
  public static Scenario resolve(String nameOrPath) {
    String builtIns = "built-in scenarios: " + String.join(", ", BUILT_IN_NAMES);
    if (nameOrPath == null || nameOrPath.isBlank()) {
      throw new ScenarioException(
          "<scenario>", 0, "", "no scenario given: name a scenario file or one of the " + builtIns);
    }
    Path path = null;
    try {
      path = Path.of(nameOrPath);
    } catch (InvalidPathException e) {
      // not a usable path: can still be a built-in name
    }
    if (path != null && Files.isRegularFile(path)) {
      return load(path);
    }
    if (BUILT_IN_NAMES.contains(nameOrPath)) {
      return builtIn(nameOrPath);
    }
    if (path != null && Files.isDirectory(path)) {
      throw new ScenarioException(
          nameOrPath, 0, "", "is a directory, not a scenario file; " + builtIns);
    }
    throw new ScenarioException(
        nameOrPath, 0, "", "no such scenario file and no such built-in scenario; " + builtIns);
  }

  /**
   * Parses and validates scenario YAML.
   *
   * @param yamlText the YAML document
   * @param sourceName how errors name the text, usually its file name
   */
  public static Scenario parse(String yamlText, String sourceName) {
    Objects.requireNonNull(yamlText, "yamlText");
    String source = sourceName == null || sourceName.isBlank() ? "<scenario>" : sourceName;
    String text = yamlText.startsWith("\uFEFF") ? yamlText.substring(1) : yamlText;
    Node root;
    try {
      root = new Yaml().compose(new StringReader(text));
    } catch (MarkedYAMLException e) {
      throw malformed(source, e);
    } catch (YAMLException e) {
      throw new ScenarioException(source, 0, "", "malformed YAML: " + oneLine(e.getMessage()), e);
    }
    if (root == null || isNull(root)) {
      throw new ScenarioException(
          source,
          0,
          "",
          "the scenario is empty; it needs at least name, cell_duration and strategies");
    }
    return build(new Section(source, "", lineOf(root), root, ROOT_KEYS));
  }

  // ---------------------------------------------------------------------------------------------
  // Validation

  private static Scenario build(Section root) {
    String name = root.requiredText("name", "a name matching " + NAME.pattern());
    root.checkName("name", name);
    String description = root.optionalText("description");
    Duration cellDuration = root.duration("cell_duration", MIN_CELL, MAX_CELL);
    List<String> strategies = root.names("strategies", STRATEGIES, "strategy", null);

    Section f = root.section("file", FILE_KEYS);
    Scenario.FileSpec d = DEFAULT_FILE;
    long size = f.size("size", d.sizeBytes(), 4096, 64 * KIB, 64 * MIB);
    String profile = f.choice("profile", d.profile(), FILE_PROFILES);
    long fillChunk = f.size("fill_chunk", d.fillChunkBytes(), 4096, 4 * KIB, 2 * MIB);
    Scenario.FileSpec file = new Scenario.FileSpec(size, profile, fillChunk);

    Section t = root.section("transfers", TRANSFER_KEYS);
    Scenario.TransferSpec dt = DEFAULT_TRANSFERS;
    int connections = (int) t.integer("connections", dt.connections(), 1, 64);
    int pipeCapacity = (int) t.integer("pipe_capacity", dt.pipeCapacity(), 1, 1024);
    long minBytes = t.size("min_bytes", dt.minBytes(), 64, 64, 16 * MIB);
    long maxBytes = t.size("max_bytes", dt.maxBytes(), 64, 64, 16 * MIB);
    requireOrdered(t, "min_bytes", minBytes, t, "max_bytes", maxBytes, true);
    long minResidency = t.integer("min_residency_us", dt.minResidencyMicros(), 0, 60_000_000);
    long maxResidency = t.integer("max_residency_us", dt.maxResidencyMicros(), 0, 60_000_000);
    requireOrdered(t, "min_residency_us", minResidency, t, "max_residency_us", maxResidency, true);
    int segmentBytes = (int) t.size("segment_bytes", dt.segmentBytes(), 64, 64, MIB);
    long csumToDma = t.integer("csum_to_dma_us", dt.csumToDmaMicros(), 0, 1_000_000);
    int maxConfirmRetries =
        (int) t.integer("max_confirm_retries", dt.maxConfirmRetries(), 0, 1000);
    Scenario.TransferSpec transfers =
        new Scenario.TransferSpec(
            connections,
            pipeCapacity,
            minBytes,
            maxBytes,
            minResidency,
            maxResidency,
            segmentBytes,
            csumToDma,
            maxConfirmRetries);
    requireOrdered(t, "max_bytes", maxBytes, f, "size", size, false);

    List<String> senderModes;
    if (t.has("sender_mode")) {
      if (root.has("sender_modes")) {
        throw t.keyError(
            "sender_mode",
            "cannot be given together with sender_modes (line "
                + root.keyLine("sender_modes")
                + "); list the modes in sender_modes only");
      }
      senderModes =
          List.of(t.choice("sender_mode", DEFAULT_SENDER_MODES.get(0), SENDER_MODES));
    } else {
      senderModes = root.names("sender_modes", SENDER_MODES, "sender mode", DEFAULT_SENDER_MODES);
    }

    List<Scenario.FaultProfile> faultProfiles;
    if (root.has("link")) {
      if (root.has("fault_profiles")) {
        throw root.keyError(
            "link",
            "cannot be given together with fault_profiles (line "
                + root.keyLine("fault_profiles")
                + "); give the link as a profile {name: ..., <link keys>} in fault_profiles"
                + " instead");
      }
      Scenario.LinkSpec link = link(root.section("link", LINK_KEYS));
      faultProfiles = List.of(new Scenario.FaultProfile(LEGACY_LINK_PROFILE, link));
    } else {
      faultProfiles = faultProfiles(root);
    }

    List<Scenario.Workload> workloads;
    if (root.has("mutations") || !root.has("workloads")) {
      if (root.has("workloads")) {
        throw root.keyError(
            "mutations",
            "cannot be given together with workloads (line "
                + root.keyLine("workloads")
                + "); give the mutations as a workload {name: ..., mutations: {...}} in"
                + " workloads instead");
      }
      Section m = root.section("mutations", MUTATION_KEYS);
      workloads = List.of(new Scenario.Workload(DEFAULT_WORKLOAD, mutations(m, f, size)));
    } else {
      workloads = workloads(root, f, size);
    }

    requireCellLimit(root, strategies, senderModes, faultProfiles, workloads);

    Section sp = root.section("stable_pages", STABLE_PAGES_KEYS);
    Scenario.StablePagesSpec ds = DEFAULT_STABLE_PAGES;
    Scenario.StablePagesSpec stablePages =
        new Scenario.StablePagesSpec(
            sp.choice("hold_from", ds.holdFrom(), HOLD_FROM),
            sp.duration("wait_timeout", ds.waitTimeout(), ONE_MS, Duration.ofSeconds(60)),
            sp.choice("on_timeout", ds.onTimeout(), ON_TIMEOUT));

    List<Scenario.FaultSpec> faults = faults(root, cellDuration);
    double timeScale = root.number("time_scale", 1, MIN_TIME_SCALE, false, MAX_TIME_SCALE);
    long cellMinTransfers = root.integer("cell_min_transfers", 0, 0, MAX_CELL_MIN_TRANSFERS);

    return new Scenario(
        name,
        description,
        cellDuration,
        strategies,
        senderModes,
        faultProfiles,
        workloads,
        file,
        transfers,
        stablePages,
        faults,
        timeScale,
        cellMinTransfers);
  }

  /** Upper bound of {@code cell_min_transfers}. */
  public static final long MAX_CELL_MIN_TRANSFERS = 10_000_000;

  /** Range of {@code time_scale}. */
  public static final double MIN_TIME_SCALE = 0.25;
  public static final double MAX_TIME_SCALE = 64;

  private static List<Scenario.FaultProfile> faultProfiles(Section root) {
    String builtIns = String.join(", ", builtInProfileNames());
    List<Node> items =
        root.items(
            "fault_profiles",
            "a list of built-in profile names ("
                + builtIns
                + ") and custom profiles {name: ..., <link keys>}");
    if (items == null) {
      return DEFAULT_FAULT_PROFILES;
    }
    if (items.isEmpty()) {
      throw root.error(
          "fault_profiles",
          "must list at least one profile: a built-in name ("
              + builtIns
              + ") or a mapping {name: ..., <link keys>}");
    }
    List<Scenario.FaultProfile> out = new ArrayList<>();
    Map<String, Integer> firstLines = new LinkedHashMap<>();
    for (int i = 0; i < items.size(); i++) {
      Node item = items.get(i);
      String itemField = root.field("fault_profiles") + "[" + i + "]";
      String name;
      String nameField;
      int nameLine;
      Scenario.FaultProfile profile;
      if (item instanceof ScalarNode s && !isNull(item)) {
        name = s.getValue();
        nameField = itemField;
        nameLine = lineOf(item);
        profile = builtInProfile(name);
        if (profile == null) {
          throw new ScenarioException(
              root.source,
              nameLine,
              itemField,
              "unknown profile "
                  + quote(name)
                  + "; built-in profiles: "
                  + builtIns
                  + " (a custom profile is a mapping {name: ..., <link keys>})");
        }
      } else if (item instanceof MappingNode) {
        Section p = root.item("fault_profiles", i, item, PROFILE_KEYS);
        name = p.requiredText("name", "a profile name matching " + NAME.pattern());
        p.checkName("name", name);
        nameField = p.field("name");
        nameLine = p.lineOf("name");
        Scenario.LinkSpec link = link(p);
        Scenario.FaultProfile builtIn = builtInProfile(name);
        if (builtIn != null && !builtIn.link().equals(link)) {
          Map<String, String> want = linkEntries(builtIn.link());
          Map<String, String> got = linkEntries(link);
          String key =
              want.keySet().stream()
                  .filter(k -> !want.get(k).equals(got.get(k)))
                  .findFirst()
                  .orElseThrow();
          throw p.error(
              "name",
              quote(name)
                  + " is a built-in profile, and a mapping with its name must repeat its values"
                  + " exactly, but "
                  + key
                  + " is "
                  + got.get(key)
                  + (p.has(key) ? "" : " (the default)")
                  + ", not "
                  + want.get(key)
                  + "; write just "
                  + name
                  + ", or give the custom profile another name");
        }
        profile = new Scenario.FaultProfile(name, link);
      } else {
        throw new ScenarioException(
            root.source,
            lineOf(item),
            itemField,
            "expected a built-in profile name ("
                + builtIns
                + ") or a mapping {name: ..., <link keys>}, got "
                + describe(item));
      }
      Integer first = firstLines.putIfAbsent(name, nameLine);
      if (first != null) {
        throw new ScenarioException(
            root.source,
            nameLine,
            nameField,
            "duplicate profile name " + quote(name) + " (first given at line " + first + ")");
      }
      out.add(profile);
    }
    return List.copyOf(out);
  }

  private static List<String> builtInProfileNames() {
    List<String> names = new ArrayList<>();
    for (Scenario.FaultProfile p : BUILT_IN_PROFILES) {
      names.add(p.name());
    }
    return names;
  }

  private static Scenario.FaultProfile builtInProfile(String name) {
    for (Scenario.FaultProfile p : BUILT_IN_PROFILES) {
      if (p.name().equals(name)) {
        return p;
      }
    }
    return null;
  }

  /** The link keys of a profile mapping or of the older {@code link} section. */
  private static Scenario.LinkSpec link(Section l) {
    Scenario.LinkSpec d = DEFAULT_LINK;
    long latency = l.integer("latency_us", d.latencyMicros(), 0, 10_000_000);
    long jitter = l.integer("jitter_us", d.jitterMicros(), 0, 10_000_000);
    double loss = l.number("loss", d.loss(), 0, false, 1);
    long rto = l.integer("rto_us", d.rtoMicros(), 1, 60_000_000);
    int maxAttempts = (int) l.integer("max_attempts", d.maxAttempts(), 1, 100);
    String bandwidthKey = "bandwidth_bytes_per_second";
    long bandwidth =
        l.integer(bandwidthKey, d.bandwidthBytesPerSecond(), Long.MIN_VALUE, Long.MAX_VALUE);
    if (bandwidth != 0 && (bandwidth < 1000 || bandwidth > 100_000_000_000L)) {
      throw l.error(
          bandwidthKey,
          "must be 0 (unlimited) or between 1000 and 100000000000, got " + l.written(bandwidthKey));
    }
    double duplicate = l.number("duplicate", d.duplicate(), 0, false, 1);
    double reorder = l.number("reorder", d.reorder(), 0, false, 1);
    long reorderDelay = l.integer("reorder_delay_us", d.reorderDelayMicros(), 0, 10_000_000);
    double corrupt = l.number("corrupt", d.corrupt(), 0, false, 1);
    List<Scenario.Window> partitions = new ArrayList<>();
    List<Node> items = l.items("partitions", "a list of windows {start: ..., duration: ...}");
    if (items != null) {
      for (int i = 0; i < items.size(); i++) {
        Section w = l.item("partitions", i, items.get(i), WINDOW_KEYS);
        partitions.add(
            new Scenario.Window(
                w.duration("start", Duration.ZERO, ONE_HOUR),
                w.duration("duration", ONE_MS, ONE_HOUR)));
      }
    }
    return new Scenario.LinkSpec(
        latency,
        jitter,
        loss,
        rto,
        maxAttempts,
        bandwidth,
        duplicate,
        reorder,
        reorderDelay,
        corrupt,
        List.copyOf(partitions));
  }

  private static List<Scenario.Workload> workloads(Section root, Section f, long size) {
    List<Node> items =
        root.items("workloads", "a list of workloads {name: ..., mutations: {...}}");
    if (items == null) {
      return DEFAULT_WORKLOADS;
    }
    if (items.isEmpty()) {
      throw root.error(
          "workloads", "must list at least one workload {name: ..., mutations: {...}}");
    }
    List<Scenario.Workload> out = new ArrayList<>();
    Map<String, Integer> firstLines = new LinkedHashMap<>();
    for (int i = 0; i < items.size(); i++) {
      Section w = root.item("workloads", i, items.get(i), WORKLOAD_KEYS);
      String name = w.requiredText("name", "a workload name matching " + NAME.pattern());
      w.checkName("name", name);
      Integer first = firstLines.putIfAbsent(name, w.lineOf("name"));
      if (first != null) {
        throw w.error(
            "name",
            "duplicate workload name " + quote(name) + " (first given at line " + first + ")");
      }
      Section m = w.section("mutations", MUTATION_KEYS);
      out.add(new Scenario.Workload(name, mutations(m, f, size)));
    }
    return List.copyOf(out);
  }

  private static Scenario.MutationSpec mutations(Section m, Section f, long size) {
    Scenario.MutationSpec dm = DEFAULT_MUTATIONS;
    int writers = (int) m.integer("writers", dm.writers(), 1, 64);
    double rate = m.number("rate_per_second", dm.ratePerSecond(), 0, true, 1_000_000);
    Scenario.Mix mix = mix(m.section("mix", MIX_KEYS));
    long minWrite = m.size("min_write_bytes", dm.minWriteBytes(), 64, 64, 4 * MIB);
    long maxWrite = m.size("max_write_bytes", dm.maxWriteBytes(), 64, 64, 4 * MIB);
    requireOrdered(m, "min_write_bytes", minWrite, m, "max_write_bytes", maxWrite, true);
    long punchBlock = m.size("punch_block", dm.punchBlockBytes(), 4096, 4 * KIB, 2 * MIB);
    double hotProbability = m.number("hot_probability", dm.hotProbability(), 0, false, 1);
    double hotFraction = m.number("hot_fraction_of_file", dm.hotFractionOfFile(), 0, true, 1);
    double applicationFraction =
        m.number("application_fraction", dm.applicationFraction(), 0, false, 1);
    requireOrdered(m, "max_write_bytes", maxWrite, f, "size", size, false);
    requireOrdered(m, "punch_block", punchBlock, f, "size", size, false);
    return new Scenario.MutationSpec(
        writers,
        rate,
        mix,
        minWrite,
        maxWrite,
        punchBlock,
        hotProbability,
        hotFraction,
        applicationFraction);
  }

  private static Scenario.Mix mix(Section x) {
    if (!x.present()) {
      return DEFAULT_MIX;
    }
    double inf = Double.POSITIVE_INFINITY;
    Scenario.Mix mix =
        new Scenario.Mix(
            x.number("write", 0, 0, false, inf),
            x.number("mmap_store", 0, 0, false, inf),
            x.number("punch_partial", 0, 0, false, inf),
            x.number("punch_whole", 0, 0, false, inf),
            x.number("truncate_extend", 0, 0, false, inf),
            x.number("direct_write", 0, 0, false, inf));
    double total =
        mix.write()
            + mix.mmapStore()
            + mix.punchPartial()
            + mix.punchWhole()
            + mix.truncateExtend()
            + mix.directWrite();
    if (!(total > 0)) {
      throw x.sectionError(
          "at least one weight must be > 0 (weights of "
              + String.join(", ", MIX_KEYS)
              + "; missing ones are 0)");
    }
    return mix;
  }

  /**
   * At most {@value #MAX_CELLS} cells. The error points at the longest of the four lists given in
   * the file (the first of them on a tie), the one whose shortening helps most.
   */
  private static void requireCellLimit(
      Section root,
      List<String> strategies,
      List<String> senderModes,
      List<Scenario.FaultProfile> faultProfiles,
      List<Scenario.Workload> workloads) {
    Map<String, Integer> sizes = new LinkedHashMap<>();
    sizes.put("strategies", strategies.size());
    sizes.put("sender_modes", senderModes.size());
    sizes.put("fault_profiles", faultProfiles.size());
    sizes.put("workloads", workloads.size());
    long cells = 1;
    for (int n : sizes.values()) {
      cells *= n;
    }
    if (cells <= MAX_CELLS) {
      return;
    }
    String blame = "strategies";
    for (Map.Entry<String, Integer> e : sizes.entrySet()) {
      if (root.has(e.getKey()) && e.getValue() > sizes.get(blame)) {
        blame = e.getKey();
      }
    }
    List<String> factors = new ArrayList<>();
    for (int n : sizes.values()) {
      factors.add(Integer.toString(n));
    }
    throw root.keyError(
        blame,
        "too many cells: strategies x sender_modes x fault_profiles x workloads = "
            + String.join(" x ", factors)
            + " = "
            + cells
            + ", at most "
            + MAX_CELLS);
  }

  /** The keys a fault of {@code kind} may have. */
  private static List<String> faultKeys(String kind) {
    return switch (kind) {
      case "grpc_latency" -> List.of("kind", "target", "start", "duration", "latency_us");
      case "grpc_reset", "grpc_timeout" ->
          List.of("kind", "target", "start", "duration", "probability");
      case "bandwidth" -> List.of("kind", "target", "start", "duration", "rate_kbps");
      case "slicer" -> List.of("kind", "target", "start", "duration", "slice_bytes", "slice_delay_us");
      case "pause_process" -> List.of("kind", "target", "start", "duration");
      default -> List.of("kind", "target", "start");
    };
  }

  private static List<Scenario.FaultSpec> faults(Section root, Duration cellDuration) {
    List<Node> items =
        root.items("faults", "a list of faults {kind: ..., target: ..., start: ..., ...}");
    if (items == null) {
      return List.of();
    }
    List<Scenario.FaultSpec> out = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      Section x = root.item("faults", i, items.get(i), FAULT_KEYS);
      String kind = x.requiredChoice("kind", FAULT_KINDS);
      List<String> applicable = faultKeys(kind);
      for (String key : x.keys()) {
        if (!applicable.contains(key)) {
          throw x.keyError(
              key,
              "does not apply to kind "
                  + kind
                  + "; the keys of a "
                  + kind
                  + " fault: "
                  + String.join(", ", applicable));
        }
      }
      String target = x.requiredChoice("target", FAULT_TARGETS);
      Duration start = x.duration("start", Duration.ZERO, ONE_HOUR);
      if (start.compareTo(cellDuration) >= 0) {
        throw x.error(
            "start",
            "must be before the end of the cell (cell_duration "
                + formatDuration(cellDuration)
                + "), got "
                + x.written("start"));
      }
      Duration duration =
          applicable.contains("duration")
              ? x.duration("duration", ONE_MS, ONE_HOUR)
              : Duration.ZERO;
      long latency =
          applicable.contains("latency_us") ? x.requiredInteger("latency_us", 1, 10_000_000) : 0;
      double probability =
          applicable.contains("probability") ? x.number("probability", 1, 0, true, 1) : 0;
      long rateKbps = applicable.contains("rate_kbps") ? x.requiredInteger("rate_kbps", 1, 10_000_000) : 0;
      long sliceBytes = applicable.contains("slice_bytes") ? x.requiredInteger("slice_bytes", 1, 1 << 20) : 0;
      long sliceDelay = applicable.contains("slice_delay_us") ? x.requiredInteger("slice_delay_us", 0, 1_000_000) : 0;
      out.add(new Scenario.FaultSpec(kind, target, start, duration, latency, probability, rateKbps, sliceBytes, sliceDelay));
    }
    return List.copyOf(out);
  }

  /**
   * Requires {@code a <= b}. The error goes to the preferred side ({@code b} if {@code blameB})
   * when that value was written in the file, else to the other side if that one was written.
   */
  private static void requireOrdered(
      Section as, String aKey, long a, Section bs, String bKey, long b, boolean blameB) {
    if (a <= b) {
      return;
    }
    boolean aGiven = as.has(aKey);
    boolean bGiven = bs.has(bKey);
    boolean onB = blameB ? bGiven || !aGiven : bGiven && !aGiven;
    if (onB) {
      throw bs.error(
          bKey,
          "must be >= "
              + as.field(aKey)
              + " ("
              + a
              + (aGiven ? "" : ", the default")
              + "), got "
              + b
              + (bGiven ? "" : " (the default)"));
    }
    throw as.error(
        aKey,
        "must be <= "
            + bs.field(bKey)
            + " ("
            + b
            + (bGiven ? "" : ", the default")
            + "), got "
            + a
            + (aGiven ? "" : " (the default)"));
  }

  // ---------------------------------------------------------------------------------------------
  // Writing

  /**
   * The scenario as YAML in the loader's (list) format with every value explicit, built-in fault
   * profiles written out in full under their names, such that {@code parse(toYaml(s), any)} equals
   * {@code s} for every scenario the loader can produce. A {@code null} description is written as
   * empty. Durations must be whole non-negative milliseconds.
   */
  public static String toYaml(Scenario s) {
    Objects.requireNonNull(s, "scenario");
    StringBuilder y = new StringBuilder();
    y.append("# Resolved scenario: every value explicit, as the run used it.\n");
    y.append("name: ").append(text(s.name())).append('\n');
    y.append("description: ")
        .append(doubleQuoted(s.description() == null ? "" : s.description()))
        .append('\n');
    y.append("cell_duration: ").append(millis(s.cellDuration(), "cell duration")).append('\n');
    y.append("time_scale: ").append(formatNumber(s.timeScale())).append('\n');
    y.append("cell_min_transfers: ").append(s.cellMinTransfers()).append('\n');
    y.append("strategies: ").append(flowList(s.strategies())).append('\n');
    y.append("sender_modes: ").append(flowList(s.senderModes())).append('\n');

    Scenario.FileSpec f = s.file();
    y.append("file:\n");
    entry(y, "size", formatSize(f.sizeBytes()));
    entry(y, "profile", text(f.profile()));
    entry(y, "fill_chunk", formatSize(f.fillChunkBytes()));

    Scenario.TransferSpec t = s.transfers();
    y.append("transfers:\n");
    entry(y, "connections", Integer.toString(t.connections()));
    entry(y, "pipe_capacity", Integer.toString(t.pipeCapacity()));
    entry(y, "min_bytes", formatSize(t.minBytes()));
    entry(y, "max_bytes", formatSize(t.maxBytes()));
    entry(y, "min_residency_us", Long.toString(t.minResidencyMicros()));
    entry(y, "max_residency_us", Long.toString(t.maxResidencyMicros()));
    entry(y, "segment_bytes", formatSize(t.segmentBytes()));
    entry(y, "csum_to_dma_us", Long.toString(t.csumToDmaMicros()));
    entry(y, "max_confirm_retries", Integer.toString(t.maxConfirmRetries()));

    y.append("fault_profiles:").append(s.faultProfiles().isEmpty() ? " []\n" : "\n");
    for (Scenario.FaultProfile p : s.faultProfiles()) {
      y.append("  - name: ").append(text(p.name())).append('\n');
      for (Map.Entry<String, String> e : linkEntries(p.link()).entrySet()) {
        entry(y, "    ", e.getKey(), e.getValue());
      }
    }

    y.append("workloads:").append(s.workloads().isEmpty() ? " []\n" : "\n");
    for (Scenario.Workload w : s.workloads()) {
      y.append("  - name: ").append(text(w.name())).append('\n');
      y.append("    mutations:\n");
      for (Map.Entry<String, String> e : mutationEntries(w.mutations()).entrySet()) {
        entry(y, "      ", e.getKey(), e.getValue());
      }
    }

    Scenario.StablePagesSpec sp = s.stablePages();
    y.append("stable_pages:\n");
    entry(y, "hold_from", text(sp.holdFrom()));
    entry(y, "wait_timeout", millis(sp.waitTimeout(), "stable_pages.wait_timeout"));
    entry(y, "on_timeout", text(sp.onTimeout()));

    y.append("faults:").append(s.faults().isEmpty() ? " []\n" : "\n");
    for (Scenario.FaultSpec x : s.faults()) {
      List<String> keys = faultKeys(x.kind());
      y.append("  - kind: ").append(text(x.kind())).append('\n');
      entry(y, "    ", "target", text(x.target()));
      entry(y, "    ", "start", millis(x.start(), "fault start"));
      if (keys.contains("duration")) {
        entry(y, "    ", "duration", millis(x.duration(), "fault duration"));
      }
      if (keys.contains("latency_us")) {
        entry(y, "    ", "latency_us", Long.toString(x.latencyMicros()));
      }
      if (keys.contains("probability")) {
        entry(y, "    ", "probability", Double.toString(x.probability()));
      }
      if (keys.contains("rate_kbps")) {
        entry(y, "    ", "rate_kbps", Long.toString(x.rateKbps()));
      }
      if (keys.contains("slice_bytes")) {
        entry(y, "    ", "slice_bytes", Long.toString(x.sliceBytes()));
        entry(y, "    ", "slice_delay_us", Long.toString(x.sliceDelayMicros()));
      }
    }
    return y.toString();
  }

  /** The keys of a link as toYaml writes them, in order. */
  private static Map<String, String> linkEntries(Scenario.LinkSpec l) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("latency_us", Long.toString(l.latencyMicros()));
    m.put("jitter_us", Long.toString(l.jitterMicros()));
    m.put("loss", Double.toString(l.loss()));
    m.put("rto_us", Long.toString(l.rtoMicros()));
    m.put("max_attempts", Integer.toString(l.maxAttempts()));
    m.put("bandwidth_bytes_per_second", Long.toString(l.bandwidthBytesPerSecond()));
    m.put("duplicate", Double.toString(l.duplicate()));
    m.put("reorder", Double.toString(l.reorder()));
    m.put("reorder_delay_us", Long.toString(l.reorderDelayMicros()));
    m.put("corrupt", Double.toString(l.corrupt()));
    List<String> windows = new ArrayList<>();
    for (Scenario.Window w : l.partitions()) {
      windows.add(
          "{start: "
              + millis(w.start(), "partition start")
              + ", duration: "
              + millis(w.duration(), "partition duration")
              + "}");
    }
    m.put("partitions", "[" + String.join(", ", windows) + "]");
    return m;
  }

  /** The keys of a workload's mutations as toYaml writes them, in order. */
  private static Map<String, String> mutationEntries(Scenario.MutationSpec m) {
    Scenario.Mix x = m.mix();
    Map<String, String> e = new LinkedHashMap<>();
    e.put("writers", Integer.toString(m.writers()));
    e.put("rate_per_second", formatNumber(m.ratePerSecond()));
    e.put(
        "mix",
        "{write: "
            + formatNumber(x.write())
            + ", mmap_store: "
            + formatNumber(x.mmapStore())
            + ", punch_partial: "
            + formatNumber(x.punchPartial())
            + ", punch_whole: "
            + formatNumber(x.punchWhole())
            + ", truncate_extend: "
            + formatNumber(x.truncateExtend())
            + ", direct_write: "
            + formatNumber(x.directWrite())
            + "}");
    e.put("min_write_bytes", formatSize(m.minWriteBytes()));
    e.put("max_write_bytes", formatSize(m.maxWriteBytes()));
    e.put("punch_block", formatSize(m.punchBlockBytes()));
    e.put("hot_probability", Double.toString(m.hotProbability()));
    e.put("hot_fraction_of_file", Double.toString(m.hotFractionOfFile()));
    e.put("application_fraction", Double.toString(m.applicationFraction()));
    return e;
  }

  private static String flowList(List<String> values) {
    List<String> out = new ArrayList<>();
    for (String v : values) {
      out.add(text(v));
    }
    return "[" + String.join(", ", out) + "]";
  }

  /** A duration as written in the file; it must be whole, non-negative milliseconds. */
  private static String millis(Duration d, String what) {
    if (d == null || d.isNegative() || d.getNano() % 1_000_000 != 0) {
      throw new IllegalArgumentException(
          what + " must be a non-negative whole number of milliseconds: " + d);
    }
    return formatDuration(d);
  }

  private static void entry(StringBuilder y, String key, String value) {
    entry(y, "  ", key, value);
  }

  private static void entry(StringBuilder y, String indent, String key, String value) {
    y.append(indent).append(key).append(": ").append(value).append('\n');
  }

  /** 4MiB, 16KiB, 192: the largest binary unit that divides the size exactly. */
  static String formatSize(long bytes) {
    if (bytes > 0) {
      if (bytes % GIB == 0) {
        return bytes / GIB + "GiB";
      }
      if (bytes % MIB == 0) {
        return bytes / MIB + "MiB";
      }
      if (bytes % KIB == 0) {
        return bytes / KIB + "KiB";
      }
    }
    return Long.toString(bytes);
  }

  /** 1h, 2m, 25s, 1500ms: the largest unit that divides the duration exactly. */
  static String formatDuration(Duration d) {
    long ms = d.toMillis();
    if (ms != 0) {
      if (ms % 3_600_000 == 0) {
        return ms / 3_600_000 + "h";
      }
      if (ms % 60_000 == 0) {
        return ms / 60_000 + "m";
      }
      if (ms % 1_000 == 0) {
        return ms / 1_000 + "s";
      }
      return ms + "ms";
    }
    return "0s";
  }

  /** Integral values without a fraction (400), others in Java's exact round-trip form (0.25). */
  private static String formatNumber(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return Double.toString(v);
  }

  /** A plain scalar when it reads back as the same string, else a double-quoted one. */
  private static String text(String v) {
    if (v != null
        && PLAIN_SAFE.matcher(v).matches()
        && new Resolver().resolve(NodeId.scalar, v, true).equals(Tag.STR)) {
      return v;
    }
    return doubleQuoted(v == null ? "" : v);
  }

  /** A YAML double-quoted scalar; anything YAML would fold, drop or reject is escaped. */
  static String doubleQuoted(String v) {
    StringBuilder sb = new StringBuilder(v.length() + 2).append('"');
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c == '\n') {
        sb.append("\\n");
      } else if (c == '\t') {
        sb.append("\\t");
      } else if (Character.isHighSurrogate(c)
          && i + 1 < v.length()
          && Character.isLowSurrogate(v.charAt(i + 1))) {
        sb.append(c).append(v.charAt(++i));
      } else if ((c >= 0x20 && c <= 0x7E)
          || (c >= 0xA0 && c <= 0xD7FF && c != 0x2028 && c != 0x2029)
          || (c >= 0xE000 && c <= 0xFFFD && c != 0xFEFF)) {
        sb.append(c);
      } else {
        sb.append(String.format(Locale.ROOT, "\\u%04X", (int) c));
      }
    }
    return sb.append('"').toString();
  }

  // ---------------------------------------------------------------------------------------------
  // YAML helpers

  private static ScenarioException malformed(String source, MarkedYAMLException e) {
    Mark problemMark = e.getProblemMark();
    Mark contextMark = e.getContextMark();
    Mark mark = problemMark != null ? problemMark : contextMark;
    int line = mark == null ? 0 : mark.getLine() + 1;
    String problem = e.getProblem() != null ? e.getProblem() : e.getMessage();
    StringBuilder reason = new StringBuilder("malformed YAML: ").append(oneLine(problem));
    if (e.getContext() != null) {
      reason.append(" (").append(oneLine(e.getContext()));
      if (contextMark != null && contextMark.getLine() + 1 != line) {
        reason.append(" at line ").append(contextMark.getLine() + 1);
      }
      reason.append(')');
    }
    return new ScenarioException(source, line, "", reason.toString(), e);
  }

  private static String oneLine(String s) {
    return s == null ? "" : s.strip().replaceAll("\\s*\\R\\s*", " ");
  }

  private static boolean isNull(Node n) {
    return n instanceof ScalarNode && Tag.NULL.equals(n.getTag());
  }

  private static int lineOf(Node n) {
    return n == null || n.getStartMark() == null ? 0 : n.getStartMark().getLine() + 1;
  }

  /** How an error shows a value: numbers as written, other scalars quoted, collections by kind. */
  private static String describe(Node n) {
    if (n instanceof MappingNode) {
      return "a mapping";
    }
    if (n instanceof SequenceNode) {
      return "a list";
    }
    if (isNull(n)) {
      return "no value";
    }
    ScalarNode s = (ScalarNode) n;
    String v = s.getValue();
    if (s.getScalarStyle() != DumperOptions.ScalarStyle.PLAIN) {
      return "the quoted string " + quote(v);
    }
    if (Tag.INT.equals(s.getTag()) || Tag.FLOAT.equals(s.getTag())) {
      return v;
    }
    return quote(v);
  }

  private static String quote(String v) {
    String shown = v.length() > 60 ? v.substring(0, 57) + "..." : v;
    return "'" + oneLine(shown) + "'";
  }

  /** Keys of {@code allowed} close to {@code key}, as a hint for typos. */
  private static String suggestion(String key, List<String> allowed) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : allowed) {
      int distance = editDistance(key.toLowerCase(Locale.ROOT), candidate);
      if (distance < bestDistance) {
        bestDistance = distance;
        best = candidate;
      }
    }
    return best != null && bestDistance <= 2 ? " (did you mean '" + best + "'?)" : "";
  }

  private static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] tmp = prev;
      prev = cur;
      cur = tmp;
    }
    return prev[b.length()];
  }

  // ---------------------------------------------------------------------------------------------

  /** One mapping of the document (the root or a section) and the typed readers of its keys. */
  private static final class Section {
    private final String source;
    private final String path;
    /** Line errors about the section as a whole (or about defaulted keys) point at. */
    private final int line;
    private final boolean present;
    private final Map<String, Node> keys = new LinkedHashMap<>();
    private final Map<String, Node> values = new LinkedHashMap<>();

    Section(String source, String path, int line, Node node, List<String> allowed) {
      this.source = source;
      this.path = path;
      this.line = line;
      this.present = node != null && !isNull(node);
      if (!present) {
        return;
      }
      if (!(node instanceof MappingNode mapping)) {
        throw new ScenarioException(
            source,
            ScenarioLoader.lineOf(node),
            path,
            "expected a mapping with the keys "
                + String.join(", ", allowed)
                + ", got "
                + describe(node));
      }
      for (NodeTuple tuple : mapping.getValue()) {
        Node k = tuple.getKeyNode();
        if (!(k instanceof ScalarNode keyScalar) || isNull(k)) {
          throw new ScenarioException(
              source,
              ScenarioLoader.lineOf(k),
              path,
              "keys must be plain names, got " + describe(k));
        }
        String key = keyScalar.getValue();
        if (!allowed.contains(key)) {
          throw new ScenarioException(
              source,
              ScenarioLoader.lineOf(k),
              field(key),
              "unknown key"
                  + suggestion(key, allowed)
                  + "; allowed keys"
                  + (path.isEmpty() ? "" : " in " + path)
                  + ": "
                  + String.join(", ", allowed));
        }
        Node first = keys.putIfAbsent(key, k);
        if (first != null) {
          throw new ScenarioException(
              source,
              ScenarioLoader.lineOf(k),
              field(key),
              "duplicate key (first given at line " + ScenarioLoader.lineOf(first) + ")");
        }
        values.put(key, tuple.getValueNode());
      }
    }

    boolean present() {
      return present;
    }

    boolean has(String key) {
      return values.containsKey(key);
    }

    String field(String key) {
      return path.isEmpty() ? key : path + "." + key;
    }

    int lineOf(String key) {
      Node v = values.get(key);
      return v != null ? ScenarioLoader.lineOf(v) : line;
    }

    ScenarioException error(String key, String reason) {
      return new ScenarioException(source, lineOf(key), field(key), reason);
    }

    ScenarioException sectionError(String reason) {
      return new ScenarioException(source, line, path, reason);
    }

    /** The line of {@code key} itself (not of its value), or this section's line if absent. */
    int keyLine(String key) {
      Node k = keys.get(key);
      return k != null ? ScenarioLoader.lineOf(k) : line;
    }

    /** An error at the line of the key, for errors about a whole list or section. */
    ScenarioException keyError(String key, String reason) {
      return new ScenarioException(source, keyLine(key), field(key), reason);
    }

    /** The keys given, in document order. */
    List<String> keys() {
      return List.copyOf(keys.keySet());
    }

    /** The scalar under {@code key} as written, for messages. */
    String written(String key) {
      Node v = values.get(key);
      return v instanceof ScalarNode s ? s.getValue().strip() : describe(v);
    }

    /** Requires {@code value} (read from {@code key}) to be a name matching {@link #NAME}. */
    void checkName(String key, String value) {
      if (!NAME.matcher(value).matches()) {
        throw error(
            key,
            "must match "
                + NAME.pattern()
                + " (lower-case letters, digits, '_' and '-', starting with a letter or digit),"
                + " got "
                + quote(value));
      }
    }

    /**
     * The items of the list under {@code key}; null if the key is absent or has no value (the
     * caller's default applies), an error if the value is not a list.
     */
    List<Node> items(String key, String expected) {
      Node v = values.get(key);
      if (v == null || isNull(v)) {
        return null;
      }
      if (!(v instanceof SequenceNode seq)) {
        throw error(key, "expected " + expected + ", got " + describe(v));
      }
      return seq.getValue();
    }

    /** Item {@code index} of the list under {@code key}, which must be a mapping. */
    Section item(String key, int index, Node node, List<String> allowed) {
      String itemPath = field(key) + "[" + index + "]";
      if (node == null || isNull(node)) {
        throw new ScenarioException(
            source,
            node == null ? keyLine(key) : ScenarioLoader.lineOf(node),
            itemPath,
            "expected a mapping with the keys " + String.join(", ", allowed) + ", got no value");
      }
      return new Section(source, itemPath, ScenarioLoader.lineOf(node), node, allowed);
    }

    /**
     * The sub-mapping under {@code key}; absent or empty means all defaults. Its own line is the
     * line of the key, or this section's line if the key is absent.
     */
    Section section(String key, List<String> allowed) {
      Node k = keys.get(key);
      int sectionLine = k == null ? line : ScenarioLoader.lineOf(k);
      return new Section(source, field(key), sectionLine, values.get(key), allowed);
    }

    /** The scalar under {@code key}, null if the key is absent; a key without value is an error. */
    private ScalarNode scalar(String key, String expected, String defaultText) {
      Node v = values.get(key);
      if (v == null) {
        return null;
      }
      if (isNull(v)) {
        throw error(
            key,
            "has no value; give "
                + expected
                + " or leave the key out to use the default "
                + defaultText);
      }
      if (!(v instanceof ScalarNode s)) {
        throw error(key, "expected " + expected + ", got " + describe(v));
      }
      return s;
    }

    private ScalarNode required(String key, String expected) {
      Node v = values.get(key);
      if (v == null || isNull(v)) {
        throw error(key, "is required: " + expected);
      }
      if (!(v instanceof ScalarNode s)) {
        throw error(key, "expected " + expected + ", got " + describe(v));
      }
      return s;
    }

    String requiredText(String key, String expected) {
      return required(key, expected).getValue();
    }

    /** Free text; absent or without value reads as empty. */
    String optionalText(String key) {
      Node v = values.get(key);
      if (v == null || isNull(v)) {
        return "";
      }
      if (!(v instanceof ScalarNode s)) {
        throw error(key, "expected text, got " + describe(v));
      }
      return s.getValue();
    }

    /** A required duration in [min, max]. */
    Duration duration(String key, Duration min, Duration max) {
      return parseDuration(key, required(key, DURATION_EXPECTED), min, max);
    }

    /** An optional duration in [min, max], {@code def} if the key is absent. */
    Duration duration(String key, Duration def, Duration min, Duration max) {
      ScalarNode s = scalar(key, DURATION_EXPECTED, formatDuration(def));
      return s == null ? def : parseDuration(key, s, min, max);
    }

    private Duration parseDuration(String key, ScalarNode s, Duration min, Duration max) {
      String expected = DURATION_EXPECTED;
      Matcher m = DURATION.matcher(s.getValue().strip());
      if (!m.matches()) {
        throw error(key, "expected " + expected + " (the unit is required), got " + describe(s));
      }
      Duration d;
      try {
        long n = Long.parseLong(m.group(1));
        d =
            switch (m.group(2)) {
              case "ms" -> Duration.ofMillis(n);
              case "s" -> Duration.ofSeconds(n);
              case "m" -> Duration.ofMinutes(n);
              default -> Duration.ofHours(n);
            };
      } catch (ArithmeticException | NumberFormatException e) {
        d = null;
      }
      if (d == null || d.compareTo(min) < 0 || d.compareTo(max) > 0) {
        throw error(
            key,
            "must be between "
                + formatDuration(min)
                + " and "
                + formatDuration(max)
                + ", got "
                + s.getValue().strip());
      }
      return d;
    }

    /**
     * A non-empty list of distinct values of {@code allowed}; {@code noun} names one of them in
     * messages. Required if {@code def} is null, else {@code def} when absent or without value.
     */
    List<String> names(String key, List<String> allowed, String noun, List<String> def) {
      String list = String.join(", ", allowed);
      Node v = values.get(key);
      if (v == null || isNull(v)) {
        if (def != null) {
          return def;
        }
        throw error(key, "is required: a list of the " + key + " to compare, from " + list);
      }
      if (!(v instanceof SequenceNode seq)) {
        throw error(key, "expected a list such as [" + list + "], got " + describe(v));
      }
      if (seq.getValue().isEmpty()) {
        throw error(key, "must list at least one " + noun + " of " + list);
      }
      List<String> out = new ArrayList<>();
      for (int i = 0; i < seq.getValue().size(); i++) {
        Node item = seq.getValue().get(i);
        String itemField = field(key) + "[" + i + "]";
        if (!(item instanceof ScalarNode s) || isNull(item)) {
          throw new ScenarioException(
              source,
              ScenarioLoader.lineOf(item),
              itemField,
              "expected a " + noun + " name (" + list + "), got " + describe(item));
        }
        String name = s.getValue();
        if (!allowed.contains(name)) {
          throw new ScenarioException(
              source,
              ScenarioLoader.lineOf(item),
              itemField,
              "unknown " + noun + " " + quote(name) + "; allowed: " + list);
        }
        if (out.contains(name)) {
          throw new ScenarioException(
              source,
              ScenarioLoader.lineOf(item),
              itemField,
              "duplicate " + noun + " " + quote(name));
        }
        out.add(name);
      }
      return List.copyOf(out);
    }

    String choice(String key, String def, List<String> allowed) {
      ScalarNode s = scalar(key, "one of " + String.join(", ", allowed), def);
      return s == null ? def : checkChoice(key, s, allowed);
    }

    String requiredChoice(String key, List<String> allowed) {
      return checkChoice(key, required(key, "one of " + String.join(", ", allowed)), allowed);
    }

    private String checkChoice(String key, ScalarNode s, List<String> allowed) {
      String v = s.getValue();
      if (!allowed.contains(v)) {
        boolean caseOnly = allowed.stream().anyMatch(a -> a.equalsIgnoreCase(v));
        throw error(
            key,
            "must be one of "
                + String.join(", ", allowed)
                + (caseOnly ? " (case matters)" : "")
                + ", got "
                + quote(v));
      }
      return v;
    }

    long integer(String key, long def, long min, long max) {
      ScalarNode s = scalar(key, "an integer", Long.toString(def));
      return s == null ? def : checkInteger(key, s, min, max);
    }

    long requiredInteger(String key, long min, long max) {
      return checkInteger(key, required(key, "an integer from " + min + " to " + max), min, max);
    }

    private long checkInteger(String key, ScalarNode s, long min, long max) {
      long v = parseInteger(key, s, "an integer");
      if (v < min || v > max) {
        throw error(key, "must be between " + min + " and " + max + ", got " + s.getValue());
      }
      return v;
    }

    long size(String key, long def, long multiple, long min, long max) {
      String expected = "a size in bytes such as 4096, 16KiB or 4MiB";
      ScalarNode s = scalar(key, expected, formatSize(def));
      if (s == null) {
        return def;
      }
      long v;
      if (Tag.INT.equals(s.getTag())) {
        v = parseInteger(key, s, expected);
      } else if (Tag.STR.equals(s.getTag())) {
        Matcher m = SIZE.matcher(s.getValue().strip());
        if (!m.matches()) {
          throw error(
              key,
              "expected "
                  + expected
                  + " (suffixes B, KiB, MiB, GiB; 1KiB = 1024 bytes), got "
                  + describe(s));
        }
        String unit = m.group(2) == null ? "B" : m.group(2);
        long factor =
            switch (unit) {
              case "KiB" -> KIB;
              case "MiB" -> MIB;
              case "GiB" -> GIB;
              default -> 1;
            };
        try {
          v = Math.multiplyExact(Long.parseLong(m.group(1)), factor);
        } catch (ArithmeticException | NumberFormatException e) {
          throw error(key, "is too large, got " + s.getValue());
        }
      } else {
        throw error(key, "expected " + expected + ", got " + describe(s));
      }
      if (v % multiple != 0 || v < min || v > max) {
        String got = s.getValue().strip();
        if (!got.equals(Long.toString(v))) {
          got += " (" + v + " bytes)";
        }
        throw error(
            key,
            "must be a multiple of "
                + multiple
                + " between "
                + min
                + " and "
                + max
                + ", got "
                + got);
      }
      return v;
    }

    /**
     * A finite number in [min, max], or in (min, max] if {@code minExclusive}; max may be
     * infinite for "no upper bound".
     */
    double number(String key, double def, double min, boolean minExclusive, double max) {
      ScalarNode s = scalar(key, "a number", formatNumber(def));
      if (s == null) {
        return def;
      }
      double v;
      if (Tag.INT.equals(s.getTag())) {
        v = parseInteger(key, s, "a number");
      } else if (Tag.FLOAT.equals(s.getTag())) {
        String text = s.getValue().replace("_", "");
        String lower = text.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".inf") || lower.equals(".nan")) {
          throw error(key, "must be a finite number, got " + s.getValue());
        }
        try {
          v = Double.parseDouble(text);
        } catch (NumberFormatException e) {
          throw error(key, "expected a decimal number, got " + s.getValue());
        }
        if (!Double.isFinite(v)) {
          throw error(key, "must be a finite number, got " + s.getValue());
        }
      } else {
        throw error(key, "expected a number, got " + describe(s));
      }
      v += 0.0; // -0.0 reads as 0.0
      boolean below = minExclusive ? v <= min : v < min;
      if (below || v > max) {
        String range;
        if (minExclusive) {
          range = "> " + formatNumber(min) + " and <= " + formatNumber(max);
        } else if (max == Double.POSITIVE_INFINITY) {
          range = ">= " + formatNumber(min);
        } else {
          range = "between " + formatNumber(min) + " and " + formatNumber(max);
        }
        throw error(key, "must be " + range + ", got " + s.getValue());
      }
      return v;
    }

    private long parseInteger(String key, ScalarNode s, String expected) {
      if (!Tag.INT.equals(s.getTag())) {
        throw error(key, "expected " + expected + ", got " + describe(s));
      }
      String text = s.getValue().replace("_", "");
      try {
        if (DECIMAL.matcher(text).matches()) {
          String digits = text.replaceFirst("^[-+]", "");
          if (digits.length() > 1 && digits.startsWith("0")) {
            throw error(
                key,
                "expected a decimal integer without leading zeros (YAML reads them as octal), got "
                    + s.getValue());
          }
          return Long.parseLong(text);
        }
        Matcher hex = HEX.matcher(text);
        if (hex.matches()) {
          long v = Long.parseLong(hex.group(2), 16);
          return "-".equals(hex.group(1)) ? -v : v;
        }
      } catch (NumberFormatException e) {
        throw error(key, "is out of range, got " + s.getValue());
      }
      throw error(key, "expected a decimal integer, got " + s.getValue());
    }
  }
}
