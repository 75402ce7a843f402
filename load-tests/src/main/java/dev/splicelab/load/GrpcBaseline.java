package dev.splicelab.load;

import com.google.protobuf.ByteString;
import dev.splicelab.proto.Ack;
import dev.splicelab.proto.AckBurst;
import dev.splicelab.proto.ReceiverGrpc;
import dev.splicelab.proto.RunContext;
import dev.splicelab.proto.Segment;
import dev.splicelab.proto.SegmentBurst;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The raw baseline: the ceiling of a gRPC-wired design. Two JVMs (started by the load test with
 * the services' JVM options) speak the Receiver contract over loopback TCP with grpc-netty, as the
 * network sender and the checker's receiver do: the client sends each transfer's segments (the
 * scenario's transfer and segment sizes) as one burst on its connection's stream and the server
 * acknowledges every segment in one reply, and nothing else happens: no folio read, no checksum,
 * no reassembly, no record. Like the data path, a connection keeps sending while it has less than
 * its send buffer (4 MiB) unacknowledged.
 *
 * <p>The client JVM reads commands on stdin: {@code run SECONDS} measures for that long and prints
 * one line {@code result TRANSFERS BYTES SECONDS P50 P99 P999} (latencies in microseconds, from
 * the burst's send to its ack); {@code quit} ends it.
 */
public final class GrpcBaseline {

  private GrpcBaseline() {}

  /** Serves Receiver.Transmit on {@code port} until killed. */
  public static void server(int port) throws Exception {
    Server s = NettyServerBuilder.forPort(port).maxInboundMessageSize(64 << 20).addService(new ReceiverGrpc.ReceiverImplBase() {
      @Override
      public StreamObserver<SegmentBurst> transmit(StreamObserver<AckBurst> acks) {
        return new StreamObserver<>() {
          @Override
          public void onNext(SegmentBurst burst) {
            AckBurst.Builder b = AckBurst.newBuilder();
            for (Segment g : burst.getSegmentsList()) {
              b.addAcks(Ack.newBuilder().setTransferId(g.getTransferId()).setSeq(g.getSeq()).setAccepted(true));
            }
            acks.onNext(b.build());
          }

          @Override
          public void onError(Throwable t) {
          }

          @Override
          public void onCompleted() {
            acks.onCompleted();
          }
        };
      }
    }).build().start();
    System.out.println("ready " + s.getPort());
    System.out.flush();
    s.awaitTermination();
  }

  /**
   * Drives {@code connections} streams to 127.0.0.1:{@code port} with transfers of
   * {@code minBytes}..{@code maxBytes} (multiples of 64) cut into {@code segmentBytes} segments.
   */
  public static void client(int port, int connections, long minBytes, long maxBytes, int segmentBytes) throws Exception {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
        .maxInboundMessageSize(64 << 20).build();
    Client c = new Client(ReceiverGrpc.newStub(channel), connections, minBytes, maxBytes, segmentBytes);
    c.start();
    PrintStream out = System.out;
    out.println("ready");
    out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      if (line.startsWith("run ")) {
        double seconds = Double.parseDouble(line.substring(4).trim());
        out.println(c.measure(seconds));
        out.flush();
      } else if (line.equals("quit")) {
        break;
      }
    }
    c.stop();
    channel.shutdownNow();
  }

  /** The client side: one sender thread per connection, acks on gRPC's threads. */
  private static final class Client {
    static final long SEND_BUFFER = 4L << 20;
    final ReceiverGrpc.ReceiverStub stub;
    final int connections;
    final long minBytes;
    final long maxBytes;
    final int segmentBytes;
    final ByteString payload;
    final AtomicLong transfers = new AtomicLong();
    final AtomicLong bytes = new AtomicLong();
    final Recorder latency = new Recorder(3);
    final List<Thread> threads = new ArrayList<>();
    volatile boolean running = true;
    /** Sending only while measuring: between measurements the JVMs sit idle, as the other benches run. */
    volatile boolean active;

    Client(ReceiverGrpc.ReceiverStub stub, int connections, long minBytes, long maxBytes, int segmentBytes) {
      this.stub = stub;
      this.connections = connections;
      this.minBytes = minBytes;
      this.maxBytes = maxBytes;
      this.segmentBytes = segmentBytes;
      byte[] b = new byte[segmentBytes];
      new SplittableRandom(1).nextBytes(b);
      this.payload = ByteString.copyFrom(b);
    }

    void start() {
      for (int i = 0; i < connections; i++) {
        int conn = i;
        Thread t = new Thread(() -> loop(conn), "baseline-conn-" + i);
        t.setDaemon(true);
        threads.add(t);
        t.start();
      }
    }

    void stop() throws InterruptedException {
      running = false;
      for (Thread t : threads) {
        t.join(5000);
      }
    }

    String measure(double seconds) throws InterruptedException {
      long t0 = transfers.get();
      long b0 = bytes.get();
      latency.reset();
      long s = System.nanoTime();
      active = true;
      Thread.sleep((long) (seconds * 1000));
      active = false;
      double elapsed = (System.nanoTime() - s) / 1e9;
      Histogram h = latency.getIntervalHistogram();
      return String.format(Locale.ROOT, "result %d %d %.3f %d %d %d", transfers.get() - t0, bytes.get() - b0, elapsed,
          h.getValueAtPercentile(50), h.getValueAtPercentile(99), h.getValueAtPercentile(99.9));
    }

    void loop(int conn) {
      SplittableRandom random = new SplittableRandom(42L * 0x9E3779B97F4A7C15L + conn);
      ReentrantLock lock = new ReentrantLock();
      Condition freed = lock.newCondition();
      long[] queued = {0};
      ConcurrentHashMap<String, long[]> open = new ConcurrentHashMap<>(); // id -> {bytes, sentNanos}
      CountDownLatch closed = new CountDownLatch(1);
      StreamObserver<SegmentBurst> stream = stub.transmit(new StreamObserver<>() {
        @Override
        public void onNext(AckBurst acks) {
          if (acks.getAcksCount() == 0) {
            return;
          }
          long[] t = open.remove(acks.getAcks(0).getTransferId());
          if (t == null) {
            return;
          }
          transfers.incrementAndGet();
          bytes.addAndGet(t[0]);
          latency.recordValue(Math.max(1, (System.nanoTime() - t[1]) / 1000));
          lock.lock();
          try {
            queued[0] -= t[0];
            freed.signalAll();
          } finally {
            lock.unlock();
          }
        }

        @Override
        public void onError(Throwable t) {
          closed.countDown();
        }

        @Override
        public void onCompleted() {
          closed.countDown();
        }
      });
      RunContext ctx = RunContext.newBuilder().setRunId("baseline").build();
      long cells = (maxBytes - minBytes) / 64;
      long seq = 0;
      while (running) {
        if (!active) {
          try {
            Thread.sleep(5);
          } catch (InterruptedException e) {
            return;
          }
          continue;
        }
        long length = minBytes + 64 * (cells > 0 ? random.nextLong(cells + 1) : 0);
        String id = "baseline/" + conn + "/" + seq++;
        lock.lock();
        try {
          while (running && queued[0] > 0 && queued[0] + length > SEND_BUFFER) {
            freed.await(10, TimeUnit.MILLISECONDS);
          }
          queued[0] += length;
        } catch (InterruptedException e) {
          return;
        } finally {
          lock.unlock();
        }
        SegmentBurst.Builder burst = SegmentBurst.newBuilder();
        int count = (int) ((length + segmentBytes - 1) / segmentBytes);
        for (int i = 0; i < count; i++) {
          int n = (int) Math.min(segmentBytes, length - (long) i * segmentBytes);
          burst.addSegments(Segment.newBuilder().setContext(ctx).setTransferId(id).setSeq(i).setSegmentCount(count)
              .setFileOffset((long) i * segmentBytes).setTransferLength(length)
              .setPayload(n == segmentBytes ? payload : payload.substring(0, n)));
        }
        open.put(id, new long[] {length, System.nanoTime()});
        synchronized (stream) {
          stream.onNext(burst.build());
        }
      }
      stream.onCompleted();
    }
  }
}
