package dev.splicelab.common.grpc;

import dev.splicelab.common.time.Realtime;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A service's gRPC transport, on threads named as data-path threads ({@link
 * Realtime#DATA_PATH_THREAD_PREFIX}), so that whoever drives a cell can give them their share
 * while it is measured: one event-loop group (netty's epoll transport where it loads, else NIO)
 * and one executor, shared by the service's server and every client channel it opens. That is the
 * shape of grpc-java's own defaults (a shared worker group of twice the cores, a cached executor);
 * only the threads' names differ. Every message of the control plane (splice-in, drain, unpin, the
 * link's segments and acks, the mutator's writes) is handled on these threads.
 *
 * <p>Thread-safe. {@link #close} stops the threads (after the server and channels using them).
 */
public final class DataPathTransport implements AutoCloseable {

  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final ExecutorService executor;
  private final Class<? extends ServerChannel> serverChannel;
  private final Class<? extends Channel> clientChannel;
  public DataPathTransport() {
    boolean epoll = Epoll.isAvailable();
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    this.boss = new MultiThreadIoEventLoopGroup(1, new Factory(Realtime.DATA_PATH_THREAD_PREFIX + "boss"), io);
    this.workers = new MultiThreadIoEventLoopGroup(0, new Factory(Realtime.DATA_PATH_THREAD_PREFIX + "worker"), io);
    this.serverChannel = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    this.clientChannel = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    AtomicInteger n = new AtomicInteger();
    this.executor = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, Realtime.DATA_PATH_THREAD_PREFIX + "executor-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /** Netty's thread factory (its threads keep netty's fast thread-locals), under the data-path names. */
  private static final class Factory extends DefaultThreadFactory {
    Factory(String pool) {
      super(pool, true);
    }
  }

  /** Serves on these threads. */
  public void configure(NettyServerBuilder b) {
    b.bossEventLoopGroup(boss).workerEventLoopGroup(workers).channelType(serverChannel).executor(executor);
  }

  /** Calls out on these threads. */
  public void configure(NettyChannelBuilder b) {
    b.eventLoopGroup(workers).channelType(clientChannel).executor(executor);
  }

  @Override
  public void close() {
    boss.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    executor.shutdown();
  }
}
