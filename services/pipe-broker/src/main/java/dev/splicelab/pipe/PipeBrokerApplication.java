package dev.splicelab.pipe;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The pipe broker: pipes of bounded buffers holding folio references (or copies). */
@SpringBootApplication
public class PipeBrokerApplication {
  public static void main(String[] args) {
    SpringApplication.run(PipeBrokerApplication.class, args);
  }
}
