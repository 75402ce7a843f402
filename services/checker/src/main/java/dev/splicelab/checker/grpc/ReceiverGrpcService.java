package dev.splicelab.checker.grpc;

import dev.splicelab.common.cells.CellCodec;
import dev.splicelab.common.kafka.EventPublisher;
import dev.splicelab.common.tls.TlsRecords;
import dev.splicelab.proto.Topics;
import dev.splicelab.common.time.Clocks;
import dev.splicelab.proto.*;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32C;

/**
 * The far end of the emulated link. Verifies each segment's CRC32C and drops a mismatching one
 * (detected corruption: the sender will retransmit); in TLS modes authenticates and decrypts the
 * record, and on a MAC failure aborts the connection (the transfer is published as aborted); keeps
 * the first accepted copy of each segment (TCP keeps the first data; later copies are duplicates,
 * counted as divergent when their bytes differ); segments of an older splice attempt are
 * discarded; when a transfer is complete, decodes its cells and publishes the delivery.
 * Thread-safe across streams; gRPC serializes calls within one stream.
 */
public class ReceiverGrpcService extends ReceiverGrpc.ReceiverImplBase {

  private static final int MAX_TRANSFER = 16 << 20;

  private final EventPublisher events;
  private final Clock clock;
  private final MeterRegistry meters;
  private final Map<String, Reassembly> open = new ConcurrentHashMap<>();
  private final Set<String> completed = Collections.newSetFromMap(Collections.synchronizedMap(new LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Boolean> e) {
      return size() > 200_000;
    }
  }));

  public ReceiverGrpcService(EventPublisher events, Clock clock, MeterRegistry meters) {
    this.events = events;
    this.clock = clock;
    this.meters = meters;
  }

  private static final class Reassembly {
    final int spliceAttempt;
    final byte[] data;
    final boolean[] have;
    int received;
    int rejects;
    int duplicates;
    int divergent;

    Reassembly(int spliceAttempt, int length, int segments) {
      this.spliceAttempt = spliceAttempt;
      data = new byte[length];
      have = new boolean[segments];
    }
  }

  /** Most segments one burst may carry. */
  static final int MAX_BURST = 4096;

  @Override
  public StreamObserver<SegmentBurst> transmit(StreamObserver<AckBurst> acks) {
    return new StreamObserver<>() {
      boolean aborted;

      @Override
      public void onNext(SegmentBurst burst) {
        if (aborted) {
          return;
        }
        if (burst.getSegmentsCount() < 1 || burst.getSegmentsCount() > MAX_BURST) {
          abort(Status.INVALID_ARGUMENT.withDescription("segments: a burst carries 1 to " + MAX_BURST + " segments, got "
              + burst.getSegmentsCount()));
          return;
        }
        AckBurst.Builder out = AckBurst.newBuilder();
        for (Segment s : burst.getSegmentsList()) {
          String problem = check(s);
          if (problem != null) {
            meters.counter("splicelab.receiver.malformed.segments").increment();
            flush(out);
            abort(Status.INVALID_ARGUMENT.withDescription(problem));
            return;
          }
          Ack ack = receive(s);
          if (ack != null) {
            out.addAcks(ack);
            if (ack.getMacFailure()) {
              flush(out);
              abort(Status.ABORTED.withDescription("TLS record of " + s.getTransferId() + " seq " + s.getSeq()
                  + " failed authentication: connection aborted"));
              return;
            }
          }
        }
        flush(out);
      }

      private void flush(AckBurst.Builder out) {
        if (out.getAcksCount() > 0) {
          acks.onNext(out.build());
        }
      }

      private void abort(Status status) {
        aborted = true;
        acks.onError(status.asRuntimeException());
      }

      @Override
      public void onError(Throwable t) {
        // the sender went away; its open transfers stay incomplete and will be judged LOST
      }

      @Override
      public void onCompleted() {
        if (!aborted) {
          acks.onCompleted();
        }
      }
    };
  }

  /** Verifies, places and acknowledges one segment (null: a stale attempt's, dropped silently). */
  private Ack receive(Segment s) {
    Ack.Builder ack = Ack.newBuilder().setTransferId(s.getTransferId()).setSeq(s.getSeq()).setAttempt(s.getAttempt())
        .setSpliceAttempt(s.getSpliceAttempt());
    CRC32C crc = new CRC32C();
    crc.update(s.getPayload().asReadOnlyByteBuffer());
    boolean good = (int) crc.getValue() == s.getChecksum();
    if (completed.contains(s.getTransferId())) {
      return ack.setAccepted(good).build();
    }
    Reassembly r = open.compute(s.getTransferId(), (id, old) -> old == null || old.spliceAttempt < s.getSpliceAttempt()
        ? new Reassembly(s.getSpliceAttempt(), (int) s.getTransferLength(), s.getSegmentCount()) : old);
    synchronized (r) {
      if (s.getSpliceAttempt() < r.spliceAttempt) {
        return null; // a segment of an attempt the sender has given up: discarded
      }
      if (!good) {
        r.rejects++;
        meters.counter("splicelab.receiver.checksum.rejects", "strategy", s.getContext().getStrategy().name(),
            "scenario", s.getContext().getScenario()).increment();
        return ack.setAccepted(false).build();
      }
      byte[] plain;
      if (s.getTls()) {
        plain = TlsRecords.open(TlsRecords.key(s.getContext().getRunId()),
            TlsRecords.nonce(s.getTransferId(), s.getSeq(), s.getSpliceAttempt()),
            s.getPayload().toByteArray(), s.getTlsTag().toByteArray());
        if (plain == null) {
          meters.counter("splicelab.receiver.mac.failures", "strategy", s.getContext().getStrategy().name(),
              "scenario", s.getContext().getScenario()).increment();
          open.remove(s.getTransferId());
          completed.add(s.getTransferId());
          events.publish(Topics.DELIVERIES, s.getFileId(), DeliveryRecord.newBuilder().setContext(s.getContext())
              .setTransferId(s.getTransferId()).setFileId(s.getFileId()).setOffset(s.getTransferOffset())
              .setLength(s.getTransferLength()).setChecksumRejects(r.rejects).setDuplicates(r.duplicates)
              .setSpliceAttempt(s.getSpliceAttempt()).setAborted(true).setMacFailures(1)
              .setDivergentDuplicates(r.divergent).setAtNanos(Clocks.epochNanos(clock)).build());
          return ack.setAccepted(false).setMacFailure(true).build();
        }
      } else {
        plain = null;
      }
      int at = (int) (s.getFileOffset() - s.getTransferOffset());
      int n = plain != null ? plain.length : s.getPayload().size();
      if (r.have[s.getSeq()]) {
        r.duplicates++;
        boolean same = plain != null ? java.util.Arrays.equals(r.data, at, at + n, plain, 0, n)
            : s.getPayload().equals(com.google.protobuf.UnsafeByteOperations.unsafeWrap(r.data, at, n));
        if (!same) {
          r.divergent++;
        }
      } else {
        if (plain != null) {
          System.arraycopy(plain, 0, r.data, at, n);
        } else {
          s.getPayload().copyTo(r.data, at);
        }
        r.have[s.getSeq()] = true;
        r.received++;
      }
      if (r.received == r.have.length) {
        open.remove(s.getTransferId());
        completed.add(s.getTransferId());
        events.publish(Topics.DELIVERIES, s.getFileId(), DeliveryRecord.newBuilder().setContext(s.getContext())
            .setTransferId(s.getTransferId()).setFileId(s.getFileId()).setOffset(s.getTransferOffset())
            .setLength(s.getTransferLength())
            .addAllRuns(CellCodec.decodeRuns(s.getFileId(), s.getTransferOffset(), r.data))
            .setChecksumRejects(r.rejects).setDuplicates(r.duplicates).setDivergentDuplicates(r.divergent)
            .setSpliceAttempt(r.spliceAttempt).setAtNanos(Clocks.epochNanos(clock)).build());
        meters.counter("splicelab.receiver.deliveries", "strategy", s.getContext().getStrategy().name(),
            "scenario", s.getContext().getScenario()).increment();
      }
    }
    return ack.setAccepted(true).build();
  }

  /** A segment that cannot be placed; null when well-formed. */
  private static String check(Segment s) {
    if (s.getTransferId().isEmpty()) {
      return "transfer_id: must be non-empty";
    }
    if (s.getTransferLength() < CellCodec.CELL || s.getTransferLength() > MAX_TRANSFER || s.getTransferLength() % CellCodec.CELL != 0) {
      return "transfer_length: must be a multiple of 64 between 64 and " + MAX_TRANSFER + ", got " + s.getTransferLength();
    }
    if (s.getSegmentCount() < 1 || s.getSeq() < 0 || s.getSeq() >= s.getSegmentCount()) {
      return "seq: must be between 0 and segment_count - 1 (" + (s.getSegmentCount() - 1) + "), got " + s.getSeq();
    }
    long rel = s.getFileOffset() - s.getTransferOffset();
    if (rel < 0 || rel + s.getPayload().size() > s.getTransferLength()) {
      return "file_offset: payload must lie inside the transfer [" + s.getTransferOffset() + ", "
          + (s.getTransferOffset() + s.getTransferLength()) + "), got " + s.getFileOffset() + "+" + s.getPayload().size();
    }
    return null;
  }
}
