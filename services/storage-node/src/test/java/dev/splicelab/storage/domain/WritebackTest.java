package dev.splicelab.storage.domain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splicelab.common.cells.CellCodec;
import dev.splicelab.common.time.Sleeper;
import dev.splicelab.proto.FsProfile;
import dev.splicelab.proto.MutationKind;
import dev.splicelab.proto.RunContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The flusher as Linux's writeback: no file-wide lock across the device's latency, and device I/O
 * in the order it was issued. The device's latency is a sleeper that, on the flusher's thread,
 * holds the I/O open until the test's other thread has acted (or a few seconds have passed).
 */
class WritebackTest {

  static final int FILE = 3;
  static final int KIB = 1024;
  static final RunContext CTX = RunContext.newBuilder().setRunId("wb").setScenario("wb").build();

  @TempDir
  Path dir;

  /** Set on the thread whose device I/O the sleeper holds open. */
  Thread flusher;
  final CountDownLatch inIo = new CountDownLatch(1);
  final CountDownLatch acted = new CountDownLatch(1);
  final AtomicBoolean heldOpenTooLong = new AtomicBoolean();

  PageCache cache(Sleeper sleeper) {
    return new PageCache(new PageCache.Config(dir, 16L << 20, 1, 128 * KIB), Clock.systemUTC(), sleeper, r -> { });
  }

  /** On the flusher's first I/O: says so and waits for the other thread's act (at most 5 s). */
  Sleeper holdFlusherIo() {
    return micros -> {
      if (Thread.currentThread() == flusher && inIo.getCount() > 0) {
        inIo.countDown();
        try {
          heldOpenTooLong.set(!acted.await(5, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
  }

  byte[] cells(long opId, long offset, int length) {
    return CellCodec.fill(FILE, opId, offset, length);
  }

  Thread flush(PageCache cache) {
    flusher = new Thread(cache::writeBackAll, "flusher");
    flusher.start();
    return flusher;
  }

  byte[] device(long offset, int length) throws Exception {
    byte[] all = Files.readAllBytes(dir.resolve("file-" + FILE + ".img"));
    byte[] out = new byte[length];
    System.arraycopy(all, (int) offset, out, 0, Math.max(0, Math.min(length, all.length - (int) offset)));
    return out;
  }

  @Test
  void aWriteGoesOnWhileTheFlusherWritesItsFolioBack() throws Exception {
    PageCache cache = cache(holdFlusherIo());
    cache.create(CTX, FILE, 1 << 20, FsProfile.EXT4);
    cache.write(CTX, FILE, 0, cells(1, 0, 64 * KIB), 1, MutationKind.WRITE);
    Thread t = flush(cache);
    assertTrue(inIo.await(5, TimeUnit.SECONDS), "the flusher issued no I/O");

    cache.write(CTX, FILE, 0, cells(2, 0, 64 * KIB), 2, MutationKind.WRITE); // blocked behind the pass before
    acted.countDown();
    t.join(10_000);

    assertEquals(false, heldOpenTooLong.get(), "the write waited for the flusher's I/O: the file lock was held across it");
    assertArrayEquals(cells(1, 0, 64 * KIB), device(0, 64 * KIB), "the device holds the bytes as they were when written back");
    PageCache.FolioView folio = cache.stat(FILE).folios().get(0);
    assertTrue(folio.dirty(), "the write after the copy dirtied the folio again");
  }

  @Test
  void aPunchIssuedDuringAWritebackLandsAfterIt() throws Exception {
    PageCache cache = cache(holdFlusherIo());
    cache.create(CTX, FILE, 1 << 20, FsProfile.EXT4);
    cache.write(CTX, FILE, 0, cells(1, 0, 64 * KIB), 1, MutationKind.WRITE);
    Thread t = flush(cache);
    assertTrue(inIo.await(5, TimeUnit.SECONDS), "the flusher issued no I/O");

    Thread puncher = new Thread(() -> cache.punchHole(CTX, FILE, 0, 64 * KIB, 2), "puncher");
    puncher.start();
    // the punch's deallocation queues behind the writeback in flight (or, wrongly, overtakes it)
    for (long until = System.nanoTime() + 5_000_000_000L; System.nanoTime() < until; Thread.sleep(1)) {
      Thread.State s = puncher.getState();
      if (s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING || s == Thread.State.TERMINATED) {
        break;
      }
    }
    acted.countDown();
    t.join(10_000);
    puncher.join(10_000);

    assertArrayEquals(new byte[64 * KIB], device(0, 64 * KIB),
        "the writeback landed after the punch's deallocation: the device holds the punched bytes");
    assertTrue(cache.stat(FILE).folios().stream().noneMatch(f -> f.fileOffset() == 0), "the punch left the folio cached");
    assertEquals(0, Arrays.compare(new byte[64 * KIB], cache.read(FILE, 0, 64 * KIB).data()), "a read after the punch is not zero");
  }
}
