package dev.splicelab.common.arena;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ReadOnlyBufferException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArenaTest {

  private static final int PAGE = Arena.PAGE;

  @TempDir
  Path dir;

  private static byte[] pattern(int seed) {
    byte[] b = new byte[PAGE];
    for (int i = 0; i < PAGE; i++) {
      b[i] = (byte) (i * 31 + seed);
    }
    return b;
  }

  private static byte[] read(Arena a, long pfn, int offset, int length) {
    byte[] out = new byte[length];
    a.read(pfn, offset, out, 0, length);
    return out;
  }

  @Test
  void aPeerOpenedWithTheTokenReadsWhatTheCreatorWrote() {
    Path path = dir.resolve("arena");
    Arena node = Arena.create(path, 4);
    byte[] hello = "hello".getBytes(StandardCharsets.US_ASCII);
    node.write(0, 100, hello, 0, hello.length);
    node.write(3, 0, pattern(7), 0, PAGE);
    node.write(2, 0, pattern(9), 0, PAGE);
    node.zero(2, 1000, 24);
    node.copyFrame(3, 1);

    Arena peer = Arena.open(path, node.token());
    assertThat(peer.frames()).isEqualTo(4);
    assertThat(peer.token()).isEqualTo(node.token());
    assertThat(read(peer, 0, 100, 5)).isEqualTo(hello);
    assertThat(read(peer, 3, 0, PAGE)).isEqualTo(pattern(7));
    assertThat(read(peer, 1, 0, PAGE)).as("copyFrame").isEqualTo(pattern(7));
    byte[] zeroed = pattern(9);
    Arrays.fill(zeroed, 1000, 1024, (byte) 0);
    assertThat(read(peer, 2, 0, PAGE)).as("zero touches exactly its slice").isEqualTo(zeroed);
    assertThat(peer.frame(3).remaining()).isEqualTo(PAGE);
    assertThat(peer.frame(3).get(5)).isEqualTo(pattern(7)[5]);
  }

  @Test
  void aPeerSeesStoresMadeAfterItMappedTheArena() {
    Path path = dir.resolve("arena");
    Arena node = Arena.create(path, 2);
    Arena peer = Arena.open(path, node.token());
    node.write(1, 4000, new byte[] {1, 2, 3}, 0, 3);
    assertThat(read(peer, 1, 4000, 3)).containsExactly(1, 2, 3);
  }

  @Test
  void aChecksumInPlaceEqualsTheChecksumOfACopyAndSeesLaterStores() {
    Path path = dir.resolve("arena");
    Arena node = Arena.create(path, 3);
    node.write(1, 0, pattern(3), 0, PAGE);
    node.write(2, 0, pattern(5), 0, PAGE);
    Arena peer = Arena.open(path, node.token());
    java.util.zip.CRC32C inPlace = new java.util.zip.CRC32C();
    peer.checksum(1, 4000, 96, inPlace); // a slice crossing into the next frame's first bytes, as a segment does
    peer.checksum(2, 0, 100, inPlace);
    java.util.zip.CRC32C copied = new java.util.zip.CRC32C();
    copied.update(read(peer, 1, 4000, 96));
    copied.update(read(peer, 2, 0, 100));
    assertThat(inPlace.getValue()).isEqualTo(copied.getValue());

    node.write(2, 50, new byte[] {42}, 0, 1);
    java.util.zip.CRC32C after = new java.util.zip.CRC32C();
    peer.checksum(1, 4000, 96, after);
    peer.checksum(2, 0, 100, after);
    assertThat(after.getValue()).as("a store the node made since").isNotEqualTo(inPlace.getValue());
    assertThatThrownBy(() -> peer.checksum(2, 4000, 97, new java.util.zip.CRC32C()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must lie within 4096");
  }

  @Test
  void thePeersMappingIsReadOnly() {
    Path path = dir.resolve("arena");
    Arena node = Arena.create(path, 1);
    Arena peer = Arena.open(path, node.token());
    assertThatThrownBy(() -> peer.write(0, 0, new byte[] {1}, 0, 1)).isInstanceOf(ReadOnlyBufferException.class);
    assertThat(read(node, 0, 0, 1)).containsExactly(0);
  }

  @Test
  void openWithAnotherTokenIsRefusedNamingBothTokens() {
    Path path = dir.resolve("arena");
    Arena node = Arena.create(path, 1);
    long wrong = node.token() ^ 2;
    assertThatThrownBy(() -> Arena.open(path, wrong))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("another storage node start")
        .hasMessageContaining(Long.toHexString(node.token()))
        .hasMessageContaining(Long.toHexString(wrong));
  }

  @Test
  void openOfAMissingShortOrForeignFileIsRefusedSayingWhy() throws Exception {
    assertThatThrownBy(() -> Arena.open(dir.resolve("none"), 1))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("no arena file");
    Path shortFile = Files.write(dir.resolve("short"), new byte[100]);
    assertThatThrownBy(() -> Arena.open(shortFile, 1))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("too short");
    Path zeros = Files.write(dir.resolve("zeros"), new byte[32 * PAGE]);
    assertThatThrownBy(() -> Arena.open(zeros, 1))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("not a splicelab arena");
  }

  @Test
  void cookiesRoundTripPerSlotAndReachThePeer() {
    Path path = dir.resolve("arena");
    Arena node = Arena.create(path, 1);
    Arena peer = Arena.open(path, node.token());
    int last = Arena.COOKIE_SLOTS - 1;
    node.publishCookie(0, 11);
    node.publishCookie(1, -5);
    node.publishCookie(last, Long.MAX_VALUE);
    assertThat(node.cookie(0)).isEqualTo(11);
    assertThat(peer.cookie(0)).isEqualTo(11);
    assertThat(peer.cookie(1)).isEqualTo(-5);
    assertThat(peer.cookie(last)).isEqualTo(Long.MAX_VALUE);
    node.publishCookie(0, 12);
    assertThat(peer.cookie(0)).as("a newer cookie replaces the slot's").isEqualTo(12);
    assertThat(peer.cookie(1)).as("other slots untouched").isEqualTo(-5);
  }

  @Test
  void outOfRangeFramesSlotsAndSlicesAreRejectedNamingTheField() {
    Arena a = Arena.create(dir.resolve("arena"), 4);
    byte[] buf = new byte[PAGE];
    assertThatThrownBy(() -> a.read(4, 0, buf, 0, 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pfn").hasMessageContaining("got 4");
    assertThatThrownBy(() -> a.write(-1, 0, buf, 0, 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pfn").hasMessageContaining("got -1");
    assertThatThrownBy(() -> a.frame(4)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pfn");
    assertThatThrownBy(() -> a.copyFrame(0, 4)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pfn");
    assertThatThrownBy(() -> a.zero(0, PAGE - 1, 2))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("page slice");
    assertThatThrownBy(() -> a.read(0, -1, buf, 0, 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("page slice");
    assertThatThrownBy(() -> a.cookie(Arena.COOKIE_SLOTS))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cookie_slot")
        .hasMessageContaining("got " + Arena.COOKIE_SLOTS);
    assertThatThrownBy(() -> a.publishCookie(-1, 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cookie_slot");
    assertThatThrownBy(() -> Arena.create(dir.resolve("empty"), 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("arena frames");
  }

  @Test
  void createOverAnExistingArenaKeepsItsSizeAndReStampsTheToken() throws Exception {
    Path path = dir.resolve("arena");
    Arena first = Arena.create(path, 8);
    long bigSize = Files.size(path);
    assertThat(bigSize).isEqualTo(first.fileBytes());
    Arena oldPeer = Arena.open(path, first.token());
    assertThat(oldPeer.current()).isTrue();

    Arena second = Arena.create(path, 2);
    assertThat(Files.size(path)).as("never shrunk").isEqualTo(bigSize);
    assertThat(second.token()).isNotEqualTo(first.token());
    assertThat(oldPeer.current()).as("the earlier start's mapping sees the new token").isFalse();
    assertThat(second.current()).isTrue();
    assertThatThrownBy(() -> Arena.open(path, first.token())).isInstanceOf(IllegalStateException.class);
    assertThat(Arena.open(path, second.token()).frames()).isEqualTo(2);

    Arena third = Arena.create(path, 16);
    assertThat(Files.size(path)).as("extended when asked for more").isEqualTo(third.fileBytes()).isGreaterThan(bigSize);
  }
}
