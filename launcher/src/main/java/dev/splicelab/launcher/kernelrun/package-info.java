/**
 * {@code testbed kernel}: a scenario's transfers and mutations on the real kernel, published and
 * judged like a model run.
 *
 * <ul>
 *   <li>Runnable strategies: SHARE (splice file -> pipe, residency, splice pipe -> loopback TCP
 *       socket: the pipe and the socket queue hold page references) and COPY_AT_SPLICE (pread into a
 *       user buffer at splice time, write to the socket: a real copy). Other strategies are reported
 *       as not runnable and get no cell; sender modes, fault profiles and transport faults do not
 *       apply (sender mode KERNEL, fault profile loopback; RunContext.sender_mode stays unspecified).
 *   <li>Every mutation (pwrite, store through a MAP_SHARED mapping, punch hole, ftruncate shrink and
 *       extend, O_DIRECT pwrite) and every splice-in runs under one per-file lock held across the
 *       syscall, the version assignment and the record's publication, as the storage node does; what
 *       happens to the data afterwards (pipe, socket queue, the receiver's read) is the kernel's.
 *   <li>The checker's own HistoryReader and Verifier judge each cell from Kafka; there are no
 *       TransmissionRecords on this path, so INTEGRITY only sees torn cells.
 *   <li>A short warm-up (cell -1, never judged) precedes the first cell: receivers decoding on a cold
 *       JIT leave data longer in the socket queues, which would bias the first cell only.
 * </ul>
 */
package dev.splicelab.launcher.kernelrun;
