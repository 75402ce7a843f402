package dev.splicelab.storage.grpc;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mechanisms behind the strategies, through the gRPC API (real waits, real threads). */
class StorageStrategyTest {

  static final int FILE = 9;
  static final long SIZE = 256 * 1024;
  static final long KIB = 1024;

  @TempDir
  Path dir;

  Server server;
  ManagedChannel channel;
  StorageNodeGrpc.StorageNodeBlockingStub storage;
  final List<MutationRecord> published = new CopyOnWriteArrayList<>();
  final RunContext ctx = RunContext.newBuilder().setRunId("t").setScenario("strategies").setStrategy(Strategy.SHARE).build();
  long ops;

  @BeforeEach
  void start() throws Exception {
    PageCache cache = new PageCache(new PageCache.Config(dir, 64L << 20, 0, 128 * 1024), Clock.systemUTC(), Sleeper.NONE,
        published::add);
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).addService(new StorageGrpcService(cache, new SimpleMeterRegistry())).build().start();
    channel = InProcessChannelBuilder.forName(name).build();
    storage = StorageNodeGrpc.newBlockingStub(channel);
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
  }

  void create(long waitMs, StableTimeoutPolicy policy) {
    storage.createFile(CreateFileRequest.newBuilder().setContext(ctx).setFileId(FILE).setSize(SIZE).setProfile(FsProfile.EXT4)
        .setStableWaitTimeoutMs(waitMs).setStableTimeoutPolicy(policy).build());
    for (long off = 0; off < SIZE; off += 64 * KIB) {
      write(off, (int) (64 * KIB), false);
    }
  }

  WriteRequest req(long off, int len, boolean honors) {
    long op = ++ops;
    return WriteRequest.newBuilder().setContext(ctx).setFileId(FILE).setOffset(off).setOpId(op).setHonorsSends(honors)
        .setData(ByteString.copyFrom(CellCodec.fill(FILE, op, off, len))).build();
  }

  MutationReply write(long off, int len, boolean honors) {
    return storage.write(req(off, len, honors));
  }

  SpliceReadReply splice(long off, long len, SpliceMode mode) {
    return storage.spliceRead(SpliceReadRequest.newBuilder().setContext(ctx).setFileId(FILE).setOffset(off).setLength(len)
        .setMode(mode).setMaxBuffers(1024).build());
  }

  long[] readRefs(SpliceReadReply s) {
    List<FolioRef> refs = new ArrayList<>();
    s.getPiecesList().forEach(p -> refs.add(p.getRef()));
    byte[] data = storage.readFolio(ReadFolioRequest.newBuilder().addAllSlices(refs).build()).getData().toByteArray();
    long[] out = new long[data.length / 64];
    long off = s.getPieces(0).getFileOffset();
    for (int i = 0; i < out.length; i++) {
      CellCodec.Cell c = CellCodec.decode(data, i * 64, FILE, off + i * 64L);
      out[i] = c.kind() == CellKind.CELL_DATA ? c.opId() : c.kind() == CellKind.CELL_ZERO ? 0 : -1;
    }
    return out;
  }

  @Test
  void cowPrivateRefKeepsTheSplicedBytesAgainstWritesStoresAndPartialPunches() {
    create(0, StableTimeoutPolicy.FAIL_WRITER);
    SpliceReadReply s = splice(0, 16 * KIB, SpliceMode.PRIVATE_REFERENCE);
    assertThat(s.getPiecesList()).allSatisfy(p -> assertThat(p.getRef().getPrivatePin()).isTrue());
    MutationReply w = write(1024, 1024, false);
    assertThat(w.getFoliosCopied()).as("the write went into a copy").isEqualTo(1);
    storage.mmapStore(req(2048, 512, false));
    storage.punchHole(RangeRequest.newBuilder().setContext(ctx).setFileId(FILE).setOffset(4096).setLength(512).setOpId(++ops).build());
    assertThat(readRefs(s)).as("the private holder still sees the fill").containsOnly(1L);
    byte[] now = storage.read(RangeRequest.newBuilder().setFileId(FILE).setOffset(0).setLength(8 * KIB).build()).getData().toByteArray();
    assertThat(CellCodec.decode(now, 1024, FILE, 1024).opId()).as("the file has the write").isEqualTo(w.getVersion() - 1);
    CostsReply c = storage.costs(StatRequest.newBuilder().setFileId(FILE).build());
    assertThat(c.getFoliosCopied()).isEqualTo(1);
    assertThat(c.getBytesCopied()).isEqualTo(64 * KIB);
  }

  @Test
  void spliceWriteProtectsSoTheNextStoreFaults() {
    create(0, StableTimeoutPolicy.FAIL_WRITER);
    SpliceReadReply s = splice(64 * KIB, 4 * KIB, SpliceMode.PRIVATE_REFERENCE);
    storage.unpin(UnpinRequest.newBuilder().addPrivateFolioIds(s.getPieces(0).getRef().getFolioId()).build());
    MutationReply r = storage.mmapStore(req(64 * KIB, 256, false));
    assertThat(r.getFoliosCopied()).as("no private pin left: no copy").isZero();
    assertThat(storage.costs(StatRequest.newBuilder().setFileId(FILE).build()).getWriteProtectFaults()).isEqualTo(1);
  }

  @Test
  void storesToAnAlreadyWritableDirtyFolioDoNotBumpTheCookieAndWritebackEndsThat() {
    create(0, StableTimeoutPolicy.FAIL_WRITER);
    storage.mmapStore(req(0, 128, false));
    long before = storage.spliceRead(SpliceReadRequest.newBuilder().setContext(ctx).setFileId(FILE).setOffset(0).setLength(64)
        .setMode(SpliceMode.COPY).setMaxBuffers(1).build()).getCookie();
    storage.mmapStore(req(128, 128, false));
    long after = storage.spliceRead(SpliceReadRequest.newBuilder().setContext(ctx).setFileId(FILE).setOffset(0).setLength(64)
        .setMode(SpliceMode.COPY).setMaxBuffers(1).build()).getCookie();
    assertThat(after).as("a store into a writable, dirty mapping is invisible to i_version").isEqualTo(before);
    assertThat(published.get(published.size() - 1).getCookieBumped()).isFalse();
    write(256, 64, false);
    assertThat(published.get(published.size() - 1).getCookieBumped()).as("write(2) always bumps").isTrue();
  }

  @Test
  void confirmedReadFailsOnceTheCookieMoved() {
    create(0, StableTimeoutPolicy.FAIL_WRITER);
    SpliceReadReply s = splice(0, 4 * KIB, SpliceMode.REFERENCE);
    ReadFolioRequest confirm = ReadFolioRequest.newBuilder().addSlices(s.getPieces(0).getRef()).setConfirm(true)
        .setFileId(FILE).setExpectedCookie(s.getCookie()).build();
    assertThat(storage.readFolio(confirm).getConfirmFailed()).isFalse();
    storage.punchHole(RangeRequest.newBuilder().setContext(ctx).setFileId(FILE).setOffset(128 * KIB).setLength(64).setOpId(++ops).build());
    ReadFolioReply r = storage.readFolio(confirm);
    assertThat(r.getConfirmFailed()).as("any change to the inode bumps i_version").isTrue();
    assertThat(r.getData().isEmpty()).isTrue();
  }

  @Test
  void writersWaitForStablePagesUntilTheHoldIsReleased() throws Exception {
    create(5000, StableTimeoutPolicy.FAIL_WRITER);
    SpliceReadReply s = splice(0, 4 * KIB, SpliceMode.STABLE_REFERENCE);
    CompletableFuture<MutationReply> writer = CompletableFuture.supplyAsync(() -> write(512, 64, false));
    Thread.sleep(300);
    assertThat(writer).as("the writer is blocked while the folio is held").isNotDone();
    storage.unpin(UnpinRequest.newBuilder().addStableFolioIds(s.getPieces(0).getRef().getFolioId()).build());
    MutationReply r = writer.get(5, TimeUnit.SECONDS);
    assertThat(r.getStallUs()).isGreaterThanOrEqualTo(250_000);
    assertThat(storage.costs(StatRequest.newBuilder().setFileId(FILE).build()).getStalls()).isEqualTo(1);
  }

  @Test
  void stableWaitTimeoutFailsTheWriterOrLetsItThroughPerPolicy() {
    create(100, StableTimeoutPolicy.FAIL_WRITER);
    SpliceReadReply s = splice(0, 4 * KIB, SpliceMode.REFERENCE);
    storage.stableHold(StableHoldRequest.newBuilder().addFolioIds(s.getPieces(0).getRef().getFolioId()).setBegin(true).build());
    int before = published.size();
    try {
      write(0, 64, false);
      throw new AssertionError("expected ABORTED");
    } catch (StatusRuntimeException e) {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ABORTED);
      assertThat(e.getStatus().getDescription()).contains("FAIL_WRITER");
    }
    assertThat(published).as("a failed writer changes nothing").hasSize(before);
    assertThat(readRefs(s)).containsOnly(1L);

    create(100, StableTimeoutPolicy.LET_THROUGH);
    SpliceReadReply s2 = splice(0, 4 * KIB, SpliceMode.STABLE_REFERENCE);
    MutationReply r = write(0, 64, false);
    assertThat(published.get(published.size() - 1).getStableTimeout()).isTrue();
    assertThat(readRefs(s2)[0]).as("let through: the held folio changed under its holder").isEqualTo(ops);
    assertThat(storage.costs(StatRequest.newBuilder().setFileId(FILE).build()).getStableTimeoutsLetThrough()).isEqualTo(1);
  }

  @Test
  void applicationWritersWaitForSendsInFlightAndForeignOnesDoNot() throws Exception {
    create(0, StableTimeoutPolicy.FAIL_WRITER);
    storage.sendRange(SendRangeRequest.newBuilder().setFileId(FILE).setSendId("s1").setOffset(0).setLength(8 * KIB).setBegin(true).build());
    MutationReply foreign = write(1024, 64, false);
    assertThat(foreign.getStallUs()).isZero();
    CompletableFuture<MutationReply> app = CompletableFuture.supplyAsync(() -> write(2048, 64, true));
    Thread.sleep(300);
    assertThat(app).isNotDone();
    write(16 * KIB, 64, true); // outside the send: no wait
    storage.sendRange(SendRangeRequest.newBuilder().setFileId(FILE).setSendId("s1").setBegin(false).build());
    assertThat(app.get(5, TimeUnit.SECONDS).getStallUs()).isGreaterThanOrEqualTo(250_000);
    assertThat(published.stream().filter(MutationRecord::getHonorsSends).count()).isEqualTo(2);
  }
}
