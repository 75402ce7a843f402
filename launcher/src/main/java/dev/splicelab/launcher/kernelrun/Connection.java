package dev.splicelab.launcher.kernelrun;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.splicelab.common.cells.CellCodec;
import dev.splicelab.kernel.sys.Fd;
import dev.splicelab.kernel.sys.Sys;
import dev.splicelab.launcher.scenario.Scenario;
import dev.splicelab.proto.CellRun;
import dev.splicelab.proto.DeliveryRecord;
import dev.splicelab.proto.RunContext;
import dev.splicelab.proto.Topics;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * One connection of a kernel cell: its own pipe (F_SETPIPE_SZ to the scenario's capacity), its own
 * loopback TCP connection, a sender thread and a receiver thread.
 *
 * <p>The sender draws each transfer as the network sender does (same seeded formulas for length,
 * offset and residency), splices the range in ({@link KernelFile#spliceIn}, SHARE) or copies it
 * into a user buffer ({@link KernelFile#copyIn}, COPY_AT_SPLICE), leaves it there for the
 * residency, then frames it on the stream: a small header written with a plain write(2) (magic,
 * transfer id, file offset, length) followed by exactly length bytes, spliced pipe -> socket
 * (SHARE: the socket queue takes the page references) or written from the buffer (COPY_AT_SPLICE).
 *
 * <p>The receiver reads everything the sender sends, header then exactly length bytes, decodes
 * them with {@link CellCodec#decodeRuns} and publishes a DeliveryRecord. What it reads is whatever
 * the referenced pages hold when the bytes are copied out to it: the real kernel's answer.
 */
final class Connection {

  static final int MAGIC = 0x53504C54; // "SPLT"
  static final int HEADER = 24;
  /** The sender gives up when the receiver has not taken data for this long (SO_SNDTIMEO). */
  static final long SEND_TIMEOUT_MS = 10_000;

  private final int conn;
  private final KernelCell cell;
  private final KernelFile file;
  private final RunContext ctx;
  private final Scenario.TransferSpec spec;
  private final boolean share;
  private final long seed;
  private final Fd sender;
  private final Fd receiver;
  private final Fd pipeR;
  private final Fd pipeW;
  /** Bytes one splice can take: the pipe's capacity (the kernel rounds F_SETPIPE_SZ up to a power of two pages). */
  private final long pipeBytes;
  private Thread senderThread;
  private Thread receiverThread;

  private Connection(int conn, KernelCell cell, Fd sender, Fd receiver, Fd pipeR, Fd pipeW, long pipeBytes) {
    this.conn = conn;
    this.cell = cell;
    this.file = cell.file();
    this.ctx = cell.context();
    this.spec = cell.transfers();
    this.share = cell.share();
    this.seed = cell.seed();
    this.sender = sender;
    this.receiver = receiver;
    this.pipeR = pipeR;
    this.pipeW = pipeW;
    this.pipeBytes = pipeBytes;
  }

  /** Connects to {@code listener} and makes the pipe (SHARE only; COPY_AT_SPLICE copies instead). */
  static Connection open(int conn, KernelCell cell, Fd listener, int port) {
    Fd s = null;
    Fd r = null;
    Fd[] pipe = null;
    try {
      s = Sys.tcpSocket("loopback sender socket " + conn + " (to 127.0.0.1:" + port + ")");
      Sys.setsockoptInt(s, Sys.IPPROTO_TCP, Sys.TCP_NODELAY, 1, "TCP_NODELAY");
      Sys.setsockoptTimeout(s, Sys.SO_SNDTIMEO, SEND_TIMEOUT_MS, "SO_SNDTIMEO");
      Sys.connect(s, port);
      r = Sys.accept(listener, "loopback receiver socket " + conn + " (127.0.0.1:" + port + ")");
      Sys.setsockoptTimeout(r, Sys.SO_RCVTIMEO, 500, "SO_RCVTIMEO");
      long want = (long) cell.transfers().pipeCapacity() * Sys.PAGE;
      long pipeBytes = Long.highestOneBit(want - 1) << 1; // round_pipe_size: a power of two pages
      if (cell.share()) {
        pipe = Sys.pipe2(0);
        Sys.setPipeSize(pipe[1], (int) want);
        pipeBytes = Sys.getPipeSize(pipe[1]);
      }
      return new Connection(conn, cell, s, r, pipe == null ? null : pipe[0], pipe == null ? null : pipe[1], pipeBytes);
    } catch (RuntimeException e) {
      for (Fd f : new Fd[] {s, r, pipe == null ? null : pipe[0], pipe == null ? null : pipe[1]}) {
        closeQuietly(f);
      }
      throw e;
    }
  }

  long pipeBytes() {
    return pipeBytes;
  }

  void start() {
    receiverThread = new Thread(this::receiveLoop, "kernel-receiver-" + conn);
    receiverThread.setDaemon(true);
    receiverThread.start();
    senderThread = new Thread(this::sendLoop, "kernel-sender-" + conn);
    senderThread.setDaemon(true);
    senderThread.start();
  }

  /** Waits for the sender to finish its last transfer and close, then for the receiver to read it all. */
  boolean join(long timeoutMs) throws InterruptedException {
    if (senderThread == null) { // never started: nothing runs, release the descriptors
      for (Fd f : new Fd[] {sender, receiver, pipeR, pipeW}) {
        closeQuietly(f);
      }
      return true;
    }
    long deadline = System.currentTimeMillis() + timeoutMs;
    senderThread.join(Math.max(1, deadline - System.currentTimeMillis()));
    receiverThread.join(Math.max(1, deadline - System.currentTimeMillis()));
    return !senderThread.isAlive() && !receiverThread.isAlive();
  }

  // ---------------------------------------------------------------- sender

  private void sendLoop() {
    cell.keepsTime();
    SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + conn);
    Memory header = new Memory(HEADER + 512);
    Pointer copy = null;
    long copyLen = 0;
    try {
      if (!share) {
        copyLen = pipeBytes;
        copy = Sys.mmap(null, copyLen, Sys.PROT_READ | Sys.PROT_WRITE, Sys.MAP_PRIVATE | Sys.MAP_ANONYMOUS, 0);
      }
      long size = file.size();
      long seq = 0;
      while (cell.issuing()) {
        long cells = (spec.maxBytes() - spec.minBytes()) / CellCodec.CELL;
        long length = spec.minBytes() + CellCodec.CELL * (cells > 0 ? random.nextLong(cells + 1) : 0);
        length = Math.min(length, size);
        long offset = CellCodec.CELL * random.nextLong((size - length) / CellCodec.CELL + 1);
        long residency = spec.minResidencyMicros() + (spec.maxResidencyMicros() > spec.minResidencyMicros()
            ? random.nextLong(spec.maxResidencyMicros() - spec.minResidencyMicros() + 1) : 0);
        String transferId = ctx.getRunId() + "/" + ctx.getCell() + "/" + conn + "/" + seq++;

        KernelFile.Spliced s;
        if (share) {
          s = file.spliceIn(pipeW, offset, length, transferId, conn);
        } else {
          // a copy per page buffer the pipe could have held, as the pipe limits a splice
          s = file.copyIn(copy, offset, Math.min(length, pipeBytes - offset % Sys.PAGE), transferId, conn);
        }
        if (s.length() == 0) {
          cell.shortSplice();
          continue;
        }
        cell.started(transferId, s.length(), s.length() < length, s.atNanos(), residency);
        // the residency counts from the splice-in, as the model's does (the time since is not added)
        long deadline = System.nanoTime() + residency * 1000 - (EpochNanos.now() - s.atNanos());
        for (long left; (left = deadline - System.nanoTime()) > 0; ) {
          LockSupport.parkNanos(left);
        }
        cell.woke(transferId, EpochNanos.now() - s.atNanos() - residency * 1000);
        byte[] id = transferId.getBytes(StandardCharsets.UTF_8);
        if (HEADER + id.length > header.size()) {
          header = new Memory(HEADER + id.length);
        }
        header.setInt(0, MAGIC);
        header.setInt(4, id.length);
        header.setLong(8, offset);
        header.setLong(16, s.length());
        header.write(HEADER, id, 0, id.length);
        Sys.writeFully(sender, header, HEADER + id.length, "write(frame header)");
        if (share) {
          long moved = 0;
          while (moved < s.length()) {
            long n = Sys.splice(pipeR, null, sender, null, s.length() - moved, 0);
            if (n < 0) {
              throw new IllegalStateException("splice(pipe -> socket) on " + pipeR.name() + " -> " + sender.name()
                  + ": EAGAIN after " + SEND_TIMEOUT_MS + " ms (SO_SNDTIMEO): the receiver stopped reading");
            }
            if (n == 0) {
              throw new IllegalStateException("splice(pipe -> socket) on " + pipeR.name() + " -> " + sender.name()
                  + " returned 0 with " + (s.length() - moved) + " bytes still in the pipe");
            }
            moved += n;
          }
        } else {
          Sys.writeFully(sender, copy, s.length(), "write(copy)");
        }
      }
    } catch (Throwable e) {
      cell.fail(e);
    } finally {
      if (copy != null) {
        Sys.munmap(copy, copyLen);
      }
      closeQuietly(sender); // the receiver reads to the end of the stream, then stops
      closeQuietly(pipeW);
      closeQuietly(pipeR);
    }
  }

  // ---------------------------------------------------------------- receiver

  private void receiveLoop() {
    cell.keepsTime();
    Memory header = new Memory(HEADER + 512);
    Memory data = new Memory(Math.max(pipeBytes, spec.maxBytes()));
    try {
      while (readFully(header, 0, HEADER, true)) {
        int magic = header.getInt(0);
        int idLen = header.getInt(4);
        long offset = header.getLong(8);
        long length = header.getLong(16);
        if (magic != MAGIC || idLen <= 0 || idLen > 4096 || length <= 0 || length > (1L << 30)) {
          throw new IllegalStateException("receiver " + conn + ": bad frame header (magic 0x" + Integer.toHexString(magic)
              + ", id length " + idLen + ", length " + length + ")");
        }
        if (HEADER + idLen > header.size()) {
          Memory bigger = new Memory(HEADER + idLen);
          bigger.write(0, header.getByteArray(0, HEADER), 0, HEADER);
          header = bigger;
        }
        readFully(header, HEADER, idLen, false);
        String transferId = new String(header.getByteArray(HEADER, idLen), StandardCharsets.UTF_8);
        if (length > data.size()) {
          data = new Memory(length);
        }
        readFully(data, 0, length, false);
        long at = EpochNanos.now();
        byte[] bytes = data.getByteArray(0, (int) length);
        int aligned = (int) (length / CellCodec.CELL * CellCodec.CELL);
        List<CellRun> runs = CellCodec.decodeRuns(file.fileId(), offset,
            aligned == bytes.length ? bytes : Arrays.copyOf(bytes, aligned));
        cell.records().publish(Topics.DELIVERIES, file.fileId(), DeliveryRecord.newBuilder().setContext(ctx)
            .setTransferId(transferId).setFileId(file.fileId()).setOffset(offset).setLength(length).addAllRuns(runs)
            .setAtNanos(at).setSpliceAttempt(0).build());
        cell.delivered(transferId, length);
      }
    } catch (Throwable e) {
      cell.fail(e);
    } finally {
      closeQuietly(receiver);
    }
  }

  /**
   * Reads exactly {@code n} bytes into {@code m} at {@code at}. Returns false at a clean end of the
   * stream before the first byte when {@code eofOk}; a receive timeout only re-checks whether the
   * cell failed.
   */
  private boolean readFully(Memory m, long at, long n, boolean eofOk) {
    long done = 0;
    while (done < n) {
      long r = Sys.read(receiver, m.share(at + done), n - done);
      if (r < 0) {
        if (cell.failed()) {
          throw new IllegalStateException("receiver " + conn + " stopped: the cell failed");
        }
        continue; // SO_RCVTIMEO: nothing yet
      }
      if (r == 0) {
        if (done == 0 && eofOk) {
          return false;
        }
        throw new IllegalStateException("receiver " + conn + ": the sender closed the connection in the middle of a frame");
      }
      done += r;
    }
    return true;
  }

  private static void closeQuietly(Fd f) {
    if (f != null) {
      try {
        f.close();
      } catch (RuntimeException e) {
        // best effort
      }
    }
  }
}
