package dev.splicelab.common.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Kafka bootstrap address a service was configured with (spring.kafka.bootstrap-servers, set
 * from SPLICELAB_KAFKA), checked at start-up so that a container without it stops at once with a
 * message saying what to set, instead of retrying a broker that is not there.
 */
public record KafkaBootstrap(List<String> servers) {

  private static final Pattern HOST_PORT = Pattern.compile("([A-Za-z0-9._-]+|\\[[0-9a-fA-F:]+\\]):(\\d{1,5})");

  /** Thrown for a missing or malformed address; {@link InvalidKafkaAddressFailureAnalyzer} reports it. */
  public static final class InvalidKafkaAddressException extends IllegalStateException {
    public InvalidKafkaAddressException(String message) {
      super(message);
    }
  }

  /**
   * Parses a comma-separated HOST:PORT list.
   *
   * @throws InvalidKafkaAddressException naming the property, the value and the allowed form
   */
  public static KafkaBootstrap parse(String value) {
    if (value == null || value.isBlank()) {
      throw new InvalidKafkaAddressException("spring.kafka.bootstrap-servers is empty: set SPLICELAB_KAFKA to the Kafka "
          + "broker's HOST:PORT (kafka:9092 in docker-compose.yml)");
    }
    List<String> servers = new ArrayList<>();
    for (String part : value.split(",")) {
      String s = part.trim();
      Matcher m = HOST_PORT.matcher(s);
      int port = m.matches() ? Integer.parseInt(m.group(2)) : -1;
      if (port < 1 || port > 65535) {
        throw new InvalidKafkaAddressException("spring.kafka.bootstrap-servers (SPLICELAB_KAFKA): '" + s + "' is not "
            + "HOST:PORT with a port from 1 to 65535 (whole value: '" + value + "')");
      }
      servers.add(s);
    }
    return new KafkaBootstrap(List.copyOf(servers));
  }

  @Override
  public String toString() {
    return String.join(",", servers);
  }
}
