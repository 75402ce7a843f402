package dev.splicelab.sender.domain;

import dev.splicelab.common.arena.Arena;
import dev.splicelab.proto.FolioRef;
import java.util.List;

/**
 * Reads pinned pages where they are: in the storage node's arena, mapped read-only, as a NIC DMAs
 * from RAM. A confirmed read checks the file's cookie after the bytes (the node stores a new cookie
 * before changing bytes, so an unchanged cookie means no cookie-bumping change reached them).
 * Every read first checks that the arena still belongs to the node start that pinned the pages.
 */
final class ArenaFolioReader implements FolioReader {

  private final Arena arena;

  ArenaFolioReader(Arena arena) {
    this.arena = arena;
  }

  /** The arena still belongs to the node start that pinned the pages. */
  private void requireCurrent() {
    if (!arena.current()) {
      throw new IllegalStateException("the storage node restarted: the pages pinned in " + arena.path() + " are gone");
    }
  }

  @Override
  public void read(List<FolioRef> slices, byte[] dst) {
    requireCurrent();
    int at = 0;
    for (FolioRef s : slices) {
      arena.read(s.getPfn(), s.getOffsetInFolio() % Arena.PAGE, dst, at, s.getLength());
      at += s.getLength();
    }
  }

  @Override
  public long crc32c(List<FolioRef> slices, boolean confirm, int fileId, int cookieSlot, long expectedCookie) {
    requireCurrent();
    java.util.zip.CRC32C c = new java.util.zip.CRC32C();
    for (FolioRef s : slices) {
      arena.checksum(s.getPfn(), s.getOffsetInFolio() % Arena.PAGE, s.getLength(), c);
    }
    return confirm && arena.cookie(cookieSlot) != expectedCookie ? -1 : c.getValue();
  }

  @Override
  public boolean readConfirmed(List<FolioRef> slices, byte[] dst, int fileId, int cookieSlot, long expectedCookie) {
    read(slices, dst);
    return arena.cookie(cookieSlot) == expectedCookie;
  }

  @Override
  public boolean confirm(FolioRef any, int fileId, int cookieSlot, long expectedCookie) {
    return arena.cookie(cookieSlot) == expectedCookie;
  }

  @Override
  public String describe() {
    return "arena " + arena.path();
  }

  @Override
  public void close() {
    arena.close();
  }
}
