package dev.splicelab.sender.domain;

/**
 * One transfer as the application asked for it: a file range, how long its buffers sit in the
 * pipe, and when it started. It is spliced once, or again after a failed confirm
 * (OPTIMISTIC_CONFIRM). Owned by its connection's application thread.
 */
final class Job {
  final String id;
  final long offset;
  final long length;
  final long residencyMicros;
  /** System.nanoTime() the transfer's latency counts from: its scheduled start (open loop) or its first splice call. */
  final long startNanos;
  /** Splice attempts made so far. */
  int attempts;
  /** COMPLETION_AFTER_SNAPSHOT: the send is registered with the storage node. */
  boolean sendRegistered;

  Job(String id, long offset, long length, long residencyMicros, long startNanos) {
    this.id = id;
    this.offset = offset;
    this.length = length;
    this.residencyMicros = residencyMicros;
    this.startNanos = startNanos;
  }
}
