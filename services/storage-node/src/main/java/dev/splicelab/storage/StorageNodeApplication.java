package dev.splicelab.storage;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The storage node: page cache (folios, pins, versions) over a block device that is a real file. */
@SpringBootApplication
public class StorageNodeApplication {
  public static void main(String[] args) {
    SpringApplication.run(StorageNodeApplication.class, args);
  }
}
