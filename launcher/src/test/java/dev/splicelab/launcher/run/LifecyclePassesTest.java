package dev.splicelab.launcher.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.splicelab.launcher.scenario.Scenario;
import dev.splicelab.launcher.scenario.ScenarioLoader;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The auto warm-up's closing cells cover every strategy, sender mode, profile and workload. */
class LifecyclePassesTest {

  @Test
  void theMatrixAndTheMechanismsScenarioRunEveryCodePathOnceBeforeTheirFirstCell() throws Exception {
    for (String name : List.of("matrix", "mechanisms", "quickstart")) {
      Scenario sc = ScenarioLoader.builtIn(name);
      List<RunDriver.Cell> passes = RunDriver.lifecyclePasses(sc);
      Set<String> strategies = new HashSet<>();
      Set<String> modes = new HashSet<>();
      Set<String> profiles = new HashSet<>();
      Set<String> workloads = new HashSet<>();
      Set<Integer> indices = new HashSet<>();
      for (RunDriver.Cell c : passes) {
        strategies.add(c.strategy());
        modes.add(c.senderMode());
        profiles.add(c.profile().name());
        workloads.add(c.workload().name());
        assertThat(c.index()).as("%s: an unmeasured cell's number", name).isLessThanOrEqualTo(-2);
        indices.add(c.index());
      }
      assertThat(indices).as("%s: distinct cell numbers", name).hasSize(passes.size());
      assertThat(strategies).as(name).containsExactlyInAnyOrderElementsOf(sc.strategies());
      assertThat(modes).as(name).containsExactlyInAnyOrderElementsOf(sc.senderModes());
      assertThat(profiles).as(name).containsExactlyInAnyOrderElementsOf(sc.faultProfiles().stream().map(Scenario.FaultProfile::name).toList());
      assertThat(workloads).as(name).containsExactlyInAnyOrderElementsOf(sc.workloads().stream().map(Scenario.Workload::name).toList());
      int longest = Math.max(Math.max(sc.strategies().size(), sc.senderModes().size()),
          Math.max(sc.faultProfiles().size(), sc.workloads().size()));
      assertThat(passes).as("%s: no more cells than its longest list (at least 2)", name).hasSize(Math.max(2, longest));
    }
  }
}
