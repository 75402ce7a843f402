package dev.splicelab.storage.config;

import dev.splicelab.common.kafka.EventPublisher;
import dev.splicelab.proto.Topics;
import dev.splicelab.common.time.Sleeper;
import dev.splicelab.storage.domain.PageCache;
import dev.splicelab.storage.grpc.StorageGrpcService;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(StorageProperties.class)
public class StorageConfiguration {

  private static final Logger log = LoggerFactory.getLogger(StorageConfiguration.class);

  @Bean(destroyMethod = "close")
  PageCache pageCache(StorageProperties p, Clock clock, Sleeper sleeper, EventPublisher events, MeterRegistry meters) {
    PageCache cache = new PageCache(
        new PageCache.Config(p.dataDir(), p.maxFileSize(), p.deviceLatencyMicros(), p.readaheadBytes(), p.arenaPath(),
            arenaBytes(p)),
        clock, sleeper, r -> events.publish(Topics.MUTATIONS, r.getFileId(), r));
    Gauge.builder("splicelab.storage.pinned.bytes", cache, PageCache::pinnedBytes).baseUnit("bytes").register(meters);
    Gauge.builder("splicelab.storage.cached.bytes", cache, PageCache::cachedBytes).baseUnit("bytes").register(meters);
    Gauge.builder("splicelab.storage.live.folios", cache, PageCache::liveFolios).register(meters);
    Gauge.builder("splicelab.storage.memory.used.bytes", cache, c -> c.memory().used() * 4096.0).baseUnit("bytes")
        .description("Page frames of the arena in use (folios alive and copies held), bytes").register(meters);
    FunctionCounter.builder("splicelab.storage.copied.bytes", cache, PageCache::bytesCopied).baseUnit("bytes").register(meters);
    // Registered now so the series exists before the first stall; fed where the stall histogram is.
    Timer stalls = Timer.builder("splicelab.storage.writer.stall")
        .description("Time a writer waited on stable pages or on a send in flight (only writers that waited)")
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(10_000)).maximumExpectedValue(Duration.ofSeconds(60))
        .register(meters);
    cache.onStall(micros -> stalls.record(micros, TimeUnit.MICROSECONDS));
    return cache;
  }

  /**
   * Session streams (the pipe broker's splice-reads, the sender's unpins and holds) are handled on
   * the transport's own thread: none of their operations waits for anything but the file's lock,
   * and a splice-in's answer then leaves the node with one thread hand-off fewer, which is time
   * inside every race window. Every other call (writes, which can wait on stable pages for up to
   * their timeout) keeps the default executor.
   */
  @Bean
  org.springframework.grpc.server.ServerBuilderCustomizer<io.grpc.netty.NettyServerBuilder> sessionsOnTransportThreads() {
    String session = dev.splicelab.proto.StorageNodeGrpc.getSessionMethod().getFullMethodName();
    return builder -> builder.callExecutor(new io.grpc.ServerCallExecutorSupplier() {
      @Override
      public <Q, R> java.util.concurrent.Executor getExecutor(io.grpc.ServerCall<Q, R> call, io.grpc.Metadata headers) {
        return session.equals(call.getMethodDescriptor().getFullMethodName()) ? Runnable::run : null;
      }
    });
  }

  /**
   * The arena's size: as configured, but no more than 80% of what its filesystem has free (a store
   * into a frame the filesystem cannot back would kill the node with SIGBUS), and never less than
   * twice the largest file.
   */
  static long arenaBytes(StorageProperties p) {
    long want = p.arenaBytes();
    try {
      java.nio.file.Path dir = p.arenaPath().toAbsolutePath().getParent();
      java.nio.file.Files.createDirectories(dir);
      long usable = java.nio.file.Files.getFileStore(dir).getUsableSpace();
      long fit = usable / 10 * 8;
      if (fit < want) {
        if (fit < 2 * p.maxFileSize()) {
          throw new IllegalStateException("splicelab.storage.arena-path: " + dir + " has only " + (usable >> 20)
              + " MiB free, too little for an arena holding two files of splicelab.storage.max-file-size ("
              + (p.maxFileSize() >> 20) + " MiB)");
        }
        log.warn("arena {} shrunk to {} MiB: its filesystem has {} MiB free", p.arenaPath(), fit >> 20, usable >> 20);
        return fit;
      }
    } catch (java.io.IOException e) {
      log.warn("cannot tell the free space for the arena {}: {}", p.arenaPath(), e.toString());
    }
    return want;
  }

  /**
   * The flusher: writes each file's dirty folios back once per writeback interval (times the
   * file's time scale), checking ten times per interval.
   */
  @Bean(destroyMethod = "shutdownNow")
  ScheduledExecutorService flusher(PageCache cache, StorageProperties p) {
    ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "flusher");
      t.setDaemon(true);
      return t;
    });
    s.scheduleWithFixedDelay(() -> {
      try {
        cache.writeBackDue(p.writebackIntervalMillis() * 1_000_000L);
      } catch (RuntimeException e) {
        log.warn("writeback pass failed: {}", e.toString());
      }
    }, p.writebackIntervalMillis() / 10, p.writebackIntervalMillis() / 10, TimeUnit.MILLISECONDS);
    return s;
  }

  @Bean
  StorageGrpcService storageGrpcService(PageCache cache, MeterRegistry meters) {
    return new StorageGrpcService(cache, meters);
  }
}
