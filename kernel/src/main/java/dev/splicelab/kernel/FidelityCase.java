package dev.splicelab.kernel;

import java.util.List;

/**
 * One small, precise experiment run on both the real kernel and the storage model.
 *
 * @param name kebab-case identifier (used by {@code --case} and {@code ./testbed kernel --scenario})
 * @param description what is done and where in the folio / when in the transfer
 * @param expect the expected class per filesystem profile, with the reason
 * @param steps what both backends do, in order
 * @param designRow the DESIGN section 2 row the case reproduces, or "" when it is not one
 */
public record FidelityCase(String name, String description, Expectation expect, List<Step> steps, String designRow) {

  public FidelityCase {
    steps = List.copyOf(steps);
  }

  public boolean isDesignRow() {
    return !designRow.isEmpty();
  }
}
