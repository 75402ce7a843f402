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
 * strategies} are required; the sections {@code file}, {@code transfers}, {@code link} and {@code
 * mutations} and every key inside them may be omitted, in which case the defaults below (the
 * values of the {@code quickstart} scenario) apply. Unknown keys are errors.
 */
public final class ScenarioLoader {

  /** Scenarios shipped as classpath resources {@code /scenarios/<name>.yaml}. */
  public static final List<String> BUILT_IN_NAMES = List.of("quickstart", "smoke");

  /** Allowed values of {@code strategies}. */
  public static final List<String> STRATEGIES = List.of("SHARE", "COPY_AT_SPLICE");

  /** Allowed values of {@code file.profile}. */
  public static final List<String> FILE_PROFILES = List.of("ext4", "tmpfs");

  /** Allowed values of {@code transfers.sender_mode}. */
  public static final List<String> SENDER_MODES = List.of("CSUM_OFFLOAD", "CSUM_SOFTWARE");

  private static final long KIB = 1024;
  private static final long MIB = 1024 * KIB;
  private static final long GIB = 1024 * MIB;

  /** Defaults of the {@code file} section. */
  public static final Scenario.FileSpec DEFAULT_FILE =
      new Scenario.FileSpec(4 * MIB, "ext4", 64 * KIB);

  /** Defaults of the {@code transfers} section. */
  public static final Scenario.TransferSpec DEFAULT_TRANSFERS =
      new Scenario.TransferSpec(
          4, 64, 16 * KIB, 256 * KIB, 1_000, 5_000, (int) (16 * KIB), 200, "CSUM_SOFTWARE");

  /** Defaults of the {@code link} section. */
  public static final Scenario.LinkSpec DEFAULT_LINK =
      new Scenario.LinkSpec(200, 100, 0.0, 200_000, 8);

  /** Default of {@code mutations.mix} when the whole mix is omitted. */
  public static final Scenario.Mix DEFAULT_MIX = new Scenario.Mix(4, 3, 2, 1, 0, 0);

  /** Defaults of the {@code mutations} section. */
  public static final Scenario.MutationSpec DEFAULT_MUTATIONS =
      new Scenario.MutationSpec(2, 400, DEFAULT_MIX, 4 * KIB, 64 * KIB, 64 * KIB, 0.0, 0.1);

  private static final List<String> ROOT_KEYS =
      List.of(
          "name",
          "description",
          "cell_duration",
          "strategies",
          "file",
          "transfers",
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
          "sender_mode");
  private static final List<String> LINK_KEYS =
      List.of("latency_us", "jitter_us", "loss", "rto_us", "max_attempts");
  private static final List<String> MUTATION_KEYS =
      List.of(
          "writers",
          "rate_per_second",
          "mix",
          "min_write_bytes",
          "max_write_bytes",
          "punch_block",
          "hot_probability",
          "hot_fraction_of_file");
  private static final List<String> MIX_KEYS =
      List.of(
          "write",
          "mmap_store",
          "punch_partial",
          "punch_whole",
          "truncate_extend",
          "direct_write");

  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]*");
  private static final Pattern DURATION = Pattern.compile("([0-9]+)\\s*(ms|s|m|h)");
  private static final Pattern SIZE = Pattern.compile("([0-9]+)\\s*(B|KiB|MiB|GiB)?");
  private static final Pattern DECIMAL = Pattern.compile("[-+]?[0-9]+");
  private static final Pattern HEX = Pattern.compile("([-+]?)0x([0-9a-fA-F]+)");
  private static final Pattern PLAIN_SAFE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");

  private static final Duration MIN_CELL = Duration.ofSeconds(1);
  private static final Duration MAX_CELL = Duration.ofHours(1);

  private ScenarioLoader() {}

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
    if (!NAME.matcher(name).matches()) {
      throw root.error(
          "name",
          "must match "
              + NAME.pattern()
              + " (lower-case letters, digits, '_' and '-', starting with a letter or digit), got "
              + quote(name));
    }
    String description = root.optionalText("description");
    Duration cellDuration = root.duration("cell_duration", MIN_CELL, MAX_CELL);
    List<String> strategies = root.strategies("strategies");

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
    String senderMode = t.choice("sender_mode", dt.senderMode(), SENDER_MODES);
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
            senderMode);

    Section l = root.section("link", LINK_KEYS);
    Scenario.LinkSpec dl = DEFAULT_LINK;
    Scenario.LinkSpec link =
        new Scenario.LinkSpec(
            l.integer("latency_us", dl.latencyMicros(), 0, 10_000_000),
            l.integer("jitter_us", dl.jitterMicros(), 0, 10_000_000),
            l.number("loss", dl.loss(), 0, false, 1),
            l.integer("rto_us", dl.rtoMicros(), 1, 60_000_000),
            (int) l.integer("max_attempts", dl.maxAttempts(), 1, 100));

    Section m = root.section("mutations", MUTATION_KEYS);
    Scenario.MutationSpec dm = DEFAULT_MUTATIONS;
    int writers = (int) m.integer("writers", dm.writers(), 1, 64);
    double rate = m.number("rate_per_second", dm.ratePerSecond(), 0, true, 1_000_000);
    Scenario.Mix mix = mix(m.section("mix", MIX_KEYS));
    long minWrite = m.size("min_write_bytes", dm.minWriteBytes(), 64, 64, 4 * MIB);
    long maxWrite = m.size("max_write_bytes", dm.maxWriteBytes(), 64, 64, 4 * MIB);
    requireOrdered(m, "min_write_bytes", minWrite, m, "max_write_bytes", maxWrite, true);
    long punchBlock = m.size("punch_block", dm.punchBlockBytes(), 4096, 4 * KIB, 2 * MIB);
    double hotProbability = m.number("hot_probability", dm.hotProbability(), 0, false, 1);
    double hotFraction =
        m.number("hot_fraction_of_file", dm.hotFractionOfFile(), 0, true, 1);
    Scenario.MutationSpec mutations =
        new Scenario.MutationSpec(
            writers, rate, mix, minWrite, maxWrite, punchBlock, hotProbability, hotFraction);

    requireOrdered(t, "max_bytes", maxBytes, f, "size", size, false);
    requireOrdered(m, "max_write_bytes", maxWrite, f, "size", size, false);
    requireOrdered(m, "punch_block", punchBlock, f, "size", size, false);

    return new Scenario(
        name, description, cellDuration, strategies, file, transfers, link, mutations);
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
   * The scenario as YAML in the loader's format with every value explicit, such that {@code
   * parse(toYaml(s), any)} equals {@code s} for every scenario the loader can produce. A {@code
   * null} description is written as empty. The cell duration must be whole milliseconds.
   */
  public static String toYaml(Scenario s) {
    Objects.requireNonNull(s, "scenario");
    Duration cell = s.cellDuration();
    if (cell == null || cell.getNano() % 1_000_000 != 0) {
      throw new IllegalArgumentException(
          "cell duration must be a whole number of milliseconds: " + cell);
    }
    StringBuilder y = new StringBuilder();
    y.append("# Resolved scenario: every value explicit, as the run used it.\n");
    y.append("name: ").append(text(s.name())).append('\n');
    y.append("description: ")
        .append(doubleQuoted(s.description() == null ? "" : s.description()))
        .append('\n');
    y.append("cell_duration: ").append(formatDuration(cell)).append('\n');
    List<String> strategies = new ArrayList<>();
    for (String strategy : s.strategies()) {
      strategies.add(text(strategy));
    }
    y.append("strategies: [").append(String.join(", ", strategies)).append("]\n");

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
    entry(y, "sender_mode", text(t.senderMode()));

    Scenario.LinkSpec l = s.link();
    y.append("link:\n");
    entry(y, "latency_us", Long.toString(l.latencyMicros()));
    entry(y, "jitter_us", Long.toString(l.jitterMicros()));
    entry(y, "loss", Double.toString(l.loss()));
    entry(y, "rto_us", Long.toString(l.rtoMicros()));
    entry(y, "max_attempts", Integer.toString(l.maxAttempts()));

    Scenario.MutationSpec m = s.mutations();
    Scenario.Mix x = m.mix();
    y.append("mutations:\n");
    entry(y, "writers", Integer.toString(m.writers()));
    entry(y, "rate_per_second", formatNumber(m.ratePerSecond()));
    entry(
        y,
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
    entry(y, "min_write_bytes", formatSize(m.minWriteBytes()));
    entry(y, "max_write_bytes", formatSize(m.maxWriteBytes()));
    entry(y, "punch_block", formatSize(m.punchBlockBytes()));
    entry(y, "hot_probability", Double.toString(m.hotProbability()));
    entry(y, "hot_fraction_of_file", Double.toString(m.hotFractionOfFile()));
    return y.toString();
  }

  private static void entry(StringBuilder y, String key, String value) {
    y.append("  ").append(key).append(": ").append(value).append('\n');
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

    Duration duration(String key, Duration min, Duration max) {
      String expected = "a duration such as 500ms, 25s, 2m or 1h";
      ScalarNode s = required(key, expected);
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

    List<String> strategies(String key) {
      String allowed = String.join(", ", STRATEGIES);
      Node v = values.get(key);
      if (v == null || isNull(v)) {
        throw error(key, "is required: a list of the strategies to compare, from " + allowed);
      }
      if (!(v instanceof SequenceNode seq)) {
        throw error(key, "expected a list such as [" + allowed + "], got " + describe(v));
      }
      if (seq.getValue().isEmpty()) {
        throw error(key, "must list at least one strategy of " + allowed);
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
              "expected a strategy name (" + allowed + "), got " + describe(item));
        }
        String name = s.getValue();
        if (!STRATEGIES.contains(name)) {
          throw new ScenarioException(
              source,
              ScenarioLoader.lineOf(item),
              itemField,
              "unknown strategy " + quote(name) + "; allowed: " + allowed);
        }
        if (out.contains(name)) {
          throw new ScenarioException(
              source, ScenarioLoader.lineOf(item), itemField, "duplicate strategy " + quote(name));
        }
        out.add(name);
      }
      return List.copyOf(out);
    }

    String choice(String key, String def, List<String> allowed) {
      ScalarNode s = scalar(key, "one of " + String.join(", ", allowed), def);
      if (s == null) {
        return def;
      }
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
      if (s == null) {
        return def;
      }
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
