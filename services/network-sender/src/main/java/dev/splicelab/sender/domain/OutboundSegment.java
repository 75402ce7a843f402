package dev.splicelab.sender.domain;

import com.google.protobuf.ByteString;
import dev.splicelab.proto.FolioRef;
import java.util.List;

/**
 * One segment of a transfer in the retransmit queue: the slices it is made of (folio references,
 * or private copies under COPY_AT_SPLICE) and its transmission state. Guarded by the owning
 * transfer's monitor.
 */
final class OutboundSegment {
  final int seq;
  final long fileOffset;
  final int length;
  /** Folio slices, in order (empty when the segment is made of copies). */
  final List<FolioRef> refs;
  /** Private bytes (null when the segment references folios). */
  final ByteString copy;
  int attempts;
  boolean acked;
  /** Deadline of the current attempt, System.nanoTime() scale. */
  long rtoDeadline;
  /** STABLE_PAGES (from checksum): the segment's folios are held until its ack. */
  boolean stableHeld;
  /** TLS_SW: the ciphertext in the sender's own buffer, resent as is. TLS modes: the first tag. */
  byte[] ciphertext;
  byte[] firstTag;
  /** CRC32C of the plaintext of the first transmission (TLS_SW resends without reading). */
  int firstCrc;

  OutboundSegment(int seq, long fileOffset, int length, List<FolioRef> refs, ByteString copy) {
    this.seq = seq;
    this.fileOffset = fileOffset;
    this.length = length;
    this.refs = refs;
    this.copy = copy;
  }
}
