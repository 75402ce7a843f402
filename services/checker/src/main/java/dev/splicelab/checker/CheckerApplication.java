package dev.splicelab.checker;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The checker: receiver endpoint of the link and the verifier judging every transfer from Kafka. */
@SpringBootApplication
public class CheckerApplication {
  public static void main(String[] args) {
    SpringApplication.run(CheckerApplication.class, args);
  }
}
