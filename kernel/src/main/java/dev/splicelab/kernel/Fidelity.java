package dev.splicelab.kernel;

import dev.splicelab.kernel.FidelityRow.Agreement;
import dev.splicelab.proto.FailureClass;
import dev.splicelab.proto.FsProfile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs fidelity cases on the real kernel (a file in the chosen directory) and on the storage model
 * (PageCache in-process, with the profile of the directory's filesystem) and compares.
 */
public final class Fidelity {

  /** The rows and where they were measured. */
  public record Result(Environment env, List<FidelityRow> rows) {

    public long count(Agreement a) {
      return rows.stream().filter(r -> r.agree() == a).count();
    }
  }

  private Fidelity() {}

  /** Every case in {@link FidelityCases#all()}. */
  public static Result run(Path dir) throws IOException {
    return run(dir, FidelityCases.all());
  }

  public static Result run(Path dir, List<FidelityCase> cases) throws IOException {
    Environment env = Environment.detect(dir);
    List<FidelityRow> rows = new ArrayList<>();
    for (FidelityCase c : cases) {
      rows.add(runCase(c, env));
    }
    return new Result(env, rows);
  }

  /** The case on the real kernel, in the environment's directory. */
  public static Outcome onKernel(FidelityCase c, Path dir) {
    try (KernelBackend k = new KernelBackend(dir, c.name())) {
      return CaseRunner.run(c, k);
    }
  }

  /** The case on the storage model with the given filesystem profile. */
  public static Outcome onModel(FidelityCase c, FsProfile profile) {
    try (ModelBackend m = new ModelBackend(profile)) {
      return CaseRunner.run(c, m);
    }
  }

  public static FidelityRow runCase(FidelityCase c, Environment env) {
    Outcome kernel = onKernel(c, env.dir());
    Outcome model = onModel(c, env.modelProfile());
    FailureClass expected = c.expect().forProfile(env.modelProfile());
    Agreement agree;
    if (kernel.notRunnable() != null) {
      agree = Agreement.NOT_RUNNABLE;
    } else if (!kernel.ran() || !model.ran()) {
      agree = Agreement.ERROR;
    } else {
      agree = kernel.verdict().sameAs(model.verdict()) ? Agreement.YES : Agreement.NO;
    }
    List<String> note = new ArrayList<>();
    if (!kernel.folios().isEmpty() || !model.folios().isEmpty()) {
      note.add(kernel.folios().equals(model.folios()) ? "folios " + kernel.folios()
          : "folios: kernel " + kernel.folios() + ", model " + model.folios());
    }
    if (agree == Agreement.NOT_RUNNABLE) {
      note.add(kernel.notRunnable());
    }
    if (agree == Agreement.ERROR) {
      note.add(kernel.ran() ? "model: " + model.error() : "kernel: " + kernel.error());
    }
    if (agree == Agreement.NO) {
      note.add("kernel " + kernel.verdict().summary() + " vs model " + model.verdict().summary());
    }
    if (kernel.ran() && expected != null && kernel.verdict().failureClass() != expected) {
      note.add("kernel differs from the expectation " + expected);
    }
    return new FidelityRow(c, expected, kernel, model, agree, String.join("; ", note));
  }
}
