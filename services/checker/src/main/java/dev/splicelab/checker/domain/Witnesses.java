package dev.splicelab.checker.domain;

import dev.splicelab.proto.DeliveryRecord;
import dev.splicelab.proto.MutationKind;
import dev.splicelab.proto.MutationRecord;
import dev.splicelab.proto.SpliceRecord;
import dev.splicelab.proto.Transmission;
import java.util.ArrayList;
import java.util.List;

/**
 * The witness of a verdict: the ordered events behind it, in the spirit of fsx's operation log.
 * Lines are {@code "%+9.3f ms  EVENT ..."} (time relative to the splice), then the first wrong
 * cells and the verdict. Built with plain appends: a run may witness thousands of violations.
 */
final class Witnesses {

  private Witnesses() {}

  /** The time-ordered event lines of one transfer (shared by the models that find it violated). */
  /**
   * Mutations over the range listed in one witness; the rest are counted. A transfer never
   * delivered is judged at its cell's end, and every mutation since its splice would otherwise go
   * into its one verdict record (past Kafka's message size).
   */
  static final int MAX_MUTATIONS = 32;

  static List<String> events(SpliceRecord s, DeliveryRecord delivery, List<Transmission> sent, FileHistory h) {
    long t0 = s.getAtNanos();
    long end = s.getOffset() + s.getLength();
    List<long[]> at = new ArrayList<>();
    List<String> lines = new ArrayList<>();
    StringBuilder b = new StringBuilder(96);
    b.append("SPLICE    ").append(s.getTransferId()).append(" file ").append(s.getFileId()).append(" [").append(s.getOffset())
        .append(", ").append(end).append(") at v").append(s.getVersion()).append(": ");
    if (s.getCopied()) {
      b.append("copied into the pipe");
    } else {
      b.append(s.getPages()).append(" page refs on folios");
      for (int i = 0; i < Math.min(8, s.getFolioIdsCount()); i++) {
        b.append(i == 0 ? " " : " ").append(s.getFolioIds(i));
      }
    }
    add(at, lines, s.getAtNanos(), b);
    long until = delivery != null ? delivery.getAtNanos() : Long.MAX_VALUE;
    if (h != null && h.baseVersion() <= s.getVersion()) {
      int shown = 0;
      long more = 0;
      long lastAt = 0;
      for (long v = s.getVersion() + 1; v <= h.contiguousVersion(); v++) {
        MutationRecord m = h.at(v);
        if (m.getAtNanos() > until) {
          break;
        }
        if (shown == MAX_MUTATIONS) {
          long me = m.getKind() == MutationKind.TRUNCATE ? Long.MAX_VALUE : m.getOffset() + m.getLength();
          if (m.getOffset() < end && me > s.getOffset()) {
            more++;
            lastAt = m.getAtNanos();
          }
          continue;
        }
        long ms = m.getOffset();
        boolean truncate = m.getKind() == MutationKind.TRUNCATE;
        long me = truncate ? Long.MAX_VALUE : m.getOffset() + m.getLength();
        if (ms < end && me > s.getOffset()) {
          b.setLength(0);
          b.append("MUTATION  v").append(v).append(' ').append(m.getKind()).append(" [").append(ms).append(", ")
              .append(truncate ? "EOF" : Long.toString(me)).append(") op ").append(Long.toHexString(m.getOpId()));
          if (m.getFoliosRemoved() > 0) {
            b.append(", ").append(m.getFoliosRemoved()).append(" folios left the mapping");
          }
          if (m.getBytesZeroedInPlace() > 0) {
            b.append(", ").append(m.getBytesZeroedInPlace()).append(" bytes zeroed in place");
          }
          add(at, lines, m.getAtNanos(), b);
          shown++;
        }
      }
      if (more > 0) {
        b.setLength(0);
        b.append("MUTATION  ... and ").append(more).append(" later mutations over the range (not listed)");
        add(at, lines, lastAt, b);
      }
    }
    int attempt = delivery != null ? delivery.getSpliceAttempt() : s.getAttempt();
    for (Transmission g : sent) {
      b.setLength(0);
      b.append("SEGMENT   seq ").append(g.getSeq()).append(" attempt ").append(g.getAttempt());
      if (attempt > 0) {
        b.append(" (re-splice ").append(attempt).append(')');
      }
      b.append(" [").append(g.getFileOffset()).append(", ").append(g.getFileOffset() + g.getLength()).append(") ")
          .append(g.getReused() ? "resent from the sender's buffer" : "read for the wire");
      if (g.getChangedBetweenReads()) {
        b.append(", bytes changed since the checksum read");
      }
      if (g.getLostOnLink()) {
        b.append(", lost on the link");
      }
      add(at, lines, g.getDmaReadNanos(), b);
    }
    if (delivery != null) {
      b.setLength(0);
      if (delivery.getAborted()) {
        b.append("ABORTED   connection aborted: ").append(delivery.getMacFailures()).append(" TLS record(s) failed authentication");
      } else {
        b.append("DELIVERY  ").append(delivery.getLength()).append(" bytes, ").append(delivery.getChecksumRejects())
            .append(" checksum rejects, ").append(delivery.getDivergentDuplicates()).append(" divergent duplicates");
      }
      add(at, lines, delivery.getAtNanos(), b);
    }
    Integer[] idx = new Integer[lines.size()];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = i;
    }
    java.util.Arrays.sort(idx, (x, y) -> Long.compare(at.get(x)[0], at.get(y)[0])); // stable: ties keep their order
    List<String> out = new ArrayList<>(idx.length);
    for (int i : idx) {
      b.setLength(0);
      millis(b, at.get(i)[0] - t0);
      out.add(b.append(" ms  ").append(lines.get(i)).toString());
    }
    return out;
  }

  /** A model's witness: the events, then the first wrong cells and the verdict. */
  static List<String> of(List<String> events, Judgement.Result r, String model) {
    List<String> out = new ArrayList<>(events.size() + r.firstWrongCells().size() + 1);
    out.addAll(events);
    for (String w : r.firstWrongCells()) {
      out.add("            " + w);
    }
    out.add("            VERDICT " + model + " " + r.failureClass() + " " + r.wrongBytes()
        + (r.causes().isEmpty() ? "" : " caused by " + String.join(", ", r.causes())));
    return out;
  }

  private static void add(List<long[]> at, List<String> lines, long nanos, StringBuilder line) {
    at.add(new long[] {nanos});
    lines.add(line.toString());
  }

  /** Appends nanos as milliseconds the way {@code %+9.3f} does (sign, 3 decimals, right-aligned in 9). */
  static void millis(StringBuilder b, long nanos) {
    long micros = Math.round(nanos / 1000.0);
    long abs = Math.abs(micros);
    long frac = abs % 1000;
    String v = (micros < 0 ? "-" : "+") + abs / 1000 + (frac < 10 ? ".00" : frac < 100 ? ".0" : ".") + frac;
    for (int i = v.length(); i < 9; i++) {
      b.append(' ');
    }
    b.append(v);
  }
}
