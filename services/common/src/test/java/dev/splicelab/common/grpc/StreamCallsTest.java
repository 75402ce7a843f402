package dev.splicelab.common.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.splicelab.common.errors.ResourceExhaustedException;
import dev.splicelab.proto.Failure;
import dev.splicelab.proto.StorageNodeGrpc;
import dev.splicelab.proto.StorageRequest;
import dev.splicelab.proto.StorageResponse;
import dev.splicelab.proto.UnpinReply;
import dev.splicelab.proto.UnpinRequest;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** StreamCalls against an in-process StorageNode.Session whose answers each test scripts. */
class StreamCallsTest {

  private static final long WAIT_SECONDS = 10;

  /** A request as the server received it, with the stream to answer on. */
  private record Received(StorageRequest request, StreamObserver<StorageResponse> out) {}

  private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
  private final AtomicInteger opened = new AtomicInteger();
  private final CountDownLatch clientHalfClosed = new CountDownLatch(1);
  private Server server;
  private ManagedChannel channel;
  private StreamCalls<StorageRequest, StorageResponse> calls;

  private static final StreamCalls.Codec<StorageRequest, StorageResponse> CODEC = StorageSession.CODEC;

  @BeforeEach
  void start() throws Exception {
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).directExecutor().addService(new StorageNodeGrpc.StorageNodeImplBase() {
      @Override
      public StreamObserver<StorageRequest> session(StreamObserver<StorageResponse> out) {
        opened.incrementAndGet();
        return new StreamObserver<>() {
          @Override
          public void onNext(StorageRequest r) {
            received.add(new Received(r, out));
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {
            clientHalfClosed.countDown();
          }
        };
      }
    }).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    calls = new StreamCalls<>("test session", StorageNodeGrpc.newStub(channel)::session, CODEC);
  }

  @AfterEach
  void stop() throws Exception {
    calls.close();
    channel.shutdownNow().awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS);
  }

  private static StorageRequest unpin(long folio) {
    return StorageRequest.newBuilder().setUnpin(UnpinRequest.newBuilder().addFolioIds(folio)).build();
  }

  /** The reply to an unpin of folio f frees f folios, so a reply names the request it answers. */
  private static StorageResponse reply(StorageRequest r) {
    return StorageResponse.newBuilder().setId(r.getId())
        .setUnpinned(UnpinReply.newBuilder().setFoliosFreed((int) r.getUnpin().getFolioIds(0))).build();
  }

  private Received next() throws InterruptedException {
    Received r = received.poll(WAIT_SECONDS, TimeUnit.SECONDS);
    assertThat(r).as("the server received a request").isNotNull();
    return r;
  }

  private static StatusRuntimeException failureOf(CompletableFuture<?> f) throws InterruptedException {
    try {
      f.get(WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(StatusRuntimeException.class);
      return (StatusRuntimeException) e.getCause();
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("the call neither failed nor completed", e);
    }
    throw new AssertionError("the call succeeded");
  }

  @Test
  void opensTheStreamOnFirstUseAndMatchesResponsesById() throws Exception {
    assertThat(opened.get()).as("nothing opened before the first call").isZero();
    CompletableFuture<StorageResponse> one = calls.send(unpin(1));
    CompletableFuture<StorageResponse> two = calls.send(unpin(2));
    Received r1 = next();
    Received r2 = next();
    assertThat(r1.request().getId()).isNotEqualTo(r2.request().getId());
    r2.out().onNext(reply(r2.request()));
    r1.out().onNext(reply(r1.request()));
    assertThat(one.get(WAIT_SECONDS, TimeUnit.SECONDS).getUnpinned().getFoliosFreed()).isEqualTo(1);
    assertThat(two.get(WAIT_SECONDS, TimeUnit.SECONDS).getUnpinned().getFoliosFreed()).isEqualTo(2);
    assertThat(opened.get()).as("both calls on one stream").isEqualTo(1);
  }

  @Test
  void aFailureResponseFailsItsCallWithTheUnaryStatusAndKeepsTheStream() throws Exception {
    CompletableFuture<StorageResponse> bad = calls.send(unpin(1));
    Received r = next();
    long id = r.request().getId();
    r.out().onNext(StreamCalls.answer(() -> {
      throw new IllegalArgumentException("folio_ids: no folio 1");
    }, f -> StorageResponse.newBuilder().setId(id).setFailure(f).build()));
    StatusRuntimeException e = failureOf(bad);
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).isEqualTo("folio_ids: no folio 1");

    CompletableFuture<StorageResponse> good = calls.send(unpin(3));
    Received r3 = next();
    r3.out().onNext(reply(r3.request()));
    assertThat(good.get(WAIT_SECONDS, TimeUnit.SECONDS).getUnpinned().getFoliosFreed()).isEqualTo(3);
    assertThat(opened.get()).isEqualTo(1);
  }

  @Test
  void theStreamsEndFailsEveryWaitingCallAndTheNextCallReopensIt() throws Exception {
    CompletableFuture<StorageResponse> one = calls.send(unpin(1));
    CompletableFuture<StorageResponse> two = calls.send(unpin(2));
    next();
    next().out().onCompleted();
    for (CompletableFuture<StorageResponse> f : java.util.List.of(one, two)) {
      StatusRuntimeException e = failureOf(f);
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(e.getStatus().getDescription()).contains("test session");
    }

    CompletableFuture<StorageResponse> three = calls.send(unpin(3));
    Received r = next();
    r.out().onNext(reply(r.request()));
    assertThat(three.get(WAIT_SECONDS, TimeUnit.SECONDS).getUnpinned().getFoliosFreed()).isEqualTo(3);
    assertThat(opened.get()).isEqualTo(2);
  }

  @Test
  void aStreamErrorFailsWaitingCallsWithItsStatus() throws Exception {
    CompletableFuture<StorageResponse> f = calls.send(unpin(1));
    next().out().onError(Status.RESOURCE_EXHAUSTED.withDescription("pins: node full").asRuntimeException());
    StatusRuntimeException e = failureOf(f);
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(e.getStatus().getDescription()).contains("test session").contains("pins: node full");
  }

  @Test
  void callWithoutAResponseFailsWithDeadlineExceeded() {
    assertThatThrownBy(() -> calls.call(unpin(1), 50))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
          assertThat(e.getStatus().getDescription()).contains("test session").contains("50 ms");
        });
  }

  @Test
  void callReturnsTheResponseAndRethrowsAFailureAsItsStatus() throws Exception {
    CompletableFuture<StorageResponse> answered = CompletableFuture.supplyAsync(() -> {
      try {
        Received r = next();
        r.out().onNext(reply(r.request()));
        Received bad = next();
        bad.out().onNext(StorageResponse.newBuilder().setId(bad.request().getId())
            .setFailure(Failure.newBuilder().setCode(Status.Code.FAILED_PRECONDITION.value()).setDescription("pinned")).build());
        return null;
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    assertThat(calls.call(unpin(4), WAIT_SECONDS * 1000).getUnpinned().getFoliosFreed()).isEqualTo(4);
    assertThatThrownBy(() -> calls.call(unpin(5), WAIT_SECONDS * 1000))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
          assertThat(e.getStatus().getDescription()).isEqualTo("pinned");
        });
    answered.get(WAIT_SECONDS, TimeUnit.SECONDS);
  }

  @Test
  void closeEndsTheStreamAndRefusesLaterCalls() throws Exception {
    calls.send(unpin(1));
    next();
    calls.close();
    assertThat(clientHalfClosed.await(WAIT_SECONDS, TimeUnit.SECONDS)).as("the server saw the stream end").isTrue();
    assertThatThrownBy(() -> calls.send(unpin(2)))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.CANCELLED));
    assertThat(opened.get()).isEqualTo(1);
  }

  @Test
  void answerMapsTheBodysFailureAsAUnaryCallWould() {
    java.util.function.Function<Failure, Failure> same = f -> f;
    assertThat(StreamCalls.answer(() -> Failure.getDefaultInstance(), same)).isEqualTo(Failure.getDefaultInstance());
    Failure exhausted = StreamCalls.answer(() -> {
      throw new ResourceExhaustedException("arena: full");
    }, same);
    assertThat(exhausted.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED.value());
    assertThat(exhausted.getDescription()).isEqualTo("arena: full");
    Failure state = StreamCalls.answer(() -> {
      throw new IllegalStateException("file 3 deleted");
    }, same);
    assertThat(state.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION.value());
    Failure noDescription = StreamCalls.answer(() -> {
      throw Status.ABORTED.asRuntimeException();
    }, same);
    assertThat(noDescription.getCode()).isEqualTo(Status.Code.ABORTED.value());
    assertThat(noDescription.getDescription()).isEmpty();
  }
}
