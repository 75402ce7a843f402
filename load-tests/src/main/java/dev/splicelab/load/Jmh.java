package dev.splicelab.load;

import dev.splicelab.launcher.fleet.ServiceJvm;
import dev.splicelab.load.jmh.HotCode;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/** Runs {@link HotCode} with JMH (one fork, the services' JVM options) and reads bytes per second per core off it. */
final class Jmh {

  /** One benchmark: MB/s per core (10^6 bytes), its 99.9% error, and its ratio to System.arraycopy's. */
  record Result(String name, long bytesPerOp, double opsPerSecond, double mbPerSecond, double errorMbPerSecond,
      double ofArraycopy) {}

  private Jmh() {}

  static List<Result> run(PrintStream out) throws Exception {
    out.println("[jmh] the hot code, one core each (JMH, 1 fork, 3 x 1 s warm-up, 5 x 1 s measured)...");
    Options opts = new OptionsBuilder().include(HotCode.class.getName() + "\\..*")
        .jvmArgsPrepend(ServiceJvm.options("jmh").toArray(new String[0])).build();
    Collection<RunResult> results = new Runner(opts).run();
    List<Result> raw = new ArrayList<>();
    double arraycopy = 0;
    for (RunResult r : results) {
      String label = r.getParams().getBenchmark();
      String name = label.substring(label.lastIndexOf('.') + 1);
      int bytes = HotCode.BYTES.getOrDefault(name, 0);
      double ops = r.getPrimaryResult().getScore();
      double err = r.getPrimaryResult().getScoreError();
      double mb = ops * bytes / 1e6;
      if (name.equals("arraycopy")) {
        arraycopy = mb;
      }
      raw.add(new Result(name, bytes, ops, mb, Double.isNaN(err) ? 0 : err * bytes / 1e6, 0));
    }
    List<Result> out2 = new ArrayList<>();
    for (Result r : raw) {
      out2.add(new Result(r.name(), r.bytesPerOp(), r.opsPerSecond(), r.mbPerSecond(), r.errorMbPerSecond(),
          arraycopy > 0 ? r.mbPerSecond() / arraycopy : 0));
    }
    return out2;
  }

  static String table(List<Result> rs) {
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-16s %10s %14s %12s %12s%n", "jmh benchmark", "bytes/op",
        "MB/s per core", "+-99.9%", "vs arraycopy"));
    for (Result r : rs) {
      b.append(String.format(Locale.ROOT, "%-16s %10d %14.1f %12.1f %12.3f%n", r.name(), r.bytesPerOp(), r.mbPerSecond(),
          r.errorMbPerSecond(), r.ofArraycopy()));
    }
    return b.toString();
  }
}
