package dev.splicelab.kernel;

import dev.splicelab.proto.FailureClass;
import dev.splicelab.proto.FsProfile;

/**
 * What a case is expected to show on each filesystem profile, and why (the kernel mechanism, or the
 * DESIGN row). A null class means "no documented expectation": the run measures it.
 */
public record Expectation(FailureClass ext4, FailureClass tmpfs, String why) {

  public static Expectation both(FailureClass c, String why) {
    return new Expectation(c, c, why);
  }

  public FailureClass forProfile(FsProfile p) {
    return p == FsProfile.TMPFS ? tmpfs : ext4;
  }
}
