package dev.splicelab.mutator.domain;

import com.google.protobuf.ByteString;
import dev.splicelab.common.cells.CellCodec;
import dev.splicelab.common.time.Sleeper;
import dev.splicelab.proto.*;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The concurrent writers. Each writer thread draws Poisson arrivals at its share of the rate and a
 * mutation kind from the mix, and applies it through the storage node. Data is self-describing:
 * a writer's op id (writer << 40 | sequence) is encoded in every cell it writes and sent with the
 * request, so the mutation record maps it to the version the storage node assigned.
 * Public methods are thread-safe; one workload at a time.
 */
public final class MutationEngine {

  private static final Logger log = LoggerFactory.getLogger(MutationEngine.class);
  private static final long BLOCK = 4096;

  private final StorageNodeGrpc.StorageNodeBlockingStub storage;
  private final Sleeper sleeper;
  private final Map<Integer, Long> fileSizes = new ConcurrentHashMap<>();
  private volatile Workload current;

  public MutationEngine(StorageNodeGrpc.StorageNodeBlockingStub storage, Sleeper sleeper) {
    this.storage = storage;
    this.sleeper = sleeper;
  }

  private StorageNodeGrpc.StorageNodeBlockingStub storage() {
    return storage.withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  /** Creates the file and fills it with cells written by op ids 1, 2, ... of writer 0. */
  public MutatorStatus prepare(PrepareFileRequest r) {
    storage().createFile(CreateFileRequest.newBuilder().setContext(r.getContext()).setFileId(r.getFileId())
        .setSize(r.getSize()).setProfile(r.getProfile()).setStableWaitTimeoutMs(r.getStableWaitTimeoutMs())
        .setStableTimeoutPolicy(r.getStableTimeoutPolicy()).setTimeScale(r.getTimeScale()).build());
    long op = 0;
    long last = 0;
    for (long off = 0; off < r.getSize(); off += r.getFillChunk()) {
      int len = (int) Math.min(r.getFillChunk(), r.getSize() - off);
      last = storage().write(WriteRequest.newBuilder().setContext(r.getContext()).setFileId(r.getFileId()).setOffset(off)
          .setData(ByteString.copyFrom(CellCodec.fill(r.getFileId(), ++op, off, len))).setOpId(op).build()).getVersion();
    }
    fileSizes.put(r.getFileId(), r.getSize());
    return MutatorStatus.newBuilder().setMutations(op).setLastVersion(last).build();
  }

  public synchronized MutatorStatus start(MutationWorkload w) {
    if (current != null && current.running()) {
      throw new IllegalStateException("a mutation workload is already running (stop it first)");
    }
    Long size = fileSizes.get(w.getFileId());
    if (size == null) {
      throw new IllegalArgumentException("file_id: file " + w.getFileId() + " was not prepared by this mutator (call PrepareFile)");
    }
    if (w.getMaxWriteBytes() > size || w.getPunchBlock() > size) {
      throw new IllegalArgumentException("max_write_bytes/punch_block: must not exceed the file size " + size);
    }
    current = new Workload(w, size);
    current.start();
    return current.status();
  }

  public synchronized MutatorStatus stop(long drainTimeoutMs) {
    if (current == null) {
      return MutatorStatus.getDefaultInstance();
    }
    current.stop(drainTimeoutMs);
    return current.status();
  }

  public MutatorStatus status() {
    Workload w = current;
    return w == null ? MutatorStatus.getDefaultInstance() : w.status();
  }

  private final class Workload {
    final MutationWorkload w;
    final long size;
    final List<Thread> threads = new ArrayList<>();
    volatile boolean running = true;
    final AtomicLong mutations = new AtomicLong();
    final AtomicLong failures = new AtomicLong();
    final AtomicLong lastVersion = new AtomicLong();
    final Map<String, AtomicLong> byKind = new ConcurrentHashMap<>();
    volatile String lastError = "";

    Workload(MutationWorkload w, long size) {
      this.w = w;
      this.size = size;
    }

    void start() {
      for (int i = 0; i < w.getWriters(); i++) {
        int writer = i + 1;
        // a data-path thread (dev.splicelab.common.time.Realtime): its pace is the scenario's
        Thread t = new Thread(() -> writerLoop(writer), dev.splicelab.common.time.Realtime.DATA_PATH_THREAD_PREFIX
            + "writer-" + writer);
        t.setDaemon(true);
        threads.add(t);
        t.start();
      }
    }

    boolean running() {
      return threads.stream().anyMatch(Thread::isAlive);
    }

    void stop(long timeoutMs) {
      running = false;
      for (Thread t : threads) {
        try {
          t.join(timeoutMs);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }

    MutatorStatus status() {
      Map<String, Long> kinds = new TreeMap<>();
      byKind.forEach((k, v) -> kinds.put(k, v.get()));
      return MutatorStatus.newBuilder().setRunning(running()).setMutations(mutations.get()).putAllByKind(kinds)
          .setFailures(failures.get()).setLastVersion(lastVersion.get()).setLastError(lastError).build();
    }

    void writerLoop(int writer) {
      SplittableRandom random = new SplittableRandom(w.getSeed() * 0xBF58476D1CE4E5B9L + writer);
      double meanGapMicros = 1e6 * w.getWriters() / w.getRatePerSecond();
      long seq = 0;
      long due = System.nanoTime();
      while (running && (w.getMaxMutations() == 0 || mutations.get() < w.getMaxMutations())) {
        due += (long) (-Math.log(1 - random.nextDouble()) * meanGapMicros * 1000);
        long wait = (due - System.nanoTime()) / 1000;
        if (wait > 0) {
          sleeper.sleepMicros(wait);
        }
        if (!running) {
          break;
        }
        long opId = ((long) writer << 40) | ++seq;
        String kind = pick(random);
        boolean application = random.nextDouble() < w.getApplicationFraction();
        try {
          apply(kind, opId, random, application);
          byKind.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
          mutations.incrementAndGet();
        } catch (StatusRuntimeException e) {
          failures.incrementAndGet();
          lastError = kind + ": " + e.getStatus();
        } catch (RuntimeException e) {
          failures.incrementAndGet();
          lastError = kind + ": " + e;
          log.warn("mutation {} failed: {}", kind, e.toString());
        }
      }
    }

    String pick(SplittableRandom random) {
      MutationMix m = w.getMix();
      double[] weights = {m.getWrite(), m.getMmapStore(), m.getPunchPartial(), m.getPunchWhole(), m.getTruncateExtend(), m.getDirectWrite()};
      String[] names = {"WRITE", "MMAP_STORE", "PUNCH_PARTIAL", "PUNCH_WHOLE", "TRUNCATE_EXTEND", "DIRECT_WRITE"};
      double total = 0;
      for (double x : weights) {
        total += x;
      }
      double d = random.nextDouble() * total;
      for (int i = 0; i < weights.length; i++) {
        d -= weights[i];
        if (d < 0) {
          return names[i];
        }
      }
      return names[0];
    }

    /** A start offset, aligned to {@code align}, leaving room for {@code length} bytes. */
    long offset(SplittableRandom random, long length, long align) {
      long span = size - length;
      if (w.getHotProbability() > 0 && random.nextDouble() < w.getHotProbability()) {
        span = Math.max(0, Math.min(span, (long) (size * w.getHotFractionOfFile()) - length));
      }
      return align * random.nextLong(span / align + 1);
    }

    long length(SplittableRandom random, long align) {
      long min = Math.max(align, w.getMinWriteBytes() / align * align);
      long max = Math.max(min, w.getMaxWriteBytes() / align * align);
      return min + align * random.nextLong((max - min) / align + 1);
    }

    /**
     * Applies one mutation. An application writer (honoursSends) waits while a send in flight
     * overlaps its range (the completion contract); a foreign one does not.
     */
    void apply(String kind, long opId, SplittableRandom random, boolean honorsSends) {
      RunContext ctx = w.getContext();
      int file = w.getFileId();
      long version;
      switch (kind) {
        case "WRITE", "MMAP_STORE", "DIRECT_WRITE" -> {
          long align = kind.equals("DIRECT_WRITE") ? BLOCK : CellCodec.CELL;
          long len = length(random, align);
          long off = offset(random, len, align);
          WriteRequest req = WriteRequest.newBuilder().setContext(ctx).setFileId(file).setOffset(off).setOpId(opId)
              .setHonorsSends(honorsSends).setData(ByteString.copyFrom(CellCodec.fill(file, opId, off, (int) len))).build();
          version = switch (kind) {
            case "WRITE" -> storage().write(req).getVersion();
            case "MMAP_STORE" -> storage().mmapStore(req).getVersion();
            default -> storage().directWrite(req).getVersion();
          };
        }
        case "PUNCH_PARTIAL" -> {
          long block = w.getPunchBlock();
          long base = offset(random, block, block);
          long cells = block / CellCodec.CELL;
          long len = CellCodec.CELL * (1 + random.nextLong(Math.max(1, cells - 1)));
          long off = base + CellCodec.CELL * random.nextLong((block - len) / CellCodec.CELL + 1);
          version = storage().punchHole(RangeRequest.newBuilder().setContext(ctx).setFileId(file).setOffset(off)
              .setLength(len).setOpId(opId).setHonorsSends(honorsSends).build()).getVersion();
        }
        case "PUNCH_WHOLE" -> {
          long block = w.getPunchBlock();
          long off = offset(random, block, block);
          version = storage().punchHole(RangeRequest.newBuilder().setContext(ctx).setFileId(file).setOffset(off)
              .setLength(block).setOpId(opId).setHonorsSends(honorsSends).build()).getVersion();
        }
        case "TRUNCATE_EXTEND" -> {
          long newSize = CellCodec.CELL * (size / 2 / CellCodec.CELL + random.nextLong(size / 2 / CellCodec.CELL));
          storage().truncate(TruncateRequest.newBuilder().setContext(ctx).setFileId(file).setNewSize(newSize).setOpId(opId)
              .setHonorsSends(honorsSends).build());
          version = storage().truncate(TruncateRequest.newBuilder().setContext(ctx).setFileId(file).setNewSize(size).setOpId(opId)
              .setHonorsSends(honorsSends).build()).getVersion();
        }
        default -> throw new IllegalStateException("unknown kind " + kind);
      }
      lastVersion.accumulateAndGet(version, Math::max);
    }
  }
}
