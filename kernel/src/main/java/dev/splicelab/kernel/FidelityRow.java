package dev.splicelab.kernel;

import dev.splicelab.proto.FailureClass;

/**
 * One line of the fidelity table.
 *
 * @param fidelityCase the case
 * @param expected the expected class for the directory's profile (null: not documented)
 * @param kernel what the real kernel did
 * @param model what the storage model did
 * @param agree YES, NO, NOT_RUNNABLE (the kernel refused a call) or ERROR
 * @param note folio layouts, and what differs
 */
public record FidelityRow(FidelityCase fidelityCase, FailureClass expected, Outcome kernel, Outcome model, Agreement agree,
    String note) {

  public enum Agreement { YES, NO, NOT_RUNNABLE, ERROR }

  public String name() {
    return fidelityCase.name();
  }
}
