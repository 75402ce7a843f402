package dev.splicelab.kernel;

import java.util.List;

/**
 * The result of one case on one backend: a verdict, or the reason it could not run (the failing
 * call's message) or an unexpected error; plus the folio layout of the transferred range after the
 * hand-off and the trace of what was done.
 */
public record Outcome(Verdict verdict, String notRunnable, String error, String folios, List<String> trace) {

  public boolean ran() {
    return verdict != null;
  }

  public String summary() {
    if (verdict != null) {
      return verdict.summary();
    }
    return notRunnable != null ? "NOT RUNNABLE: " + notRunnable : "ERROR: " + error;
  }

  /** The verdict class name, "NOT_RUNNABLE" or "ERROR". */
  public String className() {
    if (verdict != null) {
      return verdict.failureClass().name();
    }
    return notRunnable != null ? "NOT_RUNNABLE" : "ERROR";
  }
}
