package dev.splicelab.common.grpc;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * Argument checks for gRPC endpoints. Every failure is an INVALID_ARGUMENT whose description
 * names the field, the allowed range and the value received, e.g.
 * {@code offset: must be >= 0, got -5}.
 */
public final class Args {

  private Args() {}

  public static StatusRuntimeException invalid(String field, String rule, Object got) {
    return Status.INVALID_ARGUMENT.withDescription(field + ": " + rule + ", got " + got).asRuntimeException();
  }

  public static long range(String field, long value, long min, long max) {
    if (value < min || value > max) {
      throw invalid(field, "must be between " + min + " and " + max, value);
    }
    return value;
  }

  public static double range(String field, double value, double min, double max) {
    if (!(value >= min && value <= max)) {
      throw invalid(field, "must be between " + min + " and " + max, value);
    }
    return value;
  }

  public static long multiple(String field, long value, long of, long min, long max) {
    if (value % of != 0 || value < min || value > max) {
      throw invalid(field, "must be a multiple of " + of + " between " + min + " and " + max, value);
    }
    return value;
  }

  public static void require(boolean condition, String field, String rule, Object got) {
    if (!condition) {
      throw invalid(field, rule, got);
    }
  }

  public static <E extends Enum<E>> E known(String field, E value, E unspecified, int number) {
    if (value == null || value == unspecified || value.name().equals("UNRECOGNIZED")) {
      throw invalid(field, "must be set to a known value", number);
    }
    return value;
  }
}
