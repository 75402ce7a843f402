package dev.splicelab.common;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.support.ResourcePropertySource;

/**
 * Adds splicelab-common.properties as the lowest-precedence property source of every service, so
 * the shared defaults (idempotent byte-array producer, exposed Prometheus endpoint, gRPC on its own
 * Netty server) apply before any auto-configuration runs, and each service's application.yaml,
 * environment variables and command line still override them.
 */
public class SplicelabDefaults implements EnvironmentPostProcessor {

  @Override
  public void postProcessEnvironment(ConfigurableEnvironment env, SpringApplication app) {
    try {
      env.getPropertySources().addLast(new ResourcePropertySource("splicelab-common", new ClassPathResource("splicelab-common.properties")));
    } catch (IOException e) {
      throw new UncheckedIOException("splicelab-common.properties missing from the classpath", e);
    }
  }
}
