package dev.splicelab.kernel;

import dev.splicelab.kernel.sys.Fd;
import dev.splicelab.kernel.sys.FolioProbe;
import dev.splicelab.kernel.sys.Sys;
import dev.splicelab.common.cells.CellCodec;
import dev.splicelab.proto.FsProfile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where the kernel side of a fidelity run happened: the kernel (uname), the directory's filesystem
 * (statfs magic and the mount's type, options and source from /proc/self/mountinfo), the model
 * profile chosen for it, and what the real page cache did with a file written in 64 KiB and 4 KiB
 * pwrites (folio sizes, when /proc/kpageflags is readable).
 */
public record Environment(String kernelRelease, String kernelVersion, String machine, Path dir, long fsMagic,
    String fsName, String mountPoint, String mountType, String mountSource, String mountOptions, String superOptions,
    FsProfile modelProfile, String folios64k, String folios4k, String shmemHuge, String javaVersion) {

  private static final Map<Long, String> MAGIC = Map.ofEntries(
      Map.entry(0xEF53L, "ext2/ext3/ext4"),
      Map.entry(0x01021994L, "tmpfs"),
      Map.entry(0x794C7630L, "overlayfs"),
      Map.entry(0x58465342L, "xfs"),
      Map.entry(0x9123683EL, "btrfs"),
      Map.entry(0xF2F52010L, "f2fs"),
      Map.entry(0x6969L, "nfs"),
      Map.entry(0x2FC12FC1L, "zfs"),
      Map.entry(0x65735546L, "fuse"),
      Map.entry(0x858458F6L, "ramfs"),
      Map.entry(0x01021997L, "9p"),
      Map.entry(0xFE534D42L, "smb2"),
      Map.entry(0xCA451A4EL, "bcachefs"));

  /** The filesystem name for a statfs f_type magic, e.g. "tmpfs (0x01021994)". */
  public static String fsName(long magic) {
    String n = MAGIC.get(magic & 0xFFFFFFFFL);
    return (n != null ? n : "unknown") + String.format(" (0x%08X)", magic & 0xFFFFFFFFL);
  }

  /** TMPFS for tmpfs (and ramfs), EXT4 (large folios) otherwise. */
  public static FsProfile profileFor(long magic) {
    long m = magic & 0xFFFFFFFFL;
    return m == 0x01021994L || m == 0x858458F6L ? FsProfile.TMPFS : FsProfile.EXT4;
  }

  public String kernel() {
    return kernelRelease + " " + machine;
  }

  /** Detects the environment of {@code dir} (created if missing). */
  public static Environment detect(Path dir) throws IOException {
    Files.createDirectories(dir);
    Path real = dir.toRealPath();
    String[] u = Sys.uname();
    long magic = Sys.statfsType(real);
    String[] mount = mountOf(real);
    String f64 = probeFolios(real, 64 * 1024);
    String f4 = probeFolios(real, 4 * 1024);
    String huge = "";
    if (profileFor(magic) == FsProfile.TMPFS) {
      String opt = mount[3] + "," + mount[4];
      String mountHuge = "never (default)";
      for (String o : opt.split(",")) {
        if (o.startsWith("huge=")) {
          mountHuge = o.substring(5);
        }
      }
      huge = "mount huge=" + mountHuge + "; /sys/kernel/mm/transparent_hugepage/shmem_enabled: "
          + readOr(Path.of("/sys/kernel/mm/transparent_hugepage/shmem_enabled"), "n/a");
    }
    return new Environment(u[2], u[3], u[4], real, magic, fsName(magic), mount[0], mount[1], mount[2], mount[3], mount[4],
        profileFor(magic), f64, f4, huge, System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
  }

  private static String readOr(Path p, String fallback) {
    try {
      return Files.readString(p).trim();
    } catch (IOException | RuntimeException e) {
      return fallback;
    }
  }

  /**
   * {mount point, fs type, source, mount options, super options} of the mount holding {@code real}:
   * the last /proc/self/mountinfo line with the longest mount point that prefixes the path and, when
   * known, the same device number (a later mount over the same point hides the earlier one).
   */
  static String[] mountOf(Path real) throws IOException {
    String dev = null;
    try {
      Object d = Files.getAttribute(real, "unix:dev");
      long v = ((Number) d).longValue();
      long major = ((v >>> 8) & 0xFFF) | ((v >>> 32) & ~0xFFFL);
      long minor = (v & 0xFF) | ((v >>> 12) & ~0xFFL);
      dev = major + ":" + minor;
    } catch (UnsupportedOperationException | IllegalArgumentException | IOException e) {
      // no unix attribute view: match by path only
    }
    List<String[]> candidates = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] parts = line.split(" - ", 2);
      if (parts.length < 2) {
        continue;
      }
      String[] a = parts[0].split(" ");
      String[] b = parts[1].split(" ");
      if (a.length < 6 || b.length < 2) {
        continue;
      }
      String mp = unescape(a[4]);
      String p = real.toString();
      if (!(p.equals(mp) || mp.equals("/") || p.startsWith(mp + "/"))) {
        continue;
      }
      candidates.add(new String[] {mp, unescape(b[0]), unescape(b[1]), a[5], b.length > 2 ? b[2] : "", a[2]});
    }
    String[] best = null;
    for (boolean needDev : new boolean[] {true, false}) {
      for (String[] c : candidates) {
        if (needDev && (dev == null || !dev.equals(c[5]))) {
          continue;
        }
        if (best == null || c[0].length() >= best[0].length()) {
          best = c;
        }
      }
      if (best != null) {
        break;
      }
    }
    if (best == null) {
      return new String[] {"?", "?", "?", "?", "?"};
    }
    return new String[] {best[0], best[1], best[2], best[3], best[4]};
  }

  private static String unescape(String s) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length() && Character.isDigit(s.charAt(i + 1))) {
        sb.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  /** Writes 256 KiB in {@code chunk}-byte pwrites and reports the folio sizes the page cache used. */
  static String probeFolios(Path dir, int chunk) {
    Path p = dir.resolve("splicelab-folio-probe-" + ProcessHandle.current().pid() + "-" + chunk + ".dat");
    try (Fd fd = Sys.open(p, Sys.O_RDWR | Sys.O_CREAT | Sys.O_TRUNC, 0644)) {
      int size = 256 * 1024;
      for (int off = 0; off < size; off += chunk) {
        Sys.pwriteFully(fd, CellCodec.fill(1, 1, off, chunk), off);
      }
      return FolioProbe.describe(FolioProbe.probe(fd, 0, size, size));
    } catch (RuntimeException e) {
      return "unavailable: " + e.getMessage();
    } finally {
      try {
        Files.deleteIfExists(p);
      } catch (IOException e) {
        // scratch file
      }
    }
  }
  /** The environment as ordered JSON-ready fields (kernel, filesystem, mount, folio probe, JVM). */
  public java.util.Map<String, Object> asMap() {
    Environment env = this;
    java.util.Map<String, Object> e = new java.util.LinkedHashMap<>();
    e.put("kernel_release", env.kernelRelease());
    e.put("kernel_version", env.kernelVersion());
    e.put("machine", env.machine());
    e.put("dir", env.dir().toString());
    e.put("fs_magic", String.format("0x%08X", env.fsMagic() & 0xFFFFFFFFL));
    e.put("fs", env.fsName());
    e.put("mount_point", env.mountPoint());
    e.put("mount_type", env.mountType());
    e.put("mount_source", env.mountSource());
    e.put("mount_options", env.mountOptions());
    e.put("super_options", env.superOptions());
    e.put("model_profile", env.modelProfile().name());
    e.put("kernel_folios_after_64k_pwrites", env.folios64k());
    e.put("kernel_folios_after_4k_pwrites", env.folios4k());
    e.put("shmem_huge", env.shmemHuge());
    e.put("java", env.javaVersion());
    return e;
  }

}
