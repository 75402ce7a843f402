package dev.splicelab.kernel.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Failing calls name the call, the target and errno's name and meaning. */
class SyscallExceptionTest {

  @TempDir
  Path tmp;

  @Test
  void punchingAHoleInAPipeIsEspipeNamingThePipe() {
    Fd[] p = Sys.pipe2(0);
    try {
      assertThatThrownBy(() -> Sys.fallocate(p[1], Sys.FALLOC_FL_PUNCH_HOLE | Sys.FALLOC_FL_KEEP_SIZE, 0, 4096))
          .isInstanceOfSatisfying(SyscallException.class, e -> {
            assertThat(e.getMessage()).isEqualTo("fallocate(PUNCH_HOLE|KEEP_SIZE) on " + p[1].name()
                + ": ESPIPE (Illegal seek)");
            assertThat(e.errno()).isEqualTo(Errno.ESPIPE);
            assertThat(e.call()).isEqualTo("fallocate(PUNCH_HOLE|KEEP_SIZE)");
            assertThat(e.target()).matches("pipe\\[\\d+,\\d+\\] write end");
            assertThat(e.unsupported()).isTrue();
          });
    } finally {
      p[0].close();
      p[1].close();
    }
  }

  @Test
  void openingAMissingFileIsEnoent() {
    Path missing = tmp.resolve("no/such/file");
    assertThatThrownBy(() -> Sys.open(missing, Sys.O_RDONLY, 0))
        .hasMessage("open(O_RDONLY) on " + missing + ": ENOENT (No such file or directory)")
        .isInstanceOfSatisfying(SyscallException.class, e -> assertThat(e.unsupported()).isFalse());
  }

  @Test
  void zeroRangeOnTmpfsIsEopnotsupp() throws Exception {
    Path shm = Path.of("/dev/shm");
    assumeTrue(Files.isDirectory(shm) && Sys.statfsType(shm) == 0x01021994L, "/dev/shm is not a tmpfs here");
    Path f = Files.createTempFile(shm, "splicelab-errno-", ".dat");
    try (Fd fd = Sys.open(f, Sys.O_RDWR, 0)) {
      Sys.ftruncate(fd, 8192);
      assertThatThrownBy(() -> Sys.fallocate(fd, Sys.FALLOC_FL_ZERO_RANGE | Sys.FALLOC_FL_KEEP_SIZE, 0, 4096))
          .hasMessage("fallocate(ZERO_RANGE|KEEP_SIZE) on " + f + ": EOPNOTSUPP (Operation not supported)");
    } finally {
      Files.deleteIfExists(f);
    }
  }

  @Test
  void misalignedDirectWriteIsEinval() throws Exception {
    Path dir = Path.of("target").toAbsolutePath();
    Files.createDirectories(dir);
    assumeTrue(Sys.statfsType(dir) == 0xEF53L, "O_DIRECT alignment is checked on ext4; " + dir + " is not ext4");
    Path f = dir.resolve("splicelab-odirect-" + ProcessHandle.current().pid() + ".dat");
    try (Fd fd = Sys.open(f, Sys.O_RDWR | Sys.O_CREAT | Sys.O_DIRECT, 0644)) {
      Pointer buf = Sys.mmap(null, 8192, Sys.PROT_READ | Sys.PROT_WRITE, Sys.MAP_PRIVATE | Sys.MAP_ANONYMOUS, 0);
      try {
        assertThatThrownBy(() -> Sys.pwriteFully(fd, buf.share(1), 4096, 0, "pwrite(O_DIRECT)"))
            .hasMessage("pwrite(O_DIRECT) on " + f + ": EINVAL (Invalid argument)");
      } finally {
        Sys.munmap(buf, 8192);
      }
    } finally {
      Files.deleteIfExists(f);
    }
  }

  @Test
  void spliceBetweenTwoFilesIsEinvalNamingBoth() throws Exception {
    Path a = Files.createTempFile(tmp, "a", ".dat");
    Path b = Files.createTempFile(tmp, "b", ".dat");
    Files.write(a, new byte[4096]);
    try (Fd in = Sys.open(a, Sys.O_RDONLY, 0); Fd out = Sys.open(b, Sys.O_WRONLY, 0)) {
      assertThatThrownBy(() -> Sys.splice(in, new LongByReference(0), out, new LongByReference(0), 4096, 0))
          .hasMessage("splice(0) on " + a + " -> " + b + ": EINVAL (Invalid argument)");
    }
  }

  @Test
  void errnoNamesAndMeanings() {
    assertThat(Errno.name(95)).isEqualTo("EOPNOTSUPP");
    assertThat(Errno.meaning(95)).isEqualTo("Operation not supported");
    assertThat(Errno.name(29)).isEqualTo("ESPIPE");
    assertThat(Errno.name(4095)).isEqualTo("errno 4095");
    assertThat(new SyscallException("tee(0)", "x", 22).getMessage()).isEqualTo("tee(0) on x: EINVAL (Invalid argument)");
  }

  @Test
  void pipeSizeIsRoundedUpToAPowerOfTwoPages() {
    Fd[] p = Sys.pipe2(0);
    try {
      assertThat(Sys.getPipeSize(p[1])).isEqualTo(65536);
      assertThat(Sys.setPipeSize(p[1], 20000)).isEqualTo(32768);
      assertThat(Sys.getPipeSize(p[0])).isEqualTo(32768);
    } finally {
      p[0].close();
      p[1].close();
    }
  }
}
