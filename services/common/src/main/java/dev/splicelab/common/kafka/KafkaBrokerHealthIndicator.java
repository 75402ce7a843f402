package dev.splicelab.common.kafka;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Health contributor "kafka": UP while the broker answers a describeCluster within the timeout,
 * DOWN (with the broker address and the error) otherwise, so a service whose Kafka is unreachable
 * never reports healthy (its events could not be logged). Thread-safe: the admin client is
 * created on first use and shared; one probe costs one round trip.
 */
public class KafkaBrokerHealthIndicator extends AbstractHealthIndicator implements DisposableBean {

  private final KafkaBootstrap bootstrap;
  private final Duration timeout;
  private volatile Admin admin;

  public KafkaBrokerHealthIndicator(KafkaBootstrap bootstrap, Duration timeout) {
    super("Kafka broker health check failed");
    this.bootstrap = bootstrap;
    this.timeout = timeout;
  }

  private Admin admin() {
    Admin a = admin;
    if (a == null) {
      synchronized (this) {
        if (admin == null) {
          int ms = (int) timeout.toMillis();
          admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap.toString(),
              AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, ms, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, ms,
              AdminClientConfig.CLIENT_ID_CONFIG, "splicelab-health"));
        }
        a = admin;
      }
    }
    return a;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) {
    builder.withDetail("bootstrap", bootstrap.toString());
    try {
      String cluster = admin().describeCluster(new DescribeClusterOptions().timeoutMs((int) timeout.toMillis()))
          .clusterId().get(timeout.toMillis() + 500, TimeUnit.MILLISECONDS);
      builder.up().withDetail("clusterId", cluster);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      builder.down().withDetail("error", "interrupted");
    } catch (Exception e) {
      Throwable c = e.getCause() != null ? e.getCause() : e;
      builder.down().withDetail("error", "Kafka at " + bootstrap + " unreachable: " + c.getClass().getSimpleName()
          + (c.getMessage() == null ? "" : ": " + c.getMessage()));
    }
  }

  @Override
  public void destroy() {
    Admin a = admin;
    if (a != null) {
      a.close(Duration.ofSeconds(2));
    }
  }
}
