package dev.splicelab.kernel;

import dev.splicelab.kernel.FidelityRow.Agreement;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes a fidelity run as {@code fidelity.json} and a self-contained {@code fidelity.html}, and renders the console table. */
public final class FidelityReport {

  private FidelityReport() {}

  public static void write(List<FidelityRow> rows, Environment env, Path outDir) throws IOException {
    Files.createDirectories(outDir);
    Files.writeString(outDir.resolve("fidelity.json"), json(rows, env));
    Files.writeString(outDir.resolve("fidelity.html"), html(rows, env));
  }

  // ------------------------------------------------------------------ console

  public static String table(List<FidelityRow> rows, Environment env) {
    StringBuilder sb = new StringBuilder();
    sb.append("kernel ").append(env.kernelRelease()).append(' ').append(env.machine()).append(" (").append(env.kernelVersion())
        .append(")\n");
    sb.append("dir    ").append(env.dir()).append(": ").append(env.fsName()).append(", mount ").append(env.mountPoint())
        .append(" type ").append(env.mountType()).append(' ').append(env.mountOptions()).append(" / ").append(env.superOptions())
        .append('\n');
    sb.append("model  profile ").append(env.modelProfile()).append("; kernel folios after 64 KiB pwrites: ").append(env.folios64k())
        .append(", after 4 KiB pwrites: ").append(env.folios4k()).append('\n');
    if (!env.shmemHuge().isEmpty()) {
      sb.append("shmem  ").append(env.shmemHuge()).append('\n');
    }
    sb.append('\n');
    String fmt = "%-34s %-13s %-30s %-30s %-12s %s%n";
    sb.append(String.format(fmt, "case", "expected", "kernel", "model", "agree", "note"));
    for (FidelityRow r : rows) {
      sb.append(String.format(fmt, r.name(), r.expected() == null ? "-" : r.expected().name(), cell(r.kernel()),
          cell(r.model()), r.agree(), r.note()));
    }
    Map<Agreement, Long> counts = new LinkedHashMap<>();
    for (Agreement a : Agreement.values()) {
      counts.put(a, rows.stream().filter(r -> r.agree() == a).count());
    }
    sb.append('\n').append(rows.size()).append(" cases: ").append(counts).append('\n');
    return sb.toString();
  }

  /** One case in detail: what it does, the kernel's and the model's trace and verdict, the comparison. */
  public static String detail(FidelityRow r) {
    FidelityCase c = r.fidelityCase();
    StringBuilder sb = new StringBuilder();
    sb.append("case ").append(c.name()).append(c.isDesignRow() ? "  [" + c.designRow() + "]" : "").append('\n');
    sb.append("  ").append(c.description()).append('\n');
    sb.append("  expected: ").append(r.expected() == null ? "not documented for this profile" : r.expected().name())
        .append(" (").append(c.expect().why()).append(")\n");
    for (Outcome o : new Outcome[] {r.kernel(), r.model()}) {
      sb.append(o == r.kernel() ? "-- kernel" : "-- model").append(": ").append(o.summary()).append('\n');
      for (String t : o.trace()) {
        sb.append(t.startsWith("# ") ? "  " : "      ").append(t).append('\n');
      }
      if (o.verdict() != null) {
        for (String w : o.verdict().firstWrong()) {
          sb.append("      first wrong: ").append(w).append('\n');
        }
      }
    }
    sb.append("agree: ").append(r.agree()).append(r.note().isEmpty() ? "" : " (" + r.note() + ")").append('\n');
    return sb.toString();
  }

  private static String cell(Outcome o) {
    if (o.verdict() == null) {
      return o.className();
    }
    Verdict v = o.verdict();
    if (v.wrongBytes() == 0) {
      return "NONE (" + v.deliveredBytes() + " B)";
    }
    String s = v.failureClass().name() + " " + v.wrongBytes();
    if (v.wrongByClass().size() > 1) {
      List<String> parts = new ArrayList<>();
      v.wrongByClass().forEach((k, n) -> parts.add(k.charAt(0) + "" + n));
      s += " (" + String.join("+", parts) + ")";
    }
    return s;
  }

  // ------------------------------------------------------------------ JSON

  static String json(List<FidelityRow> rows, Environment env) {
    StringBuilder sb = new StringBuilder("{\n  \"environment\": {\n");
    Map<String, Object> e = env.asMap();
    int i = 0;
    for (Map.Entry<String, Object> x : e.entrySet()) {
      sb.append("    ").append(str(x.getKey())).append(": ").append(value(x.getValue()))
          .append(++i < e.size() ? ",\n" : "\n");
    }
    sb.append("  },\n  \"summary\": {");
    int j = 0;
    for (Agreement a : Agreement.values()) {
      sb.append(j++ > 0 ? ", " : "").append(str(a.name())).append(": ").append(rows.stream().filter(r -> r.agree() == a).count());
    }
    sb.append("},\n  \"rows\": [\n");
    for (int k = 0; k < rows.size(); k++) {
      FidelityRow r = rows.get(k);
      FidelityCase c = r.fidelityCase();
      sb.append("    {\"case\": ").append(str(c.name()))
          .append(", \"description\": ").append(str(c.description()))
          .append(", \"design_row\": ").append(str(c.designRow()))
          .append(", \"steps\": [");
      for (int s = 0; s < c.steps().size(); s++) {
        sb.append(s > 0 ? ", " : "").append(str(c.steps().get(s).describe()));
      }
      sb.append("], \"expected\": ").append(r.expected() == null ? "null" : str(r.expected().name()))
          .append(", \"expectation_basis\": ").append(str(c.expect().why()))
          .append(",\n     \"kernel\": ").append(outcome(r.kernel()))
          .append(",\n     \"model\": ").append(outcome(r.model()))
          .append(",\n     \"agree\": ").append(str(r.agree().name()))
          .append(", \"note\": ").append(str(r.note())).append('}')
          .append(k < rows.size() - 1 ? ",\n" : "\n");
    }
    return sb.append("  ]\n}\n").toString();
  }

  private static String outcome(Outcome o) {
    StringBuilder sb = new StringBuilder("{\"class\": ").append(str(o.className()));
    if (o.verdict() != null) {
      Verdict v = o.verdict();
      sb.append(", \"wrong_bytes\": ").append(v.wrongBytes()).append(", \"wrong_bytes_by_class\": {");
      int i = 0;
      for (Map.Entry<String, Long> x : v.wrongByClass().entrySet()) {
        sb.append(i++ > 0 ? ", " : "").append(str(x.getKey())).append(": ").append(x.getValue());
      }
      sb.append("}, \"expected_bytes\": ").append(v.expectedBytes()).append(", \"delivered_bytes\": ").append(v.deliveredBytes())
          .append(", \"first_wrong\": ").append(list(v.firstWrong()));
    }
    if (o.notRunnable() != null) {
      sb.append(", \"not_runnable\": ").append(str(o.notRunnable()));
    }
    if (o.error() != null) {
      sb.append(", \"error\": ").append(str(o.error()));
    }
    sb.append(", \"folios\": ").append(str(o.folios())).append(", \"trace\": ").append(list(o.trace()));
    return sb.append('}').toString();
  }

  private static String list(List<String> l) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < l.size(); i++) {
      sb.append(i > 0 ? ", " : "").append(str(l.get(i)));
    }
    return sb.append(']').toString();
  }

  private static String value(Object o) {
    return o instanceof Number ? o.toString() : str(String.valueOf(o));
  }

  static String str(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder sb = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }

  // ------------------------------------------------------------------ HTML

  static String esc(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '&' -> sb.append("&amp;");
        case '"' -> sb.append("&quot;");
        case '\'' -> sb.append("&#39;");
        default -> sb.append(c);
      }
    }
    return sb.toString();
  }

  static String html(List<FidelityRow> rows, Environment env) {
    StringBuilder sb = new StringBuilder();
    sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>splicelab fidelity: ")
        .append(esc(env.kernelRelease())).append(" on ").append(esc(env.fsName())).append("</title>\n<style>\n")
        .append("body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}")
        .append("table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:4px 6px;vertical-align:top}")
        .append("th{background:#f0f0f0;text-align:left}.YES{background:#e3f6e3}.NO{background:#fbe0e0}")
        .append(".NOT_RUNNABLE{background:#eee;color:#555}.ERROR{background:#fde9c8}code,pre{font-size:12px}")
        .append("pre{white-space:pre-wrap;margin:0}details summary{cursor:pointer}.d{color:#555}\n</style></head><body>\n");
    sb.append("<h1>Real kernel beside the model</h1>\n<table>\n");
    for (Map.Entry<String, Object> e : env.asMap().entrySet()) {
      sb.append("<tr><th>").append(esc(e.getKey())).append("</th><td><code>").append(esc(String.valueOf(e.getValue())))
          .append("</code></td></tr>\n");
    }
    sb.append("</table>\n<p>");
    for (Agreement a : Agreement.values()) {
      sb.append("<span class=\"").append(a.name()).append("\">&nbsp;").append(a.name()).append(": ")
          .append(rows.stream().filter(r -> r.agree() == a).count()).append("&nbsp;</span> ");
    }
    sb.append("of ").append(rows.size()).append(" cases. A verdict compares what the reader got with what the file held "
        + "when the data was handed off (splice/sendfile/vmsplice returned), cell by cell.</p>\n");
    sb.append("<table>\n<tr><th>case</th><th>what</th><th>expected</th><th>kernel</th><th>model</th><th>agree</th>"
        + "<th>note</th></tr>\n");
    for (FidelityRow r : rows) {
      FidelityCase c = r.fidelityCase();
      sb.append("<tr class=\"").append(r.agree().name()).append("\"><td><code>").append(esc(c.name())).append("</code>");
      if (c.isDesignRow()) {
        sb.append("<br><span class=\"d\">").append(esc(c.designRow())).append("</span>");
      }
      sb.append("</td><td>").append(esc(c.description())).append("<details><summary>steps</summary><ol>");
      for (Step s : c.steps()) {
        sb.append("<li>").append(esc(s.describe())).append("</li>");
      }
      sb.append("</ol><p class=\"d\">").append(esc(c.expect().why())).append("</p></details></td><td>")
          .append(esc(r.expected() == null ? "-" : r.expected().name())).append("</td><td>").append(outcomeHtml(r.kernel()))
          .append("</td><td>").append(outcomeHtml(r.model())).append("</td><td>").append(r.agree().name()).append("</td><td>")
          .append(esc(r.note())).append("</td></tr>\n");
    }
    sb.append("</table>\n</body></html>\n");
    return sb.toString();
  }

  private static String outcomeHtml(Outcome o) {
    StringBuilder sb = new StringBuilder("<b>").append(esc(o.summary())).append("</b>");
    if (o.verdict() != null && !o.verdict().firstWrong().isEmpty()) {
      sb.append("<br><span class=\"d\">").append(esc(String.join("; ", o.verdict().firstWrong()))).append("</span>");
    }
    sb.append("<details><summary>trace</summary><pre>").append(esc(String.join("\n", o.trace()))).append("</pre></details>");
    return sb.toString();
  }
}
