package dev.splicelab.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.splicelab.kernel.FidelityRow.Agreement;
import dev.splicelab.kernel.sys.Sys;
import dev.splicelab.proto.FailureClass;
import dev.splicelab.proto.FsProfile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fidelity cases on the real kernel beside the model: in the work tree (ext4) and under
 * /dev/shm (tmpfs). Every runnable case must agree. (Two gaps found this way were fixed in the
 * model's mechanism: tmpfs O_DIRECT writes in place, and a cold read miss starts at order 0.)
 */
class KernelFidelityTest {

  static final long EXT4 = 0xEF53L;
  static final long TMPFS = 0x01021994L;

  /** Cases that show large folios at work: they need ext4 to give a 64 KiB pwrite a 64 KiB folio. */
  static final Set<String> NEEDS_LARGE_FOLIOS = Set.of("punch-4k-aligned-in-large-folio", "punch-across-folios-aligned",
      "sendfile-punch-across-folios", "truncate-page-aligned", "truncate-unaligned", "truncate-then-extend",
      "drained-truncate", "folios-from-unaligned-1m-write", "folio-2m-from-2m-write");

  static Environment ext4;
  static Environment tmpfs;

  static synchronized Environment ext4() throws IOException {
    if (ext4 == null) {
      Path dir = Path.of("target", "fidelity-test").toAbsolutePath();
      Files.createDirectories(dir);
      assumeTrue(Sys.statfsType(dir) == EXT4, "the EXT4 profile models ext4; " + dir + " is on "
          + Environment.fsName(Sys.statfsType(dir)));
      ext4 = Environment.detect(dir);
    }
    return ext4;
  }

  static synchronized Environment tmpfs() throws IOException {
    if (tmpfs == null) {
      Path shm = Path.of("/dev/shm");
      assumeTrue(Files.isDirectory(shm) && Sys.statfsType(shm) == TMPFS, "/dev/shm is not a tmpfs here");
      Path dir = shm.resolve("splicelab-fidelity-test-" + ProcessHandle.current().pid());
      tmpfs = Environment.detect(dir);
    }
    return tmpfs;
  }

  @org.junit.jupiter.api.AfterAll
  static void removeScratch() throws IOException {
    for (Environment e : new Environment[] {ext4, tmpfs}) {
      if (e != null && Files.isDirectory(e.dir())) {
        try (Stream<Path> files = Files.list(e.dir())) {
          for (Path p : files.toList()) {
            Files.deleteIfExists(p);
          }
        }
        Files.deleteIfExists(e.dir());
      }
    }
  }

  static Stream<String> designRows() {
    return FidelityCases.all().stream().filter(FidelityCase::isDesignRow).map(FidelityCase::name);
  }

  static Stream<String> otherCases() {
    return FidelityCases.all().stream().filter(c -> !c.isDesignRow()).map(FidelityCase::name);
  }

  static FidelityRow run(String name, Environment env) {
    FidelityCase c = FidelityCases.byName(name).orElseThrow();
    FidelityRow row = Fidelity.runCase(c, env);
    assumeTrue(row.agree() != Agreement.NOT_RUNNABLE, () -> name + " is not runnable here: " + row.note());
    return row;
  }

  static void assertAgrees(FidelityRow row) {
    String detail = FidelityReport.detail(row);
    assertThat(row.agree()).as(detail).isEqualTo(Agreement.YES);
    if (row.expected() != null) {
      assertThat(row.kernel().verdict().failureClass()).as(detail).isEqualTo(row.expected());
    }
    assertThat(row.kernel().verdict().deliveredBytes()).as(detail).isEqualTo(row.kernel().verdict().expectedBytes());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("designRows")
  void designRowsAgreeOnExt4(String name) throws IOException {
    assertAgrees(run(name, ext4()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("designRows")
  void designRowsAgreeOnTmpfs(String name) throws IOException {
    assertAgrees(run(name, tmpfs()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("otherCases")
  void otherCasesAgreeOnExt4(String name) throws IOException {
    Environment env = ext4();
    if (NEEDS_LARGE_FOLIOS.contains(name)) {
      assumeTrue(env.folios64k().equals("64Kx4@0"), "ext4 here gives 64 KiB pwrites " + env.folios64k()
          + " folios, not one 64 KiB folio each (large folios need Linux >= 6.16)");
    }
    assertAgrees(run(name, env));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("otherCases")
  void otherCasesAgreeOnTmpfs(String name) throws IOException {
    assertAgrees(run(name, tmpfs()));
  }

  @org.junit.jupiter.api.Test
  void environmentOfDevShm() throws IOException {
    Environment env = tmpfs();
    assertThat(env.fsName()).startsWith("tmpfs");
    assertThat(env.modelProfile()).isEqualTo(FsProfile.TMPFS);
    assertThat(env.mountType()).isEqualTo("tmpfs");
    assertThat(env.mountPoint()).isEqualTo("/dev/shm");
    assertThat(env.mountOptions()).contains("rw");
    assertThat(env.kernelRelease()).isEqualTo(System.getProperty("os.version"));
    assertThat(env.folios64k()).as("tmpfs without huge pages: order-0 folios").isEqualTo("4Kx64@0");
  }

  @org.junit.jupiter.api.Test
  void zeroRangeOnTmpfsIsReportedNotRunnableWithTheError() throws IOException {
    FidelityRow row = Fidelity.runCase(FidelityCases.byName("zero-range-part-folio").orElseThrow(), tmpfs());
    assertThat(row.agree()).isEqualTo(Agreement.NOT_RUNNABLE);
    assertThat(row.kernel().verdict()).isNull();
    assertThat(row.kernel().notRunnable()).startsWith("fallocate(ZERO_RANGE|KEEP_SIZE) on /dev/shm/")
        .endsWith(": EOPNOTSUPP (Operation not supported)");
    assertThat(row.note()).contains("EOPNOTSUPP");
  }

  @org.junit.jupiter.api.Test
  void ext4EnvironmentNamesTheMountAndTheFolios() throws IOException {
    Environment env = ext4();
    assertThat(env.fsName()).startsWith("ext2/ext3/ext4");
    assertThat(env.mountType()).isEqualTo("ext4");
    assertThat(env.modelProfile()).isEqualTo(FsProfile.EXT4);
    assertThat(env.folios4k()).as("4 KiB pwrites give order-0 folios").isEqualTo("4Kx64@0");
  }
}
