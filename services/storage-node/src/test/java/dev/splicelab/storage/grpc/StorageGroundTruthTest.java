package dev.splicelab.storage.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.splicelab.common.cells.CellCodec;
import dev.splicelab.common.time.Sleeper;
import dev.splicelab.proto.*;
import dev.splicelab.storage.domain.PageCache;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DESIGN section 2, through the gRPC API: splice a range (taking page references), change the file
 * after the splice returned, then read the referenced folios as the receiver would. The outcomes
 * must come out of the page-cache mechanism.
 */
class StorageGroundTruthTest {

  static final int FILE = 7;
  static final long SIZE = 1 << 20;
  static final long KIB = 1024;

  @TempDir
  Path dir;

  Server server;
  ManagedChannel channel;
  StorageNodeGrpc.StorageNodeBlockingStub storage;
  final List<MutationRecord> published = new CopyOnWriteArrayList<>();
  final RunContext ctx = RunContext.newBuilder().setRunId("test").setScenario("ground-truth").setStrategy(Strategy.SHARE).build();
  long ops;

  @BeforeEach
  void start() throws Exception {
    PageCache cache = new PageCache(new PageCache.Config(dir, 64L << 20, 0, 128 * 1024), Clock.systemUTC(), Sleeper.NONE,
        published::add);
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).directExecutor()
        .addService(new StorageGrpcService(cache, new SimpleMeterRegistry())).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    storage = StorageNodeGrpc.newBlockingStub(channel);
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
  }

  /** Creates the file and fills it in 64 KiB writes (ext4: one 64 KiB folio each). */
  void create(FsProfile profile) {
    storage.createFile(CreateFileRequest.newBuilder().setContext(ctx).setFileId(FILE).setSize(SIZE).setProfile(profile).build());
    for (long off = 0; off < SIZE; off += 64 * KIB) {
      write(off, (int) (64 * KIB));
    }
  }

  long write(long off, int len) {
    long op = ++ops;
    storage.write(WriteRequest.newBuilder().setContext(ctx).setFileId(FILE).setOffset(off).setOpId(op)
        .setData(ByteString.copyFrom(CellCodec.fill(FILE, op, off, len))).build());
    return op;
  }

  SpliceReadReply splice(long off, long len) {
    return storage.spliceRead(SpliceReadRequest.newBuilder().setContext(ctx).setFileId(FILE).setOffset(off).setLength(len)
        .setMode(SpliceMode.REFERENCE).setMaxBuffers(1024).build());
  }

  /** What a reader of the pipe (or the NIC) sees now: the referenced folios' current bytes. */
  byte[] readRefs(SpliceReadReply s) {
    List<FolioRef> refs = new ArrayList<>();
    s.getPiecesList().forEach(p -> refs.add(p.getRef()));
    return storage.readFolio(ReadFolioRequest.newBuilder().addAllSlices(refs).build()).getData().toByteArray();
  }

  /** The op id of every cell in the buffer, 0 for a zero cell, -1 for anything else. */
  static long[] ops(long offset, byte[] data) {
    long[] out = new long[data.length / CellCodec.CELL];
    for (int i = 0; i < out.length; i++) {
      CellCodec.Cell c = CellCodec.decode(data, i * CellCodec.CELL, FILE, offset + (long) i * CellCodec.CELL);
      out[i] = switch (c.kind()) {
        case CELL_DATA -> c.opId();
        case CELL_ZERO -> 0;
        default -> -1;
      };
    }
    return out;
  }

  @Test
  void pwriteAfterSpliceIsSeenByThePipeReader() {
    create(FsProfile.EXT4);
    SpliceReadReply s = splice(64 * KIB, 16 * KIB);
    long op = write(64 * KIB + 4 * KIB, (int) (4 * KIB));
    long[] cells = ops(64 * KIB, readRefs(s));
    assertThat(cells[64]).as("first cell of the rewritten 4 KiB").isEqualTo(op);
    assertThat(cells[127]).isEqualTo(op);
    assertThat(cells[0]).as("untouched cell keeps the fill").isEqualTo(2L);
    assertThat(cells[128]).isEqualTo(2L);
  }

  @Test
  void mmapStoreAfterSpliceIsSeenByThePipeReader() {
    create(FsProfile.TMPFS);
    SpliceReadReply s = splice(0, 8 * KIB);
    long op = ++ops;
    storage.mmapStore(WriteRequest.newBuilder().setContext(ctx).setFileId(FILE).setOffset(128).setOpId(op)
        .setData(ByteString.copyFrom(CellCodec.fill(FILE, op, 128, 256))).build());
    long[] cells = ops(0, readRefs(s));
    assertThat(cells[2]).isEqualTo(op);
    assertThat(cells[5]).isEqualTo(op);
    assertThat(cells[1]).isEqualTo(1L);
    assertThat(cells[6]).isEqualTo(1L);
  }

  @Test
  void punchOfWholeFoliosLeavesThePipeWithTheOldBytes() {
    create(FsProfile.EXT4);
    SpliceReadReply s = splice(128 * KIB, 64 * KIB);
    MutationReply r = storage.punchHole(RangeRequest.newBuilder().setContext(ctx).setFileId(FILE).setOffset(128 * KIB)
        .setLength(64 * KIB).setOpId(++ops).build());
    assertThat(r.getFoliosRemoved()).as("the 64 KiB folio left the mapping").isEqualTo(1);
    assertThat(r.getBytesZeroedInPlace()).isZero();
    long[] cells = ops(128 * KIB, readRefs(s));
    assertThat(cells).as("the reference kept the old folio").containsOnly(3L);
    byte[] now = storage.read(RangeRequest.newBuilder().setFileId(FILE).setOffset(128 * KIB).setLength(64 * KIB).build())
        .getData().toByteArray();
    assertThat(ops(128 * KIB, now)).as("a new read sees the hole").containsOnly(0L);
  }

  @Test
  void punchOfPartOfALargeFolioZeroesExactlyThePunchedBytesInThePipe() {
    create(FsProfile.EXT4);
    SpliceReadReply s = splice(0, 64 * KIB);
    MutationReply r = storage.punchHole(RangeRequest.newBuilder().setContext(ctx).setFileId(FILE).setOffset(8 * KIB + 640)
        .setLength(1280).setOpId(++ops).build());
    assertThat(r.getFoliosRemoved()).isZero();
    assertThat(r.getBytesZeroedInPlace()).isEqualTo(1280);
    long[] cells = ops(0, readRefs(s));
    int first = (int) ((8 * KIB + 640) / 64);
    for (int i = 0; i < cells.length; i++) {
      assertThat(cells[i]).as("cell %d", i).isEqualTo(i >= first && i < first + 20 ? 0L : 1L);
    }
  }

  @Test
  void punchOfPartOfATmpfsPageZeroesExactlyThePunchedBytesInThePipe() {
    create(FsProfile.TMPFS);
    SpliceReadReply s = splice(4 * KIB, 4 * KIB);
    storage.punchHole(RangeRequest.newBuilder().setContext(ctx).setFileId(FILE).setOffset(4 * KIB + 1024).setLength(512)
        .setOpId(++ops).build());
    long[] cells = ops(4 * KIB, readRefs(s));
    for (int i = 0; i < cells.length; i++) {
      assertThat(cells[i]).as("cell %d", i).isEqualTo(i >= 16 && i < 24 ? 0L : 1L);
    }
  }

  @Test
  void directWriteInvalidatesTheCacheButThePipeKeepsTheOldBytes() {
    create(FsProfile.EXT4);
    SpliceReadReply s = splice(256 * KIB, 32 * KIB);
    long op = ++ops;
    MutationReply r = storage.directWrite(WriteRequest.newBuilder().setContext(ctx).setFileId(FILE).setOffset(256 * KIB)
        .setOpId(op).setData(ByteString.copyFrom(CellCodec.fill(FILE, op, 256 * KIB, (int) (16 * KIB)))).build());
    assertThat(r.getFoliosRemoved()).isEqualTo(1);
    assertThat(ops(256 * KIB, readRefs(s))).as("the reference kept the old folio").containsOnly(5L);
    byte[] now = storage.read(RangeRequest.newBuilder().setFileId(FILE).setOffset(256 * KIB).setLength(16 * KIB).build())
        .getData().toByteArray();
    assertThat(ops(256 * KIB, now)).as("a new read goes to the device").containsOnly(op);
  }

  @Test
  void truncateZeroesTheStraddlingFolioTailAndDropsTheRest() {
    create(FsProfile.EXT4);
    SpliceReadReply s = splice(960 * KIB, 64 * KIB);
    MutationReply r = storage.truncate(TruncateRequest.newBuilder().setContext(ctx).setFileId(FILE).setNewSize(1000 * KIB)
        .setOpId(++ops).build());
    assertThat(r.getBytesZeroedInPlace()).isEqualTo(24 * KIB);
    long[] cells = ops(960 * KIB, readRefs(s));
    assertThat(cells[0]).isEqualTo(16L);
    assertThat(cells[(int) (40 * KIB / 64) - 1]).isEqualTo(16L);
    assertThat(cells[(int) (40 * KIB / 64)]).as("first cell past the new EOF").isEqualTo(0L);
  }

  @Test
  void foliosAreSizedFromTheWriteAndAligned() {
    create(FsProfile.EXT4);
    StatReply st = storage.stat(StatRequest.newBuilder().setFileId(FILE).build());
    assertThat(st.getFoliosList()).hasSize(16).allSatisfy(f -> {
      assertThat(f.getSize()).isEqualTo(64 * 1024);
      assertThat(f.getFileOffset() % f.getSize()).isZero();
    });
    create(FsProfile.TMPFS);
    assertThat(storage.stat(StatRequest.newBuilder().setFileId(FILE).build()).getFoliosList())
        .hasSize(256).allSatisfy(f -> assertThat(f.getSize()).isEqualTo(4096));
  }

  @Test
  void spliceTakesOnePinPerPageAndUnpinFreesAFolioOutOfTheMapping() {
    create(FsProfile.EXT4);
    SpliceReadReply s = splice(0, 64 * KIB);
    assertThat(s.getPiecesCount()).as("one pipe buffer per page").isEqualTo(16);
    assertThat(s.getPiecesList()).extracting(p -> p.getRef().getFolioId()).containsOnly(s.getPieces(0).getRef().getFolioId());
    storage.punchHole(RangeRequest.newBuilder().setContext(ctx).setFileId(FILE).setOffset(0).setLength(64 * KIB).setOpId(++ops).build());
    assertThat(storage.stat(StatRequest.newBuilder().setFileId(FILE).build()).getOrphanFolios()).isEqualTo(1);
    List<Long> ids = new ArrayList<>();
    s.getPiecesList().forEach(p -> ids.add(p.getRef().getFolioId()));
    UnpinReply u = storage.unpin(UnpinRequest.newBuilder().addAllFolioIds(ids).build());
    assertThat(u.getFoliosFreed()).isEqualTo(1);
    assertThatThrownBy(() -> readRefs(s)).isInstanceOf(StatusRuntimeException.class)
        .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));
  }

  @Test
  void spliceIsShortWhenThePipeHasFewerFreeSlotsThanPages() {
    create(FsProfile.EXT4);
    SpliceReadReply s = storage.spliceRead(SpliceReadRequest.newBuilder().setContext(ctx).setFileId(FILE).setOffset(100)
        .setLength(256 * KIB).setMode(SpliceMode.REFERENCE).setMaxBuffers(16).build());
    assertThat(s.getPiecesCount()).isEqualTo(16);
    assertThat(s.getLength()).as("first piece ends at the page boundary").isEqualTo(15 * 4096 + (4096 - 100));
  }

  @Test
  void everyMutationGetsTheNextVersionAndIsPublishedInOrder() {
    create(FsProfile.EXT4);
    assertThat(published).extracting(MutationRecord::getVersion).containsExactly(
        published.stream().map(MutationRecord::getVersion).sorted().toArray(Long[]::new));
    assertThat(published.get(0).getKind()).isEqualTo(MutationKind.CREATE);
    assertThat(published.get(1).getOpId()).isEqualTo(1L);
    assertThat(published.get(published.size() - 1).getVersion()).isEqualTo(17L);
  }

  // ------------------------------------------------------------- bad arguments

  static StatusRuntimeException invalid(Runnable call) {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      return e;
    }
    throw new AssertionError("expected a failed call");
  }

  @Test
  void badArgumentsAreInvalidArgumentNamingTheField() {
    create(FsProfile.EXT4);
    StatusRuntimeException neg = invalid(() -> storage.read(RangeRequest.newBuilder().setFileId(FILE).setOffset(-5).setLength(64).build()));
    assertThat(neg.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(neg.getStatus().getDescription()).startsWith("offset: must be between 0 and").endsWith("got -5");

    StatusRuntimeException past = invalid(() -> storage.punchHole(RangeRequest.newBuilder().setContext(ctx).setFileId(FILE)
        .setOffset(60L << 20).setLength(8L << 20).build()));
    assertThat(past.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(past.getStatus().getDescription()).startsWith("length: must be between 1 and " + (4L << 20));

    StatusRuntimeException unknown = invalid(() -> storage.read(RangeRequest.newBuilder().setFileId(99).setOffset(0).setLength(64).build()));
    assertThat(unknown.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(unknown.getStatus().getDescription()).startsWith("file_id: must name a created file");

    StatusRuntimeException misaligned = invalid(() -> storage.directWrite(WriteRequest.newBuilder().setContext(ctx).setFileId(FILE)
        .setOffset(512).setData(ByteString.copyFrom(new byte[4096])).build()));
    assertThat(misaligned.getStatus().getDescription()).startsWith("offset: must be a multiple of 4096");

    StatusRuntimeException profile = invalid(() -> storage.createFile(CreateFileRequest.newBuilder().setFileId(3).setSize(4096).build()));
    assertThat(profile.getStatus().getDescription()).startsWith("profile: must be set");

    StatusRuntimeException sigbus = invalid(() -> storage.mmapStore(WriteRequest.newBuilder().setContext(ctx).setFileId(FILE)
        .setOffset(SIZE - 64).setData(ByteString.copyFrom(new byte[128])).build()));
    assertThat(sigbus.getStatus().getCode()).isEqualTo(Status.Code.OUT_OF_RANGE);

    assertThat(published).as("no rejected call changed the file").hasSize(17);
  }
}
