package dev.splicelab.launcher.kernelrun;

import dev.splicelab.launcher.fleet.KafkaBroker;
import dev.splicelab.launcher.fleet.ProcessCpu;
import dev.splicelab.launcher.scenario.Scenario;
import dev.splicelab.proto.RunContext;
import dev.splicelab.proto.SenderMode;
import dev.splicelab.proto.Strategy;
import dev.splicelab.proto.TimeFidelity;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import org.HdrHistogram.Histogram;

/**
 * One cell of the kernel's own path for the load tests: the scenario's first workload under SHARE
 * (splice file -> pipe -> loopback socket) or COPY_AT_SPLICE (read + write), its records published
 * to {@code bootstrap} as a kernel run publishes them, without judging, on topics of their own
 * ({@link #TOPIC_PREFIX} before each history topic's name): the model's checker, running beside in
 * the interleaved load test, must neither spend CPU on them during the bench nor keep their
 * transfers, which no one finalizes.
 */
public final class KernelBench {

  /** Put before each history topic's name for the benches' records. */
  public static final String TOPIC_PREFIX = "bench.";

  /** What the cell measured; cpuNanos is this JVM's CPU time over the cell (-1 when unknown). */
  public record Result(long transfers, long delivered, long deliveredBytes, double activeSeconds, Histogram latencyMicros,
      TimeFidelity fidelity, long mutations, long cpuNanos) {}

  private KernelBench() {}

  public static Result run(Scenario dilated, String strategy, String runId, int cell, long seed, Path dir, String bootstrap,
      Duration duration, PrintStream out) throws InterruptedException {
    if (!KernelRun.RUNNABLE.containsKey(strategy)) {
      throw new IllegalArgumentException("strategy: the kernel runs " + KernelRun.RUNNABLE.keySet() + ", got " + strategy);
    }
    Scenario.Workload w = dilated.workloads().get(0);
    RunContext ctx = RunContext.newBuilder().setRunId(runId).setCell(cell).setScenario(dilated.name())
        .setStrategy(Strategy.valueOf(strategy)).setSenderMode(SenderMode.SENDER_MODE_UNSPECIFIED).setFaultProfile("loopback")
        .setWorkload(w.name()).build();
    KafkaBroker.ensureTopics(bootstrap, TOPIC_PREFIX);
    try (Records records = new Records(bootstrap, TOPIC_PREFIX)) {
      long cpu0 = ProcessCpu.self();
      KernelCell.Stats st = new KernelCell("[kernel " + strategy + "]", 30000 + cell, false, ctx, dilated, w, seed, records, out)
          .run(dir, duration, "splicelab-load-" + ProcessHandle.current().pid() + "-" + cell + ".dat");
      records.flush();
      long cpu1 = ProcessCpu.self();
      return new Result(st.transfersStarted(), st.delivered(), st.deliveredBytes(), st.activeSeconds(), st.latencyMicros(),
          st.fidelity(), st.mutations(), cpu0 < 0 || cpu1 < 0 ? -1 : cpu1 - cpu0);
    }
  }
}
