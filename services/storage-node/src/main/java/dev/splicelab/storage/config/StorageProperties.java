package dev.splicelab.storage.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * storage-node settings (prefix splicelab.storage).
 *
 * @param dataDir directory holding the block-device files (one real file per cached file)
 * @param maxFileSize largest file, bytes
 * @param deviceLatencyMicros latency added to every block-device I/O, microseconds
 * @param readaheadBytes read-ahead window on a miss, bytes (also the folio size it brings in on EXT4)
 * @param writebackIntervalMillis period of the flusher writing dirty folios back, milliseconds
 * @param arenaPath the node's physical memory: a file of page frames that peers on this host map
 *     (unset: a fresh file under /dev/shm when that is a writable tmpfs, else under dataDir)
 * @param arenaBytes size of that memory, bytes (a sparse file: frames cost RAM once written),
 *     from 16 MiB to 64 GiB; default 1 GiB
 */
@ConfigurationProperties("splicelab.storage")
public record StorageProperties(
    Path dataDir, long maxFileSize, long deviceLatencyMicros, int readaheadBytes, long writebackIntervalMillis,
    Path arenaPath, long arenaBytes) {

  public StorageProperties {
    if (dataDir == null) {
      dataDir = Path.of(System.getProperty("java.io.tmpdir"), "splicelab-storage");
    }
    if (maxFileSize <= 0) {
      maxFileSize = 64L << 20;
    }
    if (readaheadBytes <= 0) {
      readaheadBytes = 128 << 10;
    }
    if (writebackIntervalMillis <= 0) {
      writebackIntervalMillis = 5000;
    }
    if (deviceLatencyMicros < 0) {
      throw new IllegalArgumentException("splicelab.storage.device-latency-micros: must be >= 0, got " + deviceLatencyMicros);
    }
    if (arenaBytes == 0) {
      arenaBytes = 1L << 30;
    }
    if (arenaBytes < (16L << 20) || arenaBytes > (64L << 30)) {
      throw new IllegalArgumentException("splicelab.storage.arena-bytes: must be between 16 MiB and 64 GiB, got " + arenaBytes);
    }
    if (arenaPath == null) {
      Path shm = Path.of("/dev/shm");
      Path dir = Files.isDirectory(shm) && Files.isWritable(shm) ? shm : dataDir;
      arenaPath = dir.resolve("splicelab-arena-" + UUID.randomUUID() + ".mem");
    }
  }
}
