package dev.splicelab.common.arena;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;

/**
 * The storage node's physical memory: a file of 4 KiB page frames mapped {@code MAP_SHARED}, the
 * shared-memory arena of {@code StorageNode.Arena} (its layout is documented on {@code
 * ArenaReply}). The storage node creates it and keeps every folio's bytes in its frames; a peer on
 * the same host (the network sender) maps it read-only and reads frames where they are, as a NIC
 * DMAs from RAM: no call, no lock, so a change made concurrently by the node can be seen
 * half-applied, which is the point.
 *
 * <p>Cookies: each file has a slot holding its i_version cookie. The node stores a new cookie
 * ({@link #publishCookie}) before it changes any byte of the file; a reader that reads bytes and
 * then ({@link #cookie}) finds the cookie it expects read no byte of a later cookie-bumping change.
 *
 * <p>Thread-safety: every accessor uses absolute positions and is safe from any thread; byte
 * contents are deliberately unsynchronized. Frames are numbered from 0; a frame never straddles
 * two of the file's mappings.
 */
public final class Arena implements AutoCloseable {

  public static final int PAGE = 4096;
  /** "SPLCARNA", little-endian. */
  static final long MAGIC = 0x414E52414C435053L;
  static final long LAYOUT = 1;
  /** Header page, then the cookie table. */
  static final int COOKIE_PAGES = 16;
  public static final int COOKIE_SLOTS = COOKIE_PAGES * PAGE / 8;
  static final long FIRST_FRAME_BYTE = (long) (1 + COOKIE_PAGES) * PAGE;
  /** Frames per mapping (1 GiB): a MappedByteBuffer is int-indexed. */
  static final int FRAMES_PER_MAP_SHIFT = 18;
  static final int FRAMES_PER_MAP = 1 << FRAMES_PER_MAP_SHIFT;

  private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final byte[] ZEROS = new byte[PAGE];

  private final Path path;
  private final long token;
  private final long frames;
  private final MappedByteBuffer header;
  private final MappedByteBuffer[] maps;

  private Arena(Path path, long token, long frames, MappedByteBuffer header, MappedByteBuffer[] maps) {
    this.path = path;
    this.token = token;
    this.frames = frames;
    this.header = header;
    this.maps = maps;
  }

  /**
   * Creates (or takes over, in place) the arena file at {@code path} with {@code frames} page frames
   * and a fresh random token. The file is sparse: a frame costs memory once written. An existing
   * file is never shrunk or truncated (a peer may still map it), only extended and re-stamped.
   */
  public static Arena create(Path path, long frames) {
    if (frames < 1 || frames > (1L << 31)) {
      throw new IllegalArgumentException("arena frames: must be between 1 and 2^31, got " + frames);
    }
    long token = new SecureRandom().nextLong() | 1;
    try {
      Files.createDirectories(path.toAbsolutePath().getParent());
      try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
          StandardOpenOption.WRITE)) {
        long bytes = FIRST_FRAME_BYTE + frames * PAGE;
        if (ch.size() < bytes) {
          ch.write(ByteBuffer.wrap(new byte[1]), bytes - 1);
        }
        MappedByteBuffer header = ch.map(FileChannel.MapMode.READ_WRITE, 0, FIRST_FRAME_BYTE);
        Arena a = new Arena(path.toAbsolutePath(), token, frames, header, map(ch, FileChannel.MapMode.READ_WRITE, frames));
        header.put(0, new byte[FIRST_FRAME_BYTE > Integer.MAX_VALUE ? 0 : (int) FIRST_FRAME_BYTE]);
        LONGS.set(header, 8, LAYOUT);
        LONGS.set(header, 24, frames);
        LONGS.set(header, 32, (long) COOKIE_SLOTS);
        LONGS.set(header, 16, token);
        LONGS.setVolatile(header, 0, MAGIC);
        return a;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the storage arena " + path + ": " + e.getMessage(), e);
    }
  }

  /**
   * Maps an existing arena read-only, as a peer does. Throws {@link IllegalStateException} naming
   * the reason when the file is missing, is not an arena, or carries another token (another node,
   * or an earlier start of this one).
   */
  public static Arena open(Path path, long expectedToken) {
    if (!Files.isRegularFile(path)) {
      throw new IllegalStateException("no arena file at " + path + " on this host");
    }
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      if (ch.size() < FIRST_FRAME_BYTE) {
        throw new IllegalStateException(path + " is too short to be an arena (" + ch.size() + " bytes)");
      }
      MappedByteBuffer header = ch.map(FileChannel.MapMode.READ_ONLY, 0, FIRST_FRAME_BYTE);
      long magic = (long) LONGS.getVolatile(header, 0);
      long layout = (long) LONGS.get(header, 8);
      long token = (long) LONGS.get(header, 16);
      long frames = (long) LONGS.get(header, 24);
      if (magic != MAGIC || layout != LAYOUT) {
        throw new IllegalStateException(path + " is not a splicelab arena of layout " + LAYOUT);
      }
      if (token != expectedToken) {
        throw new IllegalStateException(path + " belongs to another storage node start (token "
            + Long.toHexString(token) + ", expected " + Long.toHexString(expectedToken) + ")");
      }
      if (ch.size() < FIRST_FRAME_BYTE + frames * PAGE) {
        throw new IllegalStateException(path + " is shorter than its " + frames + " frames");
      }
      return new Arena(path.toAbsolutePath(), token, frames, header, map(ch, FileChannel.MapMode.READ_ONLY, frames));
    } catch (IOException e) {
      throw new IllegalStateException("cannot map the arena " + path + ": " + e.getMessage(), e);
    }
  }

  private static MappedByteBuffer[] map(FileChannel ch, FileChannel.MapMode mode, long frames) throws IOException {
    int n = (int) ((frames + FRAMES_PER_MAP - 1) >> FRAMES_PER_MAP_SHIFT);
    MappedByteBuffer[] maps = new MappedByteBuffer[n];
    for (int i = 0; i < n; i++) {
      long first = (long) i << FRAMES_PER_MAP_SHIFT;
      long count = Math.min(FRAMES_PER_MAP, frames - first);
      maps[i] = ch.map(mode, FIRST_FRAME_BYTE + first * PAGE, count * PAGE);
    }
    return maps;
  }

  public Path path() {
    return path;
  }

  public long token() {
    return token;
  }

  public long frames() {
    return frames;
  }

  public long fileBytes() {
    return FIRST_FRAME_BYTE + frames * PAGE;
  }

  /** True while the file still carries this mapping's token (its node has not been restarted). */
  public boolean current() {
    return (long) LONGS.getVolatile(header, 16) == token;
  }

  private MappedByteBuffer map(long pfn) {
    if (pfn < 0 || pfn >= frames) {
      throw new IllegalArgumentException("pfn: must be between 0 and " + (frames - 1) + ", got " + pfn);
    }
    return maps[(int) (pfn >>> FRAMES_PER_MAP_SHIFT)];
  }

  private static int at(long pfn, int offset, int length) {
    if (offset < 0 || length < 0 || offset > PAGE - length) {
      throw new IllegalArgumentException("page slice: offset " + offset + " + length " + length + " must lie within "
          + PAGE + " bytes");
    }
    return (int) ((pfn & (FRAMES_PER_MAP - 1)) << 12) + offset;
  }

  /** Copies {@code length} bytes of frame {@code pfn} from {@code offset} into {@code dst}. */
  public void read(long pfn, int offset, byte[] dst, int dstOffset, int length) {
    map(pfn).get(at(pfn, offset, length), dst, dstOffset, length);
  }

  /**
   * Feeds {@code length} bytes of frame {@code pfn} from {@code offset} to {@code checksum} where
   * they are, with no copy (a checksum engine reading RAM).
   */
  public void checksum(long pfn, int offset, int length, java.util.zip.Checksum checksum) {
    checksum.update(map(pfn).slice(at(pfn, offset, length), length));
  }

  /** Stores {@code length} bytes of {@code src} into frame {@code pfn} at {@code offset}. */
  public void write(long pfn, int offset, byte[] src, int srcOffset, int length) {
    map(pfn).put(at(pfn, offset, length), src, srcOffset, length);
  }

  /** Zeroes {@code length} bytes of frame {@code pfn} from {@code offset}. */
  public void zero(long pfn, int offset, int length) {
    map(pfn).put(at(pfn, offset, length), ZEROS, 0, length);
  }

  /** Copies a whole frame. */
  public void copyFrame(long from, long to) {
    ByteBuffer src = map(from).slice(at(from, 0, PAGE), PAGE);
    map(to).put(at(to, 0, PAGE), src, 0, PAGE);
  }

  /** The frame as a buffer of {@value #PAGE} bytes (for device I/O into or out of it). */
  public ByteBuffer frame(long pfn) {
    return map(pfn).slice(at(pfn, 0, PAGE), PAGE);
  }

  /** The cookie in {@code slot} (a volatile read: it orders every earlier read of frame bytes). */
  public long cookie(int slot) {
    VarHandle.loadLoadFence();
    return (long) LONGS.getVolatile(header, cookieAt(slot));
  }

  /** Stores a cookie, ordered before every later store into a frame. Only the owning node calls this. */
  public void publishCookie(int slot, long cookie) {
    LONGS.setVolatile(header, cookieAt(slot), cookie);
    VarHandle.storeStoreFence();
  }

  private static int cookieAt(int slot) {
    if (slot < 0 || slot >= COOKIE_SLOTS) {
      throw new IllegalArgumentException("cookie_slot: must be between 0 and " + (COOKIE_SLOTS - 1) + ", got " + slot);
    }
    return PAGE + slot * 8;
  }

  /** Unmaps nothing explicitly (the JDK unmaps when the buffers are collected); the file stays. */
  @Override
  public void close() {
    // MappedByteBuffers cannot be unmapped portably; the owner deletes the file.
  }
}
