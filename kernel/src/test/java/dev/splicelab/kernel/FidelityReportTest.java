package dev.splicelab.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.splicelab.kernel.FidelityRow.Agreement;
import dev.splicelab.proto.FailureClass;
import dev.splicelab.proto.FsProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** fidelity.json and fidelity.html: escaped, self-contained, carrying both verdicts and the environment. */
class FidelityReportTest {

  @TempDir
  Path out;

  static Environment env() {
    return new Environment("6.18.0-test", "#1 SMP", "x86_64", Path.of("/tmp/x"), 0xEF53L, "ext2/ext3/ext4 (0x0000EF53)",
        "/", "ext4", "/dev/vda", "rw,relatime", "rw", FsProfile.EXT4, "64Kx4@0", "4Kx64@0", "", "OpenJDK 17");
  }

  static FidelityRow row() {
    FidelityCase c = new FidelityCase("evil", "a <script>alert(\"x\")</script> & \"quotes\"",
        Expectation.both(FailureClass.NEWER_VERSION, "why <b>"), List.of(new Step.Fill(4096, 4096)), "");
    Verdict k = new Verdict(FailureClass.NEWER_VERSION, 64, Map.of("NEWER_VERSION", 64L), 128, 128,
        List.of("file offset 0: NEWER_VERSION (op 101 instead of op 1)"));
    Verdict m = new Verdict(FailureClass.NONE, 0, Map.of(), 128, 128, List.of());
    return new FidelityRow(c, FailureClass.NEWER_VERSION, new Outcome(k, null, null, "64K@0", List.of("pwrite <x>")),
        new Outcome(m, null, null, "64K@0", List.of("write")), Agreement.NO, "kernel \"NEWER\" vs model\nNONE");
  }

  @Test
  void htmlIsEscapedAndSelfContained() throws Exception {
    FidelityReport.write(List.of(row()), env(), out);
    String html = Files.readString(out.resolve("fidelity.html"));
    assertThat(html).doesNotContain("<script>").contains("a &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp;")
        .contains("pwrite &lt;x&gt;").contains("6.18.0-test").contains("class=\"NO\"");
    assertThat(html).doesNotContainPattern("(?i)(src|href)\\s*=").doesNotContain("http://").doesNotContain("https://");
  }

  @Test
  void jsonCarriesBothVerdictsTheEnvironmentAndEscapes() throws Exception {
    FidelityReport.write(List.of(row()), env(), out);
    String json = Files.readString(out.resolve("fidelity.json"));
    assertThat(json).contains("\"kernel_release\": \"6.18.0-test\"").contains("\"mount_options\": \"rw,relatime\"")
        .contains("\"agree\": \"NO\"").contains("\"class\": \"NEWER_VERSION\", \"wrong_bytes\": 64")
        .contains("\"class\": \"NONE\", \"wrong_bytes\": 0").contains("\"note\": \"kernel \\\"NEWER\\\" vs model\\nNONE\"")
        .contains("\"summary\": {\"YES\": 0, \"NO\": 1, \"NOT_RUNNABLE\": 0, \"ERROR\": 0}");
    // balanced braces and brackets outside strings: a cheap well-formedness check
    int depth = 0;
    boolean inString = false;
    for (int i = 0; i < json.length(); i++) {
      char ch = json.charAt(i);
      if (inString) {
        if (ch == '\\') {
          i++;
        } else if (ch == '"') {
          inString = false;
        }
      } else if (ch == '"') {
        inString = true;
      } else if (ch == '{' || ch == '[') {
        depth++;
      } else if (ch == '}' || ch == ']') {
        depth--;
        assertThat(depth).isGreaterThanOrEqualTo(0);
      }
    }
    assertThat(depth).isZero();
    assertThat(inString).isFalse();
  }

  @Test
  void consoleTableAndDetail() {
    String t = FidelityReport.table(List.of(row()), env());
    assertThat(t).contains("kernel 6.18.0-test x86_64").contains("evil").contains("NEWER_VERSION 64").contains("NO")
        .contains("1 cases: {YES=0, NO=1, NOT_RUNNABLE=0, ERROR=0}");
    assertThat(FidelityReport.detail(row())).contains("-- kernel: NEWER_VERSION 64 B of 128").contains("-- model: NONE (128 B)")
        .contains("first wrong: file offset 0");
  }
}
