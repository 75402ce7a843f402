package dev.splicelab.mutator;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The mutator: concurrent writers changing the file under the data path. */
@SpringBootApplication
public class MutatorApplication {
  public static void main(String[] args) {
    SpringApplication.run(MutatorApplication.class, args);
  }
}
