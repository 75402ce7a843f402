package dev.splicelab.sender.domain;

import dev.splicelab.common.arena.Arena;
import dev.splicelab.common.kafka.EventPublisher;
import dev.splicelab.common.time.Sleeper;
import dev.splicelab.proto.*;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The application plus its sockets and NIC: {@code connections} connections, each with its own
 * pipe and emulated TCP connection ({@link Connection}), splicing file ranges into the pipe,
 * leaving them there for their residency, then splicing the pipe to the socket: the buffers move
 * to the connection's send and retransmit queue ({@link Nic}) and stay there, pinned, until every
 * segment is acknowledged. What is read, and when, depends on the strategy and sender mode:
 *
 * <ul>
 *   <li>CSUM_OFFLOAD reads the folios once per transmission (DMA) and checksums those bytes;
 *       CSUM_SOFTWARE reads them for the checksum when the segment is queued, then again for the
 *       DMA csum_to_dma later.
 *   <li>TLS_SW encrypts at the first read into its own buffer and resends that ciphertext;
 *       TLS_OFFLOAD re-reads and re-encrypts on every transmission under the first tag.
 *   <li>OPTIMISTIC_CONFIRM confirms the i_version cookie at drain and with every read; a failed
 *       confirm releases the attempt and splices the range again.
 *   <li>STABLE_PAGES holds a segment's folios from its checksum read to its ack (or from splice-in).
 *   <li>COMPLETION_AFTER_SNAPSHOT registers the send's range before splice-in and completes it
 *       after the last ack; the application's writers wait for it.
 * </ul>
 * Folio bytes are read from the storage node's memory directly where its arena can be mapped (one
 * host), else through ReadFolio calls; {@link SenderStatus#getDataPath()} says which. One workload
 * at a time. Public methods are thread-safe.
 */
public final class TransferEngine {

  private static final Logger log = LoggerFactory.getLogger(TransferEngine.class);

  /**
   * The services the engine talks to: blocking stubs (set-up calls, the gRPC data path) and async
   * ones (the pipe and storage streams of the data plane's control calls, the link).
   */
  public record Peers(PipeBrokerGrpc.PipeBrokerStub pipes, StorageNodeGrpc.StorageNodeBlockingStub storage,
      StorageNodeGrpc.StorageNodeStub sessions, ReceiverGrpc.ReceiverStub receiver) {}

  /** Receives each completed transfer's latency, from its start to its last ack, in microseconds. */
  @FunctionalInterface
  public interface LatencyListener {
    void transferred(Strategy strategy, long micros);
  }

  private final Peers peers;
  private final EventPublisher events;
  private final Clock clock;
  private final Sleeper sleeper;
  private final int realtimePriority;
  private volatile Workload current;
  private volatile LatencyListener latencyListener = (strategy, micros) -> { };

  /** As {@link #TransferEngine(Peers, EventPublisher, Clock, Sleeper, int)} with every thread under the default policy. */
  public TransferEngine(Peers peers, EventPublisher events, Clock clock, Sleeper sleeper) {
    this(peers, events, clock, sleeper, 0);
  }

  /**
   * @param realtimePriority the SCHED_RR priority of each connection's application and NIC threads
   *     and of the link's timers (see {@link dev.splicelab.common.time.Realtime}); 0: the default policy
   */
  public TransferEngine(Peers peers, EventPublisher events, Clock clock, Sleeper sleeper, int realtimePriority) {
    this.peers = peers;
    this.events = events;
    this.clock = clock;
    this.sleeper = sleeper;
    this.realtimePriority = realtimePriority;
  }

  /** Sets who is told of every completed transfer's latency (the value behind SenderStatus.latency_*). */
  public void onLatency(LatencyListener l) {
    this.latencyListener = l == null ? (strategy, micros) -> { } : l;
  }

  public synchronized SenderStatus start(TransferWorkload w) {
    if (current != null && current.running()) {
      throw new IllegalStateException("a transfer workload is already running (stop it first)");
    }
    StatReply file = peers.storage().withDeadlineAfter(10, TimeUnit.SECONDS)
        .stat(StatRequest.newBuilder().setFileId(w.getFileId()).build());
    if (file.getSize() < w.getMinTransferBytes()) {
      throw new IllegalArgumentException("min_transfer_bytes: must not exceed the file size " + file.getSize() + ", got "
          + w.getMinTransferBytes());
    }
    current = new Workload(w, peers, events, clock, sleeper, reader(w), file.getSize(), file.getCookieSlot(), latencyListener,
        realtimePriority);
    current.start();
    log.info("transfers started: {} connections, data path {}", w.getConnections(), current.reader.describe());
    return current.status();
  }

  /** The storage node's memory, mapped, when it can be (same host, same node start); else ReadFolio calls. */
  private FolioReader reader(TransferWorkload w) {
    if (w.getGrpcReads()) {
      return new GrpcFolioReader(peers.storage(), "grpc_reads requested");
    }
    try {
      ArenaReply a = peers.storage().withDeadlineAfter(10, TimeUnit.SECONDS).arena(ArenaRequest.getDefaultInstance());
      return new ArenaFolioReader(Arena.open(Path.of(a.getPath()), a.getToken()));
    } catch (RuntimeException e) {
      log.warn("reading folios through ReadFolio calls: {}", e.getMessage());
      return new GrpcFolioReader(peers.storage(), String.valueOf(e.getMessage()));
    }
  }

  public synchronized SenderStatus stop(long drainTimeoutMs) {
    if (current == null) {
      return SenderStatus.getDefaultInstance();
    }
    current.stop(drainTimeoutMs);
    return current.status();
  }

  public SenderStatus status() {
    Workload r = current;
    return r == null ? SenderStatus.getDefaultInstance() : r.status();
  }
}
