package dev.splicelab.sender;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The network sender: the application, its socket and NIC, and the retransmit queue. */
@SpringBootApplication
public class NetworkSenderApplication {
  public static void main(String[] args) {
    SpringApplication.run(NetworkSenderApplication.class, args);
  }
}
