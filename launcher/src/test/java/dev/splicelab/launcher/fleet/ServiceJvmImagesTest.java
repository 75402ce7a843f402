package dev.splicelab.launcher.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The container images and Kubernetes manifests run the services with the launcher's JVM options
 * ({@link ServiceJvm#OPTIONS}), so that a run measures the same JVM wherever it runs.
 */
class ServiceJvmImagesTest {

  /** Manifests that size the checker's heap on purpose (its verifier keeps every cell's history). */
  private static final Set<String> OWN_HEAP = Set.of("deploy/k8s/base/checker.yaml",
      "deploy/k8s/overlays/scaled/checker-resources.yaml");

  private static final Pattern DOCKER_OPTS = Pattern.compile("JAVA_TOOL_OPTIONS\\s*=\\s*(\"[^\"]*\"|\\S+)");
  private static final Pattern HEAP = Pattern.compile("-Xm[sx]\\d+[kKmMgG]?");

  private static Path root;

  @BeforeAll
  static void findRoot() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !(Files.isDirectory(p.resolve("services")) && Files.isDirectory(p.resolve("deploy/k8s"))
        && Files.isRegularFile(p.resolve("pom.xml")))) {
      p = p.getParent();
    }
    assertThat(p).as("repository root above %s", Path.of("").toAbsolutePath()).isNotNull();
    root = p;
  }

  private static String rel(Path file) {
    return root.relativize(file).toString().replace('\\', '/');
  }

  /** JAVA_TOOL_OPTIONS of every service Dockerfile, by file. */
  private static Map<String, List<String>> dockerfiles() throws IOException {
    Map<String, List<String>> out = new LinkedHashMap<>();
    try (Stream<Path> dirs = Files.list(root.resolve("services"))) {
      for (Path f : dirs.map(d -> d.resolve("Dockerfile")).filter(Files::isRegularFile).sorted().toList()) {
        Matcher m = DOCKER_OPTS.matcher(Files.readString(f));
        List<String> values = new ArrayList<>();
        while (m.find()) {
          values.add(m.group(1).replace("\"", ""));
        }
        assertThat(values).as("%s sets JAVA_TOOL_OPTIONS once", rel(f)).hasSize(1);
        out.put(rel(f), List.of(values.get(0).trim().split("\\s+")));
      }
    }
    return out;
  }

  /** Every env entry named JAVA_TOOL_OPTIONS in the YAML manifests under deploy/k8s, by file. */
  private static Map<String, List<List<String>>> manifests() throws IOException {
    Map<String, List<List<String>>> out = new LinkedHashMap<>();
    List<Path> files;
    try (Stream<Path> walk = Files.walk(root.resolve("deploy/k8s"))) {
      files = walk.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")).sorted().toList();
    }
    for (Path f : files) {
      List<List<String>> found = new ArrayList<>();
      for (Object doc : new Yaml(new LoaderOptions()).loadAll(Files.readString(f))) {
        collect(doc, found);
      }
      if (!found.isEmpty()) {
        out.put(rel(f), found);
      } else {
        String code = Files.readAllLines(f).stream().map(l -> l.replaceAll("#.*", "")).reduce("", String::concat);
        assertThat(code).as("%s sets JVM options other than through JAVA_TOOL_OPTIONS", rel(f))
            .doesNotContainPattern("-Xm[sx]\\d|-XX:");
      }
    }
    return out;
  }

  private static void collect(Object node, List<List<String>> found) {
    if (node instanceof Map<?, ?> m) {
      if ("JAVA_TOOL_OPTIONS".equals(m.get("name"))) {
        found.add(List.of(String.valueOf(m.get("value")).trim().split("\\s+")));
      }
      m.values().forEach(v -> collect(v, found));
    } else if (node instanceof List<?> l) {
      l.forEach(v -> collect(v, found));
    }
  }

  private static void assertServiceOptions(String file, List<String> opts) {
    boolean ownHeap = OWN_HEAP.contains(file);
    for (String o : ServiceJvm.OPTIONS) {
      if (ownHeap && HEAP.matcher(o).matches()) {
        continue;
      }
      assertThat(opts).as("%s: JAVA_TOOL_OPTIONS %s", file, opts).contains(o);
    }
    for (String size : List.of("-Xms", "-Xmx")) {
      assertThat(opts.stream().filter(o -> o.startsWith(size)))
          .as("%s sets %s exactly once: %s", file, size, opts).singleElement().matches(o -> HEAP.matcher(o).matches());
    }
    // the JVM refuses to start with an initial heap above the maximum
    assertThat(heap(opts, "-Xms")).as("%s: %s", file, opts).isLessThanOrEqualTo(heap(opts, "-Xmx"));
    assertThat(opts).as("%s: %s", file, opts).noneMatch(o -> o.startsWith("-XX:TieredStopAtLevel"));
  }

  @Test
  void everyServiceImageRunsTheLaunchersJvmOptions() throws IOException {
    Map<String, List<String>> images = dockerfiles();
    assertThat(images.keySet()).containsExactlyInAnyOrder("services/checker/Dockerfile", "services/mutator/Dockerfile",
        "services/network-sender/Dockerfile", "services/pipe-broker/Dockerfile", "services/storage-node/Dockerfile");
    images.forEach(ServiceJvmImagesTest::assertServiceOptions);
  }

  @Test
  void everyKubernetesManifestRunsTheLaunchersJvmOptions() throws IOException {
    Map<String, List<List<String>>> manifests = manifests();
    assertThat(manifests.keySet()).contains("deploy/k8s/base/lane/storage-node.yaml",
        "deploy/k8s/base/lane/pipe-broker.yaml", "deploy/k8s/base/lane/network-sender.yaml",
        "deploy/k8s/base/lane/mutator.yaml").containsAll(OWN_HEAP);
    manifests.forEach((file, all) -> all.forEach(opts -> assertServiceOptions(file, opts)));
  }

  private static long heap(List<String> opts, String flag) {
    return bytes(opts.stream().filter(o -> o.startsWith(flag)).findFirst().orElseThrow().substring(flag.length()));
  }

  private static long bytes(String size) {
    char unit = Character.toLowerCase(size.charAt(size.length() - 1));
    int shift = Arrays.asList('k', 'm', 'g').indexOf(unit);
    return shift < 0 ? Long.parseLong(size) : Long.parseLong(size.substring(0, size.length() - 1)) << (10 * (shift + 1));
  }
}
