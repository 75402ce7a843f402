package dev.splicelab.kernel;

import static dev.splicelab.kernel.Step.Kind.DIRECT_WRITE;
import static dev.splicelab.kernel.Step.Kind.EXTEND;
import static dev.splicelab.kernel.Step.Kind.MMAP_STORE;
import static dev.splicelab.kernel.Step.Kind.PUNCH_HOLE;
import static dev.splicelab.kernel.Step.Kind.PWRITE;
import static dev.splicelab.kernel.Step.Kind.TRUNCATE;
import static dev.splicelab.kernel.Step.Kind.USER_DONTNEED;
import static dev.splicelab.kernel.Step.Kind.USER_STORE;
import static dev.splicelab.kernel.Step.Kind.ZERO_RANGE;
import static dev.splicelab.proto.FailureClass.NEWER_VERSION;
import static dev.splicelab.proto.FailureClass.NONE;
import static dev.splicelab.proto.FailureClass.TORN;
import static dev.splicelab.proto.FailureClass.ZEROED;

import dev.splicelab.kernel.Step.DrainToSocket;
import dev.splicelab.kernel.Step.Evict;
import dev.splicelab.kernel.Step.Fill;
import dev.splicelab.kernel.Step.Mutate;
import dev.splicelab.kernel.Step.PipeSize;
import dev.splicelab.kernel.Step.PipeWrite;
import dev.splicelab.kernel.Step.PrimePipe;
import dev.splicelab.kernel.Step.ReadFile;
import dev.splicelab.kernel.Step.Receive;
import dev.splicelab.kernel.Step.SendFile;
import dev.splicelab.kernel.Step.SpliceIn;
import dev.splicelab.kernel.Step.Tee;
import dev.splicelab.kernel.Step.UserFill;
import dev.splicelab.kernel.Step.Vmsplice;
import dev.splicelab.proto.FailureClass;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The fidelity cases. Unless a case says otherwise the file is 256 KiB written in four 64 KiB
 * pwrites (so, on a filesystem with large folios, four 64 KiB folios: [0,64K) [64K,128K)
 * [128K,192K) [192K,256K)), the pipe is resized to 256 KiB so a splice is never short, and the
 * change comes after the hand-off returned and before the reader read.
 */
public final class FidelityCases {

  static final long K = 1024;
  private static final int FILE = (int) (256 * K);

  private FidelityCases() {}

  private static Step fill64() {
    return new Fill(FILE, (int) (64 * K));
  }

  private static Step bigPipe() {
    return new PipeSize(FILE);
  }

  private static Step mut(Step.Kind k, long off, long len) {
    return new Mutate(k, off, len);
  }

  private static Step rest() {
    return new Receive(-1);
  }

  private static FidelityCase c(String name, String description, Expectation e, String designRow, Step... steps) {
    return new FidelityCase(name, description, e, List.of(steps), designRow);
  }

  private static Expectation both(FailureClass c, String why) {
    return Expectation.both(c, why);
  }

  private static Expectation split(FailureClass ext4, FailureClass tmpfs, String why) {
    return new Expectation(ext4, tmpfs, why);
  }

  /** Every case, DESIGN section 2 rows first. */
  public static List<FidelityCase> all() {
    List<FidelityCase> l = new ArrayList<>();
    String r1 = "DESIGN 2: pwrite over the range";
    String r2 = "DESIGN 2: store through a shared mmap";
    String r3 = "DESIGN 2: punch hole covering whole folios";
    String r4 = "DESIGN 2: punch hole covering part of a large folio / 4 KiB page";
    String r5 = "DESIGN 2: O_DIRECT write over the range";
    String refs = "the pipe holds references to the page-cache folios, which the change modifies in place";

    // ---- DESIGN section 2, splice(2) file -> pipe
    l.add(c("design-pwrite-pipe", "splice [64K,+16K) into a pipe, pwrite 4 KiB in the middle of the spliced range "
        + "(inside the 64 KiB folio), then read the pipe", both(NEWER_VERSION, refs), r1,
        fill64(), bigPipe(), new SpliceIn(64 * K, 16 * K), mut(PWRITE, 68 * K, 4 * K), rest()));
    l.add(c("design-mmap-store-pipe", "splice [0,+8K), store 256 B through a MAP_SHARED mapping at offset 128, read the pipe",
        both(NEWER_VERSION, refs + " (the store goes into the same page)"), r2,
        fill64(), bigPipe(), new SpliceIn(0, 8 * K), mut(MMAP_STORE, 128, 256), rest()));
    l.add(c("design-punch-whole-folio-pipe", "splice [128K,+64K), punch [128K,+64K) (exactly one 64 KiB folio on ext4, "
        + "16 whole pages on tmpfs), read the pipe",
        both(NONE, "folios wholly inside the hole leave the mapping; the pipe's references keep them alive, unchanged"), r3,
        fill64(), bigPipe(), new SpliceIn(128 * K, 64 * K), mut(PUNCH_HOLE, 128 * K, 64 * K), rest()));
    l.add(c("design-punch-part-folio-pipe", "splice [0,+64K), punch 1280 B at 8K+640 (inside one 4 KiB page), read the pipe",
        both(ZEROED, "a partly covered folio is zeroed in place (truncate_inode_partial_folio / partial page zeroing)"), r4,
        fill64(), bigPipe(), new SpliceIn(0, 64 * K), mut(PUNCH_HOLE, 8 * K + 640, 1280), rest()));
    l.add(c("design-direct-write-pipe", "splice [192K,+32K), O_DIRECT write [192K,+16K), read the pipe",
        split(NONE, NEWER_VERSION, "ext4: the direct write flushes and invalidates the range's folios "
            + "(invalidate_inode_pages2_range ignores extra references), the pipe keeps the old ones; tmpfs has accepted "
            + "O_DIRECT since 6.6 but does the I/O through the page cache in place"), r5,
        fill64(), bigPipe(), new SpliceIn(192 * K, 32 * K), mut(DIRECT_WRITE, 192 * K, 16 * K), rest()));

    // ---- DESIGN section 2, sendfile(2) -> loopback socket, change before the receiver reads
    String skb = "sendfile splices into TCP with MSG_SPLICE_PAGES: the queued skbs hold page references until read";
    l.add(c("design-pwrite-sendfile", "sendfile [64K,+16K) to a loopback socket, pwrite 4 KiB at 68K before the receiver reads",
        both(NEWER_VERSION, skb), r1,
        fill64(), new SendFile(64 * K, 16 * K), mut(PWRITE, 68 * K, 4 * K), rest()));
    l.add(c("design-mmap-store-sendfile", "sendfile [0,+8K), mmap store 256 B at 128 before the receiver reads",
        both(NEWER_VERSION, skb), r2,
        fill64(), new SendFile(0, 8 * K), mut(MMAP_STORE, 128, 256), rest()));
    l.add(c("design-punch-whole-folio-sendfile", "sendfile [128K,+64K), punch [128K,+64K) before the receiver reads",
        both(NONE, skb + "; whole folios leave the mapping"), r3,
        fill64(), new SendFile(128 * K, 64 * K), mut(PUNCH_HOLE, 128 * K, 64 * K), rest()));
    l.add(c("design-punch-part-folio-sendfile", "sendfile [0,+64K), punch 1280 B at 8K+640 before the receiver reads",
        both(ZEROED, skb + "; partial folios are zeroed in place"), r4,
        fill64(), new SendFile(0, 64 * K), mut(PUNCH_HOLE, 8 * K + 640, 1280), rest()));
    l.add(c("design-direct-write-sendfile", "sendfile [192K,+32K), O_DIRECT write [192K,+16K) before the receiver reads",
        split(NONE, NEWER_VERSION, skb + "; ext4 invalidates (old bytes stay referenced), tmpfs writes in place"), r5,
        fill64(), new SendFile(192 * K, 32 * K), mut(DIRECT_WRITE, 192 * K, 16 * K), rest()));

    // ---- after the pipe was drained into the socket, before the receiver reads
    l.add(c("drained-pwrite", "splice [64K,+32K), splice the pipe into a loopback socket, pwrite [72K,+8K), receive",
        both(NEWER_VERSION, "draining moves the references from the pipe to the socket's queue"), "",
        fill64(), bigPipe(), new SpliceIn(64 * K, 32 * K), new DrainToSocket(), mut(PWRITE, 72 * K, 8 * K), rest()));
    l.add(c("drained-mmap-store", "splice [0,+16K), drain into the socket, mmap store 512 B at 4K+64, receive",
        both(NEWER_VERSION, "references in the socket queue see stores to the page"), "",
        fill64(), bigPipe(), new SpliceIn(0, 16 * K), new DrainToSocket(), mut(MMAP_STORE, 4 * K + 64, 512), rest()));
    l.add(c("drained-punch-part", "splice [64K,+64K), drain into the socket, punch 640 B at 68K+64, receive",
        both(ZEROED, "in-place zeroing reaches the socket's references"), "",
        fill64(), bigPipe(), new SpliceIn(64 * K, 64 * K), new DrainToSocket(), mut(PUNCH_HOLE, 68 * K + 64, 640), rest()));
    l.add(c("drained-punch-whole", "splice [128K,+64K), drain into the socket, punch [128K,+64K), receive",
        both(NONE, "removed folios stay alive for the socket's references"), "",
        fill64(), bigPipe(), new SpliceIn(128 * K, 64 * K), new DrainToSocket(), mut(PUNCH_HOLE, 128 * K, 64 * K), rest()));
    l.add(c("drained-direct-write", "splice [192K,+32K), drain into the socket, O_DIRECT write [192K,+32K), receive",
        split(NONE, NEWER_VERSION, "ext4 invalidation leaves the socket with the old folios; tmpfs writes in place"), "",
        fill64(), bigPipe(), new SpliceIn(192 * K, 32 * K), new DrainToSocket(), mut(DIRECT_WRITE, 192 * K, 32 * K),
        rest()));
    l.add(c("drained-truncate", "splice [128K,+64K), drain into the socket, ftruncate to 160K+1024, receive",
        split(ZEROED, ZEROED, "the straddling folio's tail is zeroed in place (ext4: 31744 B of the 64 KiB folio; "
            + "tmpfs: 3072 B of the 4 KiB page, whole pages past it leave the mapping)"), "",
        fill64(), bigPipe(), new SpliceIn(128 * K, 64 * K), new DrainToSocket(), mut(TRUNCATE, 160 * K + 1024, 0), rest()));

    // ---- tee, and where in the folio a punch lands
    l.add(c("tee-sees-pwrite", "splice [0,+16K), tee the pipe into a second pipe, pwrite [4K,+4K), read the second pipe",
        both(NEWER_VERSION, "tee duplicates the buffers, i.e. takes more references to the same folios"), "",
        fill64(), bigPipe(), new SpliceIn(0, 16 * K), new Tee(), mut(PWRITE, 4 * K, 4 * K), rest()));
    l.add(c("punch-4k-aligned-in-large-folio", "splice [64K,+64K), punch [80K,+8K): page-aligned, strictly inside the "
        + "64 KiB folio", split(ZEROED, NONE, "ext4: the folio is only partly covered, so it is zeroed in place "
            + "(splitting fails while the pipe holds references); tmpfs: two whole 4 KiB pages leave the mapping"), "",
        fill64(), bigPipe(), new SpliceIn(64 * K, 64 * K), mut(PUNCH_HOLE, 80 * K, 8 * K), rest()));
    l.add(c("punch-4k-aligned-small-folios", "file written in 4 KiB pwrites (order-0 folios), splice [64K,+64K), "
        + "punch [80K,+8K)", both(NONE, "folio size follows the write size: the two 4 KiB folios are removed whole"), "",
        new Fill(FILE, (int) (4 * K)), bigPipe(), new SpliceIn(64 * K, 64 * K), mut(PUNCH_HOLE, 80 * K, 8 * K), rest()));
    l.add(c("punch-across-folios-aligned", "splice [0,+128K), punch [60K,+8K): the last 4 KiB of one 64 KiB folio and "
        + "the first 4 KiB of the next", split(ZEROED, NONE, "ext4: both folios partly covered, zeroed in place; tmpfs: "
            + "whole pages removed"), "",
        fill64(), bigPipe(), new SpliceIn(0, 128 * K), mut(PUNCH_HOLE, 60 * K, 8 * K), rest()));
    l.add(c("punch-across-folios-unaligned", "splice [0,+128K), punch 1280 B at 64K-640 (across the folio boundary, "
        + "not page-aligned)", both(ZEROED, "partial pages/folios on both sides are zeroed in place"), "",
        fill64(), bigPipe(), new SpliceIn(0, 128 * K), mut(PUNCH_HOLE, 64 * K - 640, 1280), rest()));
    l.add(c("folios-from-unaligned-1m-write", "one 1 MiB pwrite at 64K (folios follow alignment: 64K, 128K, 256K, "
        + "512K, 64K), splice [256K,+256K), punch [320K,+8K) (page-aligned, inside the 256 KiB folio)",
        split(ZEROED, NONE, "a buffered write allocates the largest naturally aligned folio its remaining length "
            + "allows; a partly punched large folio is zeroed in place"), "",
        new Fill(64 * K, (int) (64 * K)), bigPipe(), mut(PWRITE, 64 * K, 1024 * K), new SpliceIn(256 * K, 256 * K),
        mut(PUNCH_HOLE, 320 * K, 8 * K), rest()));
    l.add(c("folio-2m-from-2m-write", "4 MiB written in 2 MiB pwrites (PMD-sized folios), splice [2M,+256K), punch "
        + "[2M+64K,+8K)", split(ZEROED, NONE, "the largest page-cache folio is 2 MiB (order 9); partly punched: zeroed in "
            + "place"), "",
        new Fill(4096 * K, (int) (2048 * K)), bigPipe(), new SpliceIn(2048 * K, 256 * K), mut(PUNCH_HOLE, 2112 * K, 8 * K),
        rest()));
    l.add(c("punch-whole-then-rewrite", "splice [128K,+64K), punch [128K,+64K), pwrite [128K,+64K) again, read the pipe",
        both(NONE, "the rewrite goes into a new folio; the pipe still references the removed one"), "",
        fill64(), bigPipe(), new SpliceIn(128 * K, 64 * K), mut(PUNCH_HOLE, 128 * K, 64 * K), mut(PWRITE, 128 * K, 64 * K),
        rest()));
    l.add(c("zero-range-part-folio", "splice [0,+64K), fallocate(ZERO_RANGE) 1280 B at 8K+640",
        split(ZEROED, null, "ext4 zeroes partial blocks in the page cache in place; tmpfs does not implement "
            + "ZERO_RANGE (EOPNOTSUPP)"), "",
        fill64(), bigPipe(), new SpliceIn(0, 64 * K), mut(ZERO_RANGE, 8 * K + 640, 1280), rest()));
    l.add(c("zero-range-whole-folio", "splice [128K,+64K), fallocate(ZERO_RANGE) [128K,+64K)",
        split(NONE, null, "ext4_zero_range drops the range's page cache (truncate_pagecache_range): the folio leaves "
            + "the mapping"), "",
        fill64(), bigPipe(), new SpliceIn(128 * K, 64 * K), mut(ZERO_RANGE, 128 * K, 64 * K), rest()));

    // ---- truncate
    l.add(c("truncate-page-aligned", "splice [128K,+64K), ftruncate to 160K (page-aligned, inside the 64 KiB folio)",
        split(ZEROED, NONE, "ext4: the straddling 64 KiB folio's tail [160K,192K) is zeroed in place; tmpfs: the pages "
            + "past EOF are whole and leave the mapping"), "",
        fill64(), bigPipe(), new SpliceIn(128 * K, 64 * K), mut(TRUNCATE, 160 * K, 0), rest()));
    l.add(c("truncate-unaligned", "splice [128K,+64K), ftruncate to 160K+1024",
        split(ZEROED, ZEROED, "the straddling folio (ext4: 64 KiB, tmpfs: 4 KiB) is zeroed from EOF to its end"), "",
        fill64(), bigPipe(), new SpliceIn(128 * K, 64 * K), mut(TRUNCATE, 160 * K + 1024, 0), rest()));
    l.add(c("truncate-then-extend", "splice [128K,+64K), ftruncate to 160K+1024 then back to 256K, read the pipe",
        split(ZEROED, ZEROED, "extending exposes zeros but does not touch the pipe's folios: same as truncate-unaligned"),
        "", fill64(), bigPipe(), new SpliceIn(128 * K, 64 * K), mut(TRUNCATE, 160 * K + 1024, 0), mut(EXTEND, FILE, 0),
        rest()));
    l.add(c("truncate-below-range", "splice [128K,+64K), ftruncate to 64K (every spliced folio is past EOF)",
        both(NONE, "folios wholly past EOF leave the mapping; references keep them"), "",
        fill64(), bigPipe(), new SpliceIn(128 * K, 64 * K), mut(TRUNCATE, 64 * K, 0), rest()));

    // ---- controls and timing
    l.add(c("control-read-before-pwrite", "splice [64K,+16K), read the pipe, then pwrite [64K,+16K)",
        both(NONE, "read(2) of the pipe copies: once read, later changes cannot reach the reader"), "",
        fill64(), bigPipe(), new SpliceIn(64 * K, 16 * K), rest(), mut(PWRITE, 64 * K, 16 * K)));
    l.add(c("control-pwrite-before-splice", "pwrite [64K,+16K), then splice [64K,+16K) and read",
        both(NONE, "a change before the hand-off is part of the snapshot"), "",
        fill64(), bigPipe(), mut(PWRITE, 64 * K, 16 * K), new SpliceIn(64 * K, 16 * K), rest()));
    l.add(c("control-pwrite-outside-range", "splice [64K,+16K), pwrite [96K,+4K) (same 64 KiB folio, outside the range)",
        both(NONE, "the reader only gets the spliced slice of the folio"), "",
        fill64(), bigPipe(), new SpliceIn(64 * K, 16 * K), mut(PWRITE, 96 * K, 4 * K), rest()));
    l.add(c("pwrite-torn-cells", "splice [64K,+16K), pwrite 256 B at 68K+32 (starts and ends mid-cell)",
        both(TORN, "the change lands in place: 2 cells half old half new (TORN), 3 whole new cells"), "",
        fill64(), bigPipe(), new SpliceIn(64 * K, 16 * K), mut(PWRITE, 68 * K + 32, 256), rest()));
    l.add(c("pwrite-mid-read", "splice [0,+32K), the reader reads 16 KiB, pwrite [0,+32K), the reader reads the rest",
        both(NEWER_VERSION, "only the part still referenced by the pipe changes: 16384 B newer"), "",
        fill64(), bigPipe(), new SpliceIn(0, 32 * K), new Receive(16 * K), mut(PWRITE, 0, 32 * K), rest()));
    l.add(c("pipe-16-slots-short-splice", "F_SETPIPE_SZ 64 KiB (16 buffers), splice 256 KiB from offset 1024: "
        + "short (one buffer per page: 3072 + 15 x 4096 B), then pwrite [32K,+4K)",
        both(NEWER_VERSION, "splice stops when the pipe's 16 slots are used; references as usual"), "",
        fill64(), new PipeSize((int) (64 * K)), new SpliceIn(1024, FILE), mut(PWRITE, 32 * K, 4 * K), rest()));
    l.add(c("pipe-size-rounding", "F_SETPIPE_SZ 20000 (rounded up to 8 pages), splice [0,+64K): 32 KiB, "
        + "then punch 1280 B at 8K+640",
        both(ZEROED, "round_pipe_size gives 8 buffers; in-place zeroing of the partial page"), "",
        fill64(), new PipeSize(20000), new SpliceIn(0, 64 * K), mut(PUNCH_HOLE, 8 * K + 640, 1280), rest()));
    l.add(c("sendfile-punch-across-folios", "sendfile [0,+128K), punch [60K,+8K) before the receiver reads",
        split(ZEROED, NONE, "as punch-across-folios-aligned, with the socket holding the references"), "",
        fill64(), new SendFile(0, 128 * K), mut(PUNCH_HOLE, 60 * K, 8 * K), rest()));
    l.add(c("cold-cache-punch-4k-aligned", "write, fdatasync, drop the page cache, splice [64K,+64K) (folios come from "
        + "read-ahead), punch [80K,+8K)", new Expectation(null, NONE, "depends on the folio size read-ahead allocates; "
            + "the model sizes read-ahead folios from its 128 KiB window"), "",
        fill64(), new Evict(), bigPipe(), new SpliceIn(64 * K, 64 * K), mut(PUNCH_HOLE, 80 * K, 8 * K), rest()));

    l.add(c("cold-cache-sequential-punch", "write, fdatasync, drop the page cache, splice the whole file from 0 "
        + "(sequential read-ahead), punch [208K,+8K) (page-aligned, inside the last 64 KiB)",
        new Expectation(null, NONE, "depends on the folio sizes the read-ahead ramp allocates"), "",
        fill64(), new Evict(), bigPipe(), new SpliceIn(0, FILE), mut(PUNCH_HOLE, 208 * K, 8 * K), rest()));

    // ---- vmsplice of user memory
    l.add(c("vmsplice-then-store", "vmsplice 16 KiB of anonymous user memory, store 4 KiB into it at +4K, read the pipe",
        both(NEWER_VERSION, "vmsplice takes references to the user pages (no copy)"), "",
        new UserFill((int) (16 * K)), bigPipe(), new Vmsplice(0, 16 * K, false), mut(USER_STORE, 4 * K, 4 * K), rest()));
    l.add(c("vmsplice-gift-then-store", "as vmsplice-then-store with SPLICE_F_GIFT",
        both(NEWER_VERSION, "the gift flag only matters to a consumer that steals the page; a reader copies it"), "",
        new UserFill((int) (16 * K)), bigPipe(), new Vmsplice(0, 16 * K, true), mut(USER_STORE, 4 * K, 4 * K), rest()));
    l.add(c("vmsplice-then-dontneed", "vmsplice 16 KiB of user memory, madvise(MADV_DONTNEED) [4K,+8K), read the pipe",
        both(NONE, "the pages leave the process's mapping; the pipe's references keep them with their bytes"), "",
        new UserFill((int) (16 * K)), bigPipe(), new Vmsplice(0, 16 * K, false), mut(USER_DONTNEED, 4 * K, 8 * K),
        rest()));
    l.add(c("dirty-pipe-merge", "Dirty Pipe recipe: use every pipe slot with write() and drain, splice 64 B at 4096, "
        + "write 64 B into the pipe, read the pipe, then pread the file's page",
        both(NONE, "since 5.16.11/5.15.25 a spliced buffer never carries PIPE_BUF_FLAG_CAN_MERGE: the pipe write gets "
            + "a new buffer and the page cache is untouched"), "",
        new Fill(16 * K, (int) (4 * K)), new PrimePipe(), new SpliceIn(4096, 64), new PipeWrite(4096 + 64, 64),
        new Receive(128), new ReadFile(4096, 4096)));
    return List.copyOf(l);
  }

  public static Optional<FidelityCase> byName(String name) {
    return all().stream().filter(x -> x.name().equals(name)).findFirst();
  }

  public static List<String> names() {
    return all().stream().map(FidelityCase::name).toList();
  }
}
