package dev.splicelab.sender.domain;

import dev.splicelab.proto.FolioRef;
import java.util.List;

/**
 * One segment of an attempt in the retransmit queue: the page slices it is made of and its
 * transmission state. Mutable fields are guarded by the owning {@link Attempt}'s monitor, except
 * where the NIC thread alone touches them (noted).
 */
final class OutboundSegment {
  final int seq;
  final long fileOffset;
  final int length;
  /** Page slices, in order (page-cache folios, or the anonymous pages holding copies). */
  final List<FolioRef> refs;
  /** Transmissions started so far (the next one's number). */
  int transmissions;
  boolean acked;
  /**
   * The latest transmission was dropped by the link or rejected by the receiver (a bad checksum):
   * its RTO is the scenario's. Otherwise an expiring RTO means the ack was late because the testbed
   * was, and the retransmission is the testbed's overhead, not part of the implied window.
   */
  boolean lost;
  boolean rejected;
  /** STABLE_PAGES (from checksum): the segment's folios are held until its ack. */
  boolean stableHeld;
  /** TLS_SW: the ciphertext in the sender's own buffer, resent as is. TLS modes: the first tag. */
  byte[] ciphertext;
  byte[] firstTag;
  /** CRC32C of the plaintext of the first transmission (TLS_SW resends without reading). */
  int firstCrc;
  /** The transmission being prepared (checksum read done, DMA pending): the CRC32C of what it read. */
  int csumCrc;
  long csumReadNanos;
  /** Epoch nanos the scenario implies for the pending transmission's preparation and DMA. */
  long idealPrepNanos;
  long idealDmaNanos;
  /** Epoch nanos of the latest transmission's DMA: as it happened, and as the scenario implies it. */
  long lastDmaNanos;
  long idealLastDmaNanos;
  /** System.nanoTime() when the latest transmission went on the link: its round trip's start. */
  long sentNanos;

  OutboundSegment(int seq, long fileOffset, int length, List<FolioRef> refs) {
    this.seq = seq;
    this.fileOffset = fileOffset;
    this.length = length;
    this.refs = refs;
  }
}
