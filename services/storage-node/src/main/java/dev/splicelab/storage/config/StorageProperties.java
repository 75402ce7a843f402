package dev.splicelab.storage.config;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * storage-node settings (prefix splicelab.storage).
 *
 * @param dataDir directory holding the block-device files (one real file per cached file)
 * @param maxFileSize largest file, bytes
 * @param deviceLatencyMicros latency added to every block-device I/O, microseconds
 * @param readaheadBytes read-ahead window on a miss, bytes (also the folio size it brings in on EXT4)
 * @param writebackIntervalMillis period of the flusher writing dirty folios back, milliseconds
 */
@ConfigurationProperties("splicelab.storage")
public record StorageProperties(
    Path dataDir, long maxFileSize, long deviceLatencyMicros, int readaheadBytes, long writebackIntervalMillis) {

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
  }
}
