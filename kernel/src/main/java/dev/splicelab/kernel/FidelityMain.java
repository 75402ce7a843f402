package dev.splicelab.kernel;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code java -cp ... dev.splicelab.kernel.FidelityMain [--dir PATH] [--out DIR] [--case NAME]... [--trace] [--strict] [--list]}:
 * runs the fidelity cases on the kernel (a file in PATH, default the JVM's temp dir) and on the
 * model, prints the table and writes DIR/fidelity.json and DIR/fidelity.html (default
 * ./fidelity-out). Exit code 0 when the table was produced (disagreements are findings), 1 when a
 * case failed unexpectedly (ERROR) or, with --strict, when kernel and model disagree, 2 on bad usage.
 */
public final class FidelityMain {

  private FidelityMain() {}

  public static void main(String[] args) throws Exception {
    System.exit(run(args));
  }

  static int run(String[] args) throws Exception {
    try {
      return runChecked(args);
    } catch (IllegalArgumentException e) {
      System.err.println("fidelity: " + e.getMessage());
      return 2;
    }
  }

  private static int runChecked(String[] args) throws Exception {
    Path dir = Path.of(System.getProperty("java.io.tmpdir"));
    Path out = Path.of("fidelity-out");
    List<String> names = new ArrayList<>();
    boolean trace = false;
    boolean strict = false;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--dir" -> dir = Path.of(need(args, ++i, a));
        case "--out" -> out = Path.of(need(args, ++i, a));
        case "--case" -> names.add(need(args, ++i, a));
        case "--trace" -> trace = true;
        case "--strict" -> strict = true;
        case "--list" -> {
          for (FidelityCase c : FidelityCases.all()) {
            System.out.printf("%-34s %s%n", c.name(), c.description());
          }
          return 0;
        }
        case "--help", "-h" -> {
          System.out.println("usage: FidelityMain [--dir PATH] [--out DIR] [--case NAME]... [--trace] [--strict] [--list]");
          return 0;
        }
        default -> {
          System.err.println("fidelity: unknown argument '" + a + "' (try --help)");
          return 2;
        }
      }
    }
    List<FidelityCase> cases = new ArrayList<>();
    for (String n : names) {
      FidelityCase c = FidelityCases.byName(n).orElse(null);
      if (c == null) {
        System.err.println("fidelity: --case: unknown case '" + n + "'; known: " + String.join(", ", FidelityCases.names()));
        return 2;
      }
      cases.add(c);
    }
    Fidelity.Result r = Fidelity.run(dir, cases.isEmpty() ? FidelityCases.all() : cases);
    System.out.print(FidelityReport.table(r.rows(), r.env()));
    if (trace) {
      for (FidelityRow row : r.rows()) {
        System.out.println();
        System.out.print(FidelityReport.detail(row));
      }
    }
    FidelityReport.write(r.rows(), r.env(), out);
    System.out.println("wrote " + out.toAbsolutePath().resolve("fidelity.json") + " and fidelity.html");
    return r.count(FidelityRow.Agreement.ERROR) > 0 || (strict && r.count(FidelityRow.Agreement.NO) > 0) ? 1 : 0;
  }

  private static String need(String[] args, int i, String flag) {
    if (i >= args.length) {
      throw new IllegalArgumentException(flag + ": needs a value");
    }
    return args[i];
  }
}
