package dev.splicelab.kernel.sys;

import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Which folios back a file range in the real page cache: maps the range (MAP_SHARED, read-only),
 * touches each page, looks up each page's frame in /proc/self/pagemap and its flags in
 * /proc/kpageflags (KPF_COMPOUND_HEAD / KPF_COMPOUND_TAIL), then unmaps. Needs root
 * (CAP_SYS_ADMIN) for frame numbers; without it the probe reports itself unavailable.
 *
 * <p>Touching faults pages in, so probe only a range already cached (after a write or a splice).
 */
public final class FolioProbe {

  private static final int KPF_COMPOUND_HEAD = 15;
  private static final int KPF_COMPOUND_TAIL = 16;

  /** One folio of the file: its file offset and size in bytes. */
  public record Folio(long fileOffset, long size) {}

  private FolioProbe() {}

  private static final long MAX_FOLIO = 2L << 20;

  /**
   * The folios overlapping [offset, offset + length), or null when the probe is unavailable. The
   * pages probed are widened to 2 MiB boundaries (the largest folio) within EOF ({@code fileSize}),
   * so folios crossing the range's edges are measured whole.
   */
  public static List<Folio> probe(Fd file, long offset, long length, long fileSize) {
    long start = offset / MAX_FOLIO * MAX_FOLIO;
    long end = Math.min((offset + length + MAX_FOLIO - 1) / MAX_FOLIO * MAX_FOLIO,
        (fileSize + Sys.PAGE - 1) / Sys.PAGE * Sys.PAGE);
    int pages = (int) ((end - start) / Sys.PAGE);
    if (pages <= 0) {
      return List.of();
    }
    Pointer map = Sys.mmap(file, end - start, Sys.PROT_READ, Sys.MAP_SHARED, start);
    try {
      long sum = 0;
      for (int i = 0; i < pages; i++) {
        sum += map.getByte(i * Sys.PAGE);
      }
      if (sum == Long.MIN_VALUE) {
        throw new AssertionError(); // keeps the touches
      }
      long vaddr = Pointer.nativeValue(map);
      long[] pfn = new long[pages];
      try (FileChannel pm = FileChannel.open(Path.of("/proc/self/pagemap"), StandardOpenOption.READ);
          FileChannel kf = FileChannel.open(Path.of("/proc/kpageflags"), StandardOpenOption.READ)) {
        ByteBuffer b = ByteBuffer.allocate(8 * pages).order(ByteOrder.LITTLE_ENDIAN);
        readFully(pm, b, vaddr / Sys.PAGE * 8);
        b.flip();
        for (int i = 0; i < pages; i++) {
          long e = b.getLong();
          if ((e & (1L << 63)) == 0 || (e & ((1L << 55) - 1)) == 0) {
            return null; // not present, or frame numbers hidden (no CAP_SYS_ADMIN)
          }
          pfn[i] = e & ((1L << 55) - 1);
        }
        List<Folio> all = new ArrayList<>();
        ByteBuffer f = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        long folioStart = -1;
        for (int i = 0; i < pages; i++) {
          f.clear();
          readFully(kf, f, pfn[i] * 8);
          f.flip();
          long flags = f.getLong();
          boolean tail = (flags & (1L << KPF_COMPOUND_TAIL)) != 0;
          boolean tailOfSame = tail && i > 0 && pfn[i] == pfn[i - 1] + 1;
          if (!tailOfSame) {
            if (folioStart >= 0) {
              all.add(new Folio(folioStart, start + i * Sys.PAGE - folioStart));
            }
            folioStart = start + i * Sys.PAGE;
          }
        }
        all.add(new Folio(folioStart, end - folioStart));
        List<Folio> out = new ArrayList<>();
        for (Folio x : all) {
          if (x.fileOffset() < offset + length && x.fileOffset() + x.size() > offset) {
            out.add(x);
          }
        }
        return out;
      } catch (IOException e) {
        return null;
      }
    } finally {
      Sys.munmap(map, end - start);
    }
  }

  private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
    while (b.hasRemaining()) {
      int n = ch.read(b, pos);
      if (n <= 0) {
        throw new IOException("short read at " + pos);
      }
      pos += n;
    }
  }

  /** "64Kx4@0" style: runs of equal-size folios, each with the offset of its first folio. */
  public static String describe(List<Folio> folios) {
    if (folios == null) {
      return "unavailable";
    }
    StringBuilder sb = new StringBuilder();
    int i = 0;
    while (i < folios.size()) {
      Folio first = folios.get(i);
      int j = i + 1;
      while (j < folios.size() && folios.get(j).size() == first.size()) {
        j++;
      }
      if (sb.length() > 0) {
        sb.append(' ');
      }
      sb.append(size(first.size())).append(j - i > 1 ? "x" + (j - i) : "").append('@').append(size(first.fileOffset()));
      i = j;
    }
    return sb.toString();
  }

  public static String size(long bytes) {
    if (bytes >= 1 << 20 && bytes % (1 << 20) == 0) {
      return (bytes >> 20) + "M";
    }
    if (bytes >= 1024 && bytes % 1024 == 0) {
      return (bytes >> 10) + "K";
    }
    return Long.toString(bytes);
  }
}
