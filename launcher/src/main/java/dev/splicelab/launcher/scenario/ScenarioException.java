package dev.splicelab.launcher.scenario;

/**
 * A scenario that cannot be loaded: unreadable, malformed YAML, or a value that fails validation.
 *
 * <p>The message has the form {@code <source>:<line>: <field>: <reason>}, for example {@code
 * quickstart.yaml:12: transfers.min_bytes: must be a multiple of 64 between 64 and 16777216, got
 * 100}. The {@code :<line>} part is left out when the line is unknown (0), and the {@code <field>:}
 * part when the error concerns the whole document (malformed YAML, empty file, unreadable file).
 */
public final class ScenarioException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String source;
  private final int line;
  private final String field;
  private final String reason;

  /**
   * @param source the file name or other name of the scenario text
   * @param line 1-based line of the offending value, 0 if unknown
   * @param field dotted path of the offending field, e.g. {@code mutations.rate_per_second}; empty
   *     for errors about the whole document
   * @param reason what is wrong, and what would be accepted
   */
  public ScenarioException(String source, int line, String field, String reason) {
    this(source, line, field, reason, null);
  }

  public ScenarioException(String source, int line, String field, String reason, Throwable cause) {
    super(format(source, line, field, reason), cause);
    this.source = source == null ? "" : source;
    this.line = Math.max(0, line);
    this.field = field == null ? "" : field;
    this.reason = reason == null ? "" : reason;
  }

  /** The file name or other name of the scenario text. */
  public String source() {
    return source;
  }

  /** 1-based line of the offending value, 0 if unknown. */
  public int line() {
    return line;
  }

  /** Dotted path of the offending field, e.g. {@code link.loss}; empty for document errors. */
  public String field() {
    return field;
  }

  /** The reason alone, without source, line and field. */
  public String reason() {
    return reason;
  }

  private static String format(String source, int line, String field, String reason) {
    StringBuilder sb = new StringBuilder(source == null ? "" : source);
    if (line > 0) {
      sb.append(':').append(line);
    }
    sb.append(": ");
    if (field != null && !field.isEmpty()) {
      sb.append(field).append(": ");
    }
    return sb.append(reason).toString();
  }
}
