package dev.splicelab.common.errors;

/**
 * A bounded resource (memory, table slots, a queue) is used up: the request was valid but cannot
 * be served now. The message names the resource, its bound and the setting that raises it. gRPC
 * endpoints report it as RESOURCE_EXHAUSTED.
 */
public class ResourceExhaustedException extends RuntimeException {
  public ResourceExhaustedException(String message) {
    super(message);
  }
}
