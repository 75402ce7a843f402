package dev.splicelab.kernel;

import dev.splicelab.proto.FailureClass;
import java.util.List;
import java.util.Map;

/**
 * What the reader got compared with what the file held when the data was handed off (SNAPSHOT):
 * the class (by the checker's severity order: LOST, ZEROED, TORN, OLDER_VERSION, NEWER_VERSION),
 * the wrong bytes in total and per class, how many bytes were expected and delivered, and the first
 * wrong cells decoded.
 */
public record Verdict(FailureClass failureClass, long wrongBytes, Map<String, Long> wrongByClass, long expectedBytes,
    long deliveredBytes, List<String> firstWrong) {

  /** "NEWER_VERSION 4096 B of 16384" or "NONE (16384 B)". */
  public String summary() {
    if (failureClass == FailureClass.NONE) {
      return "NONE (" + deliveredBytes + " B)";
    }
    StringBuilder sb = new StringBuilder(failureClass.name()).append(' ').append(wrongBytes).append(" B");
    if (wrongByClass.size() > 1) {
      sb.append(' ').append(wrongByClass);
    }
    return sb.append(" of ").append(expectedBytes).toString();
  }

  /** Same class, same wrong bytes per class, same amount delivered. */
  public boolean sameAs(Verdict o) {
    return failureClass == o.failureClass && wrongByClass.equals(o.wrongByClass) && deliveredBytes == o.deliveredBytes
        && expectedBytes == o.expectedBytes;
  }
}
