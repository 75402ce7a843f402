package dev.splicelab.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.splicelab.proto.FailureClass;
import dev.splicelab.proto.FsProfile;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The model alone (no kernel needed): every case runs and gives the documented class on each
 * profile, except the known model gap (O_DIRECT on tmpfs).
 */
class ModelExpectationTest {

  static Stream<String> cases() {
    return FidelityCases.names().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void modelMatchesTheExpectationOnBothProfiles(String name) {
    FidelityCase c = FidelityCases.byName(name).orElseThrow();
    for (FsProfile p : new FsProfile[] {FsProfile.EXT4, FsProfile.TMPFS}) {
      Outcome o = Fidelity.onModel(c, p);
      assertThat(o.ran()).as("%s on %s: %s", name, p, o.summary()).isTrue();
      assertThat(o.verdict().deliveredBytes()).isEqualTo(o.verdict().expectedBytes());
      FailureClass want = c.expect().forProfile(p);
      if (want == null) {
        continue;
      }
      assertThat(o.verdict().failureClass()).as("%s on %s\n%s", name, p, String.join("\n", o.trace())).isEqualTo(want);
    }
  }

  @org.junit.jupiter.api.Test
  void caseNamesAreUniqueAndEveryDesignRowIsCoveredTwice() {
    assertThat(FidelityCases.names()).doesNotHaveDuplicates();
    assertThat(FidelityCases.all().stream().filter(FidelityCase::isDesignRow).map(FidelityCase::designRow).distinct())
        .hasSize(5);
    assertThat(FidelityCases.all().stream().filter(FidelityCase::isDesignRow)).hasSize(10);
    assertThat(FidelityCases.all().size()).isGreaterThanOrEqualTo(27);
  }

  @org.junit.jupiter.api.Test
  void pipeSlotsFollowRoundPipeSize() {
    assertThat(ModelBackend.pipeSlots(20000)).isEqualTo(8);
    assertThat(ModelBackend.pipeSlots(65536)).isEqualTo(16);
    assertThat(ModelBackend.pipeSlots(1)).isEqualTo(1);
    assertThat(ModelBackend.pipeSlots(262144)).isEqualTo(64);
  }
}
