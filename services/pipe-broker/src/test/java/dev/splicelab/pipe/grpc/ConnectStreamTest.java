package dev.splicelab.pipe.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import dev.splicelab.common.cells.CellCodec;
import dev.splicelab.common.kafka.EventPublisher;
import dev.splicelab.common.time.Sleeper;
import dev.splicelab.pipe.domain.PipeTable;
import dev.splicelab.proto.*;
import dev.splicelab.storage.domain.PageCache;
import dev.splicelab.storage.grpc.StorageGrpcService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipe broker's Connect stream against a real storage node (in-process servers, each on its
 * own executor, so every storage answer arrives on another thread and later than the request):
 * requests sent without waiting are answered in order, a splice-in takes only the pipe's free
 * slots, a failure answers its request alone, and a stream that ends releases every pin.
 */
class ConnectStreamTest {

  static final int FILE = 3;
  static final long SIZE = 1 << 20;
  final RunContext ctx = RunContext.newBuilder().setRunId("t").setScenario("connect").setStrategy(Strategy.SHARE).build();

  @TempDir
  Path dir;

  Server storageServer;
  Server pipeServer;
  ManagedChannel storageChannel;
  ManagedChannel pipeChannel;
  StorageNodeGrpc.StorageNodeBlockingStub storage;
  final List<SpliceRecord> splices = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    PageCache cache = new PageCache(new PageCache.Config(dir, 64L << 20, 0, 128 * 1024), Clock.systemUTC(), Sleeper.NONE,
        r -> { });
    String storageName = InProcessServerBuilder.generateName();
    storageServer = InProcessServerBuilder.forName(storageName).executor(Executors.newFixedThreadPool(2))
        .addService(new StorageGrpcService(cache, new SimpleMeterRegistry())).build().start();
    storageChannel = InProcessChannelBuilder.forName(storageName).build();
    storage = StorageNodeGrpc.newBlockingStub(storageChannel);
    EventPublisher events = new EventPublisher(null) {
      @Override
      public void publish(String topic, int fileId, MessageLite record) {
        splices.add((SpliceRecord) record);
      }
    };
    PipeGrpcService pipes = new PipeGrpcService(new PipeTable(), storage,
        StorageNodeGrpc.newStub(storageChannel).withExecutor(Runnable::run), events, Clock.systemUTC(),
        new SimpleMeterRegistry());
    String pipeName = InProcessServerBuilder.generateName();
    pipeServer = InProcessServerBuilder.forName(pipeName).executor(Executors.newFixedThreadPool(2)).addService(pipes)
        .build().start();
    pipeChannel = InProcessChannelBuilder.forName(pipeName).build();
    storage.createFile(CreateFileRequest.newBuilder().setContext(ctx).setFileId(FILE).setSize(SIZE)
        .setProfile(FsProfile.TMPFS).build());
    storage.write(WriteRequest.newBuilder().setContext(ctx).setFileId(FILE).setOffset(0).setOpId(1)
        .setData(ByteString.copyFrom(CellCodec.fill(FILE, 1, 0, (int) SIZE))).build());
  }

  @AfterEach
  void stop() {
    pipeChannel.shutdownNow();
    pipeServer.shutdownNow();
    storageChannel.shutdownNow();
    storageServer.shutdownNow();
  }

  /** A Connect stream whose answers are collected; {@code expected} answers release the latch. */
  final class Stream implements StreamObserver<PipeResponse> {
    final List<PipeResponse> answers = new CopyOnWriteArrayList<>();
    final CountDownLatch done;
    volatile Throwable error;
    final StreamObserver<PipeRequest> requests;

    Stream(int expected) {
      done = new CountDownLatch(expected);
      requests = PipeBrokerGrpc.newStub(pipeChannel).connect(this);
    }

    void send(long id, PipeRequest.Builder q) {
      requests.onNext(q.setId(id).build());
    }

    @Override
    public void onNext(PipeResponse r) {
      answers.add(r);
      done.countDown();
    }

    @Override
    public void onError(Throwable t) {
      error = t;
    }

    @Override
    public void onCompleted() {
    }

    List<PipeResponse> await() throws InterruptedException {
      assertThat(done.await(10, TimeUnit.SECONDS)).as("every answer within 10 s (error: %s)", error).isTrue();
      return answers;
    }
  }

  SpliceInRequest.Builder splice(long pipe, long offset, long length, String id) {
    return SpliceInRequest.newBuilder().setContext(ctx).setPipeId(pipe).setFileId(FILE).setOffset(offset).setLength(length)
        .setTransferId(id);
  }

  long pinned() {
    return storage.costs(StatRequest.newBuilder().setFileId(FILE).build()).getPinnedBytes();
  }

  @Test
  void requestsSentWithoutWaitingAreAnsweredInOrderAndASpliceTakesOnlyTheFreeSlots() throws Exception {
    Stream s = new Stream(5);
    s.send(1, PipeRequest.newBuilder().setCreate(CreatePipeRequest.newBuilder().setCapacity(6)));
    // the pipe's id is the broker's first: 1
    s.send(2, PipeRequest.newBuilder().setSpliceIn(splice(1, 0, 4 * 4096, "a")));
    s.send(3, PipeRequest.newBuilder().setSpliceIn(splice(1, 64 * 4096, 4 * 4096, "b")));
    s.send(4, PipeRequest.newBuilder().setSpliceIn(splice(1, 128 * 4096, 4096, "c")));
    s.send(5, PipeRequest.newBuilder().setDrain(DrainRequest.newBuilder().setPipeId(1).setMaxBytes(1 << 20)));
    List<PipeResponse> a = s.await();

    assertThat(a).extracting(PipeResponse::getId).containsExactly(1L, 2L, 3L, 4L, 5L);
    assertThat(a.get(0).getCreated().getPipeId()).isEqualTo(1);
    assertThat(a.get(1).getSpliced().getLength()).isEqualTo(4 * 4096);
    assertThat(a.get(1).getSpliced().getAddedCount()).isEqualTo(4);
    assertThat(a.get(2).getSpliced().getLength()).as("2 of 6 slots were left").isEqualTo(2 * 4096);
    assertThat(a.get(3).getSpliced().getLength()).as("the pipe is full").isZero();
    List<PipeBuffer> drained = a.get(4).getDrained().getBuffersList();
    assertThat(drained).extracting(PipeBuffer::getTransferId).containsExactly("a", "a", "a", "a", "b", "b");
    assertThat(drained).extracting(PipeBuffer::getFileOffset)
        .containsExactly(0L, 4096L, 8192L, 12288L, 64 * 4096L, 65 * 4096L);
    assertThat(splices).extracting(SpliceRecord::getTransferId).containsExactly("a", "b");
    assertThat(pinned()).as("the drained buffers' pins, now the caller's").isEqualTo(6 * 4096);
  }

  @Test
  void aFailedSpliceAnswersItsOwnRequestAndTheStreamGoesOn() throws Exception {
    Stream s = new Stream(4);
    s.send(1, PipeRequest.newBuilder().setCreate(CreatePipeRequest.newBuilder().setCapacity(8)));
    s.send(2, PipeRequest.newBuilder().setSpliceIn(splice(1, 0, 4096, "x").setFileId(99)));
    s.send(3, PipeRequest.newBuilder().setSpliceIn(splice(1, 0, 4096, "").setTransferId("")));
    s.send(4, PipeRequest.newBuilder().setSpliceIn(splice(1, 8192, 4096, "y")));
    List<PipeResponse> a = s.await();

    assertThat(a).extracting(PipeResponse::getId).containsExactly(1L, 2L, 3L, 4L);
    assertThat(a.get(1).getFailure().getCode()).as("the storage node's answer, passed on").isEqualTo(
        Status.Code.INVALID_ARGUMENT.value());
    assertThat(a.get(1).getFailure().getDescription()).contains("99");
    assertThat(a.get(2).getFailure().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
    assertThat(a.get(2).getFailure().getDescription()).contains("transfer_id");
    assertThat(a.get(3).getSpliced().getLength()).as("the failures reserved nothing").isEqualTo(4096);
  }

  @Test
  void aStreamThatEndsReleasesEveryPinItsPipesHeld() throws Exception {
    Stream s = new Stream(3);
    s.send(1, PipeRequest.newBuilder().setCreate(CreatePipeRequest.newBuilder().setCapacity(16)));
    s.send(2, PipeRequest.newBuilder().setSpliceIn(splice(1, 0, 8 * 4096, "p")));
    s.send(3, PipeRequest.newBuilder().setSpliceIn(splice(1, 128 * 4096, 4 * 4096, "q")));
    s.await();
    assertThat(pinned()).isEqualTo(12 * 4096);

    s.requests.onCompleted();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (pinned() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(pinned()).isZero();
  }

  @Test
  void closeOnTheStreamUnpinsBeforeItAnswers() throws Exception {
    Stream s = new Stream(3);
    s.send(1, PipeRequest.newBuilder().setCreate(CreatePipeRequest.newBuilder().setCapacity(16)));
    long pipe = 1;
    s.send(2, PipeRequest.newBuilder().setSpliceIn(splice(pipe, 0, 5 * 4096, "r")));
    s.send(3, PipeRequest.newBuilder().setClose(PipeId.newBuilder().setPipeId(pipe)));
    List<PipeResponse> a = s.await();
    assertThat(a.get(2).getClosed().getReleased()).isEqualTo(5);
    assertThat(pinned()).as("unpinned before the answer").isZero();
  }
}
