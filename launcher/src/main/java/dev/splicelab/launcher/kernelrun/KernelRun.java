package dev.splicelab.launcher.kernelrun;

import dev.splicelab.launcher.Testbed;

import dev.splicelab.checker.domain.HistoryReader;
import dev.splicelab.checker.domain.VerdictRecords;
import dev.splicelab.checker.domain.Verifier;
import dev.splicelab.kernel.Environment;
import dev.splicelab.kernel.sys.Fd;
import dev.splicelab.kernel.sys.Sys;
import dev.splicelab.kernel.sys.SyscallException;
import dev.splicelab.launcher.fleet.KafkaBroker;
import dev.splicelab.launcher.report.CellResult;
import dev.splicelab.launcher.report.ReportWriter;
import dev.splicelab.launcher.report.RunReport;
import dev.splicelab.launcher.run.HistoryRecorder;
import dev.splicelab.launcher.scenario.Scenario;
import dev.splicelab.launcher.scenario.ScenarioLoader;
import dev.splicelab.proto.CellSummary;
import dev.splicelab.proto.FailureClass;
import dev.splicelab.proto.RunContext;
import dev.splicelab.proto.SenderMode;
import dev.splicelab.proto.Strategy;
import dev.splicelab.proto.Topics;
import dev.splicelab.proto.VerdictRecord;
import dev.splicelab.proto.Witness;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;
import org.HdrHistogram.Histogram;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code testbed kernel}: a scenario's transfers and mutations on the real kernel. For each runnable
 * strategy (SHARE: splice file -> pipe, residency, splice pipe -> loopback TCP socket;
 * COPY_AT_SPLICE: read(2) into a user buffer at splice time, write(2) to the socket) and each
 * workload, one cell: a real file in --dir filled with self-describing cells, the scenario's writers
 * making real pwrite / mmap-store / punch / truncate / O_DIRECT changes, the scenario's connections
 * each with its own pipe, socket and receiver. Every change, splice-in and delivery is published
 * to Kafka as the services publish it (same records, same RunContext fields, keyed by file id),
 * and each cell is judged by the checker's own {@link Verifier}, fed by the checker's own
 * {@link HistoryReader} from Kafka. The run directory has the same files as a model run plus
 * {@code kernel.json} (kernel, filesystem, mount options, folio probes, what did not apply).
 *
 * <p>Nothing is injected: what the receivers get is what the kernel's references delivered.
 */
public final class KernelRun {

  /** Strategies the real kernel can run, and how. */
  public static final Map<String, String> RUNNABLE = runnable();

  private static Map<String, String> runnable() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("SHARE", "splice(2) file -> pipe (page references), residency, splice(2) pipe -> loopback TCP socket");
    m.put("COPY_AT_SPLICE", "pread(2) into a user buffer at splice time (a real copy), residency, write(2) to the socket");
    return java.util.Collections.unmodifiableMap(m);
  }

  /** The note every kernel run prints about INTEGRITY. */
  public static final String INTEGRITY_NOTE = "INTEGRITY: the kernel path has no TransmissionRecords (the kernel's TCP "
      + "segments and checksums loopback traffic itself), so INTEGRITY only sees torn cells; checksum, MAC and "
      + "retransmission checks do not apply";

  /** The run's report, where it went, what was skipped and where it ran. */
  public record Outcome(RunReport report, Path runDir, List<String> notes, Environment env) {}

  static {
    // the checker's catch-up probe asks for end offsets of partitions it has not assigned, which this
    // Kafka client logs at WARN on every call; in the checker service that goes to its log file, here
    // it would flood the console
    String quiet = "org.slf4j.simpleLogger.log.org.apache.kafka.clients.consumer.internals.OffsetFetcherUtils";
    if (System.getProperty(quiet) == null) {
      System.setProperty(quiet, "error");
    }
  }

  private KernelRun() {}

  /** Why a strategy is not runnable on the kernel. */
  static String whyNotRunnable(String strategy) {
    return switch (strategy) {
      case "COW_PRIVATE_REF" -> "Linux has no private pin with copy-on-write of spliced folios";
      case "OPTIMISTIC_CONFIRM" -> "Linux's pipe buffer confirm does not check an i_version cookie";
      case "STABLE_PAGES" -> "Linux does not hold page-cache folios stable while under network IO";
      case "COMPLETION_AFTER_SNAPSHOT" -> "needs io_uring SEND_ZC notifications, not used by this backend";
      default -> "no kernel mechanism";
    };
  }

  /** The notes a run prints before its cells: what of the scenario does not apply on the kernel. */
  static List<String> notes(Scenario sc, Environment env) {
    List<String> notes = new ArrayList<>();
    List<String> skipped = sc.strategies().stream().filter(s -> !RUNNABLE.containsKey(s)).toList();
    for (String s : skipped) {
      notes.add(s + ": not runnable on the kernel (" + whyNotRunnable(s) + "); skipped, no cell");
    }
    notes.add("sender modes " + sc.senderModes() + " do not apply: the kernel does its own checksumming (loopback TCP); "
        + "each runnable strategy runs once per workload (sender mode KERNEL)");
    notes.add("fault profiles " + sc.faultProfiles().stream().map(Scenario.FaultProfile::name).toList()
        + " do not apply: transfers go over loopback TCP, no emulated link (fault profile loopback)"
        + (sc.faults().isEmpty() ? "" : "; the scenario's " + sc.faults().size() + " transport fault(s) do not apply either"));
    String fsProfile = env.modelProfile().name().toLowerCase(Locale.ROOT);
    if (!fsProfile.equals(sc.file().profile())) {
      notes.add("file profile " + sc.file().profile() + " in the scenario, but --dir is on " + env.mountType()
          + ": the filesystem decides the folios (see the probe)");
    }
    long appWrites = sc.workloads().stream().filter(w -> w.mutations().applicationFraction() > 0).count();
    if (appWrites > 0) {
      notes.add("application_fraction does not apply: no completion contract on the kernel");
    }
    notes.add(INTEGRITY_NOTE);
    return notes;
  }

  /** File id of the warm-up (cells use 1, 2, ...), as the model run's warm-up. */
  static final int WARMUP_FILE = 65535;

  /** The matrix on the kernel: workload x runnable strategy (strategy fastest). */
  record Cell(int index, String strategy, Scenario.Workload workload) {}

  static List<Cell> cells(Scenario sc) {
    List<Cell> out = new ArrayList<>();
    for (Scenario.Workload w : sc.workloads()) {
      for (String s : sc.strategies()) {
        if (RUNNABLE.containsKey(s)) {
          out.add(new Cell(out.size(), s, w));
        }
      }
    }
    return out;
  }

  /**
   * Checks that {@code dir} exists or can be made and that a file can be created and written in
   * it; the error names --dir, the path and the failed call.
   */
  public static void checkDir(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (FileSystemException e) {
      throw new IllegalArgumentException("--dir " + dir + ": cannot create the directory ("
          + (e.getReason() != null ? e.getReason() : e.getClass().getSimpleName()) + " on " + e.getFile() + ")");
    } catch (IOException e) {
      throw new IllegalArgumentException("--dir " + dir + ": cannot create the directory (" + e.getMessage() + ")");
    }
    Path probe = dir.resolve(".splicelab-write-probe-" + ProcessHandle.current().pid());
    try (Fd fd = Sys.open(probe, Sys.O_RDWR | Sys.O_CREAT | Sys.O_TRUNC, 0644)) {
      Sys.pwriteFully(fd, new byte[(int) Sys.PAGE], 0);
    } catch (SyscallException e) {
      throw new IllegalArgumentException("--dir " + dir + " is not writable: " + e.getMessage());
    } finally {
      try {
        Files.deleteIfExists(probe);
      } catch (IOException e) {
        // probe file
      }
    }
  }

  /**
   * Runs {@code sc} on the real kernel with files in {@code dir}; writes
   * {@code runsDir/<scenario>-kernel/<timestamp>/} (and {@code runsDir/latest}). {@code kafka}
   * null starts the embedded broker. {@code warmup} of unmeasured load (the first cell's strategy
   * and workload on a scratch file, cell -1, never judged or reported) comes first unless zero:
   * receivers decoding on a cold JIT would leave data longer in the socket queues of the first
   * cell only.
   */
  public static Outcome execute(Scenario written, long seed, String kafka, Duration warmup, Path dir, Path runsDir,
      PrintStream out) throws IOException, InterruptedException {
    double timeScale = written.timeScale();
    Scenario sc = written.dilated();
    List<Cell> cells = cells(sc);
    if (cells.isEmpty()) {
      throw new IllegalArgumentException("scenario " + sc.name() + " has no strategy the kernel can run: "
          + sc.strategies() + "; runnable: " + List.copyOf(RUNNABLE.keySet()));
    }
    checkDir(dir);
    Environment env = Environment.detect(dir);
    Instant startedAt = Instant.now();
    String stamp = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(startedAt);
    String runName = sc.name() + "-kernel";
    Path runDir = runsDir.resolve(runName).resolve(stamp);
    for (int i = 1; Files.exists(runDir); i++) {
      runDir = runsDir.resolve(runName).resolve(stamp + "-" + i);
    }
    Files.createDirectories(runDir);
    Files.writeString(runDir.resolve("scenario.yaml"), ScenarioLoader.toYaml(sc));
    String runId = runName + "-" + runDir.getFileName();
    long t0 = System.nanoTime();
    Duration d = sc.cellDuration();

    out.printf("splicelab: scenario %s on the real kernel, seed %d, %d cells of %d s; run %s%n", sc.name(), seed,
        cells.size(), d.toSeconds(), runDir);
    out.printf("kernel  %s %s (%s)%n", env.kernelRelease(), env.machine(), env.kernelVersion());
    out.printf("dir     %s: %s, mount %s type %s %s / %s%n", env.dir(), env.fsName(), env.mountPoint(), env.mountType(),
        env.mountOptions(), env.superOptions());
    out.printf("folios  after 64 KiB pwrites: %s, after 4 KiB pwrites: %s%n", env.folios64k(), env.folios4k());
    if (!env.shmemHuge().isEmpty()) {
      out.printf("shmem   %s%n", env.shmemHuge());
    }
    List<String> notes = notes(sc, env);
    for (String n : notes) {
      out.println("note: " + n);
    }
    out.println(kafka == null ? "starting embedded Kafka (KRaft)..." : "using Kafka at " + kafka + "...");

    List<CellResult> results = new ArrayList<>();
    List<Map<String, Object>> cellInfo = new ArrayList<>();
    String kafkaInfo;
    try (KafkaBroker broker = KafkaBroker.start(kafka); Records records = new Records(broker.bootstrap())) {
      kafkaInfo = broker.describe();
      Verifier verifier = Verifier.perTransfer(
          models -> records.publish(Topics.VERDICTS, 0, VerdictRecords.of(models, EpochNanos.now())));
      HistoryReader reader = new HistoryReader(broker.bootstrap(), verifier, false);
      reader.start();
      try {
        long deadline = System.currentTimeMillis() + 60_000;
        while (!reader.ready()) {
          if (System.currentTimeMillis() > deadline) {
            throw new IllegalStateException("Kafka at " + broker.bootstrap() + ": the history reader could not position "
                + "itself within 60 s" + (reader.error().isEmpty() ? "" : " (" + reader.error() + ")"));
          }
          Thread.sleep(50);
        }
        out.printf("Kafka ready (%s); the checker's verifier reads the history from it%n", kafkaInfo);
        if (!warmup.isZero()) {
          Cell first = cells.get(0);
          out.printf("[warm-up] %d s of unmeasured load (%s) so that no cell is measured with a cold JIT...%n",
              warmup.toSeconds(), first.strategy());
          RunContext ctx = RunContext.newBuilder().setRunId(runId).setCell(-1).setScenario(sc.name() + "-warmup")
              .setStrategy(Strategy.valueOf(first.strategy())).setSenderMode(SenderMode.SENDER_MODE_UNSPECIFIED)
              .setFaultProfile("loopback").setWorkload(first.workload().name()).build();
          new KernelCell("[warm-up]", WARMUP_FILE, false, ctx, sc, first.workload(), seed, records, out)
              .run(env.dir(), warmup, "splicelab-kernel-" + ProcessHandle.current().pid() + "-warmup.dat");
        }
        for (Cell c : cells) {
          RunContext ctx = RunContext.newBuilder().setRunId(runId).setCell(c.index()).setScenario(sc.name())
              .setStrategy(Strategy.valueOf(c.strategy())).setSenderMode(SenderMode.SENDER_MODE_UNSPECIFIED)
              .setFaultProfile("loopback").setWorkload(c.workload().name()).build();
          String label = String.format("[kernel cell %d/%d %s%s]", c.index() + 1, cells.size(), c.strategy(),
              sc.workloads().size() > 1 ? " " + c.workload().name() : "");
          KernelCell kc = new KernelCell(label, c.index() + 1, true, ctx, sc, c.workload(), seed, records, out);
          String fileName = "splicelab-kernel-" + ProcessHandle.current().pid() + "-" + runDir.getFileName() + "-file"
              + (c.index() + 1) + ".dat";
          KernelCell.Stats st;
          long cpu0 = dev.splicelab.launcher.fleet.ProcessCpu.self();
          try {
            st = kc.run(env.dir(), d, fileName);
          } catch (SyscallException e) {
            throw new IllegalStateException(kc.label() + " " + e.getMessage(), e);
          }
          out.printf("%s stopped: %d transfers (%d short splices), %d delivered; %d mutations %s; judging...%n", kc.label(),
              st.transfersStarted(), st.shortSplices(), st.delivered(), st.mutations(), st.mutationsByKind());
          records.flush();
          if (records.failures() > 0) {
            out.printf("%s WARNING: %d records could not be published (%s); the verifier will see gaps%n", kc.label(),
                records.failures(), records.lastFailure());
          }
          try {
            reader.awaitCaughtUp(120_000, 300);
          } catch (TimeoutException e) {
            throw new IllegalStateException(kc.label() + " " + e.getMessage(), e);
          }
          CellSummary cs = verifier.finalizeCell(runId, c.index(), 3);
          long cpu1 = dev.splicelab.launcher.fleet.ProcessCpu.self();
          double cpuMillis = cpu0 < 0 || cpu1 < 0 || cs.getTransfers() == 0 ? -1 : (cpu1 - cpu0) / 1e6 / cs.getTransfers();
          CellResult r = result(c, cs, st, new CellResult.Timing(st.fidelity(), RUNNABLE.get(c.strategy()), cpuMillis,
              timeScale, CellResult.MutationPace.of(c.workload().mutations().ratePerSecond(), st.mutations(),
                  st.activeSeconds(), 0), st.scheduling()));
          out.printf(Locale.ROOT, "%s race window (splice-in to the receiver's read): %.2f ms implied (residency), %.2f ms "
              + "measured: overhead %.1f%% (%s)%s; %s; %s%n", kc.label(), st.fidelity().getImpliedMeanUs() / 1000,
              st.fidelity().getMeasuredMeanUs() / 1000, 100 * r.timing().overheadFraction(),
              dev.splicelab.launcher.report.ConsoleTable.overheadParts(st.fidelity()),
              r.timing().notRepresentative() == null ? "" : " (NOT REPRESENTATIVE)",
              dev.splicelab.launcher.report.ConsoleTable.pace(r.timing().pace()).replaceAll("; $", ""), st.scheduling());
          results.add(r);
          out.printf("%s judged %d of %d transfers: %d SNAPSHOT violations %s (%d silent)%n", kc.label(), cs.getVerdicts(),
              cs.getTransfers(), r.violations(), classes(r.verdicts("SNAPSHOT")), cs.getSilent());
          Map<String, Object> info = new LinkedHashMap<>();
          info.put("cell", c.index());
          info.put("strategy", c.strategy());
          info.put("mechanism", RUNNABLE.get(c.strategy()));
          info.put("workload", c.workload().name());
          info.put("file_id", c.index() + 1);
          info.put("file", env.dir().resolve(fileName).toString());
          info.put("file_size", sc.file().sizeBytes());
          info.put("fill_writes", st.fillWrites());
          info.put("fill_chunk", sc.file().fillChunkBytes());
          info.put("folios_after_fill", st.foliosAfterFill());
          info.put(c.strategy().equals("SHARE") ? "pipe_size_bytes" : "copy_limit_bytes", st.pipeBytes());
          info.put("transfers_started", st.transfersStarted());
          info.put("short_splices", st.shortSplices());
          info.put("delivered", st.delivered());
          info.put("mutations", st.mutations());
          info.put("mutations_by_kind", st.mutationsByKind());
          cellInfo.add(info);
        }
      } finally {
        reader.close();
      }
      records.flush();
      out.printf("recording the run's history from Kafka into %s...%n", runDir.resolve("events"));
      out.printf("recorded %s%n", HistoryRecorder.record(broker.bootstrap(), runId, runDir));
    }
    Testbed.writeVerdicts(runDir, runId, results);
    writeKernelJson(runDir, runId, sc, seed, env, notes, cellInfo);
    String host = String.format(Locale.ROOT, "%s %s %s (%s), %d cores, " + dev.splicelab.launcher.fleet.TimerSlack.describe()
        + "; real kernel, files in %s: %s, mount %s type %s %s / %s;"
        + " folios after 64 KiB pwrites %s, after 4 KiB pwrites %s (kernel.json)", System.getProperty("os.name"),
        env.kernelRelease(), env.machine(), env.kernelVersion(), Runtime.getRuntime().availableProcessors(), env.dir(),
        env.fsName(), env.mountPoint(), env.mountType(), env.mountOptions(), env.superOptions(), env.folios64k(),
        env.folios4k());
    String description = "Real-kernel run of scenario " + sc.name() + " (" + String.join(", ",
        cells.stream().map(Cell::strategy).distinct().toList()) + "; sender mode KERNEL, fault profile loopback). "
        + INTEGRITY_NOTE + ". " + sc.description();
    RunReport report = new RunReport(runId, runName, description, seed, startedAt, (System.nanoTime() - t0) / 1e9,
        kafkaInfo, env.javaVersion(), host, results);
    ReportWriter.write(report, runDir);
    Path latest = runsDir.resolve("latest");
    Files.deleteIfExists(latest);
    try {
      Files.createSymbolicLink(latest, runsDir.relativize(runDir));
    } catch (UnsupportedOperationException | IOException e) {
      Files.writeString(latest, runDir.toString());
    }
    return new Outcome(report, runDir, notes, env);
  }

  private static String classes(Map<String, Long> verdicts) {
    Map<String, Long> m = new TreeMap<>();
    verdicts.forEach((k, v) -> {
      if (!k.startsWith("OK/")) {
        m.put(k.substring(k.indexOf('/') + 1), v);
      }
    });
    return m.isEmpty() ? "" : m.toString();
  }

  private static CellResult result(Cell c, CellSummary cs, KernelCell.Stats st, CellResult.Timing timing) {
    Map<String, Map<String, Long>> byModel = new LinkedHashMap<>();
    byModel.put("SNAPSHOT", new TreeMap<>(cs.getSnapshotMap()));
    byModel.put("WINDOW", new TreeMap<>(cs.getWindowMap()));
    byModel.put("INTEGRITY", new TreeMap<>(cs.getIntegrityMap()));
    List<CellResult.WitnessView> witnesses = new ArrayList<>();
    for (Witness w : cs.getWitnessesList()) {
      witnesses.add(new CellResult.WitnessView(w.getModel(), w.getTransferId(), w.getVerdict(), w.getFailureClass(),
          w.getEventsList()));
    }
    CellResult.Costs costs = new CellResult.Costs(st.bytesCopied(), 0, 0, 0, 0, 0, cs.getChecksumRejects(), 0, 0, 0,
        st.peakReferencedBytes());
    Histogram h = st.latencyMicros();
    Map<String, Long> latency = CellResult.percentiles(h.getValueAtPercentile(50), h.getValueAtPercentile(90),
        h.getValueAtPercentile(99), h.getValueAtPercentile(99.9), h.getMaxValue(), h.getTotalCount());
    Map<String, Long> stall = CellResult.percentiles(0, 0, 0, 0, 0, 0);
    return new CellResult(c.index(), c.strategy(), "KERNEL", "loopback", c.workload().name(), cs.getTransfers(),
        cs.getVerdicts(), st.transfersStarted(), byModel, "SNAPSHOT", new TreeMap<>(cs.getWrongBytesMap()),
        new TreeMap<>(cs.getCausesMap()), cs.getSilent(), cs.getDetected(), st.mutations(), st.mutationsByKind(), costs,
        cs.getDeliveredBytes(), st.activeSeconds(), latency, stall, st.referencedSamples(), witnesses, timing);
  }



  /** kernel.json: where the run happened (kernel, filesystem, mount options, folios) and what did not apply. */
  static void writeKernelJson(Path runDir, String runId, Scenario sc, long seed, Environment env, List<String> notes,
      List<Map<String, Object>> cells) throws IOException {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("run_id", runId);
    root.put("scenario", sc.name());
    root.put("seed", seed);
    root.put("cell_duration_ms", sc.cellDuration().toMillis());
    Map<String, Object> e = new LinkedHashMap<>(env.asMap());
    e.remove("model_profile"); // a kernel run has no model side
    root.put("environment", e);
    root.put("runnable_strategies", RUNNABLE);
    Map<String, String> skipped = new LinkedHashMap<>();
    for (String s : sc.strategies()) {
      if (!RUNNABLE.containsKey(s)) {
        skipped.put(s, "not runnable on the kernel: " + whyNotRunnable(s));
      }
    }
    root.put("skipped_strategies", skipped);
    root.put("sender_modes_not_applied", sc.senderModes());
    root.put("fault_profiles_not_applied", sc.faultProfiles().stream().map(Scenario.FaultProfile::name).toList());
    root.put("transport_faults_not_applied", sc.faults().size());
    root.put("notes", notes);
    root.put("record_notes", List.of(
        "every mutation and splice-in is made under one per-file lock held across the syscall, the version assignment and "
            + "the record's publication (as the storage node does); the pipe -> socket splice and the receiver's read are not",
        "truncate_extend: ftruncate shrink and extend back are two TRUNCATE records made under one hold of the lock, so "
            + "no store through the shared mapping can fault past a momentary EOF",
        "SpliceRecord.refs: one per pipe buffer (page), with file offset and length; folio ids, sizes and generations "
            + "are not observable from user space (0); folios_removed, bytes_zeroed_in_place and cookie_bumped of "
            + "MutationRecords are not observed (0/false)",
        "costs: bytes_copied is what COPY_AT_SPLICE pread into user buffers; peak_pinned_bytes is the peak of bytes "
            + "spliced into pipes and not yet read by the receivers (page references in pipes and socket queues); "
            + "transfer latency is splice-in to the receiver's last byte"));
    root.put("cells", cells);
    Files.writeString(runDir.resolve("kernel.json"), JsonMapper.builder().build().writerWithDefaultPrettyPrinter()
        .writeValueAsString(root));
  }

  /** 4194304 -> "4 MiB", 65536 -> "64 KiB", 1000 -> "1000 B". */
  static String bytes(long n) {
    if (n >= 1 << 20 && n % (1 << 20) == 0) {
      return (n >> 20) + " MiB";
    }
    if (n >= 1 << 20) {
      return String.format(Locale.ROOT, "%.1f MiB", n / 1048576.0);
    }
    if (n >= 1024 && n % 1024 == 0) {
      return (n >> 10) + " KiB";
    }
    return n + " B";
  }
}
