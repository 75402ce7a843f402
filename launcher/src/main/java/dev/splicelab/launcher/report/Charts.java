package dev.splicelab.launcher.report;

import dev.splicelab.launcher.report.Metrics.CostAxis;
import dev.splicelab.launcher.report.Metrics.Line;
import dev.splicelab.launcher.report.Metrics.StrategyAgg;
import java.awt.Color;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.AxesChartStyler.TextAlignment;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The plots of report.html (XChart; rendered to PNG by {@link ReportWriter#plotBlock}). */
final class Charts {

  static final int WIDTH = 860;
  static final int HEIGHT = 440;

  private Charts() {}

  // ---------------------------------------------------------------------------------------------
  // Style

  static Color classColor(String cls, int fallbackIndex) {
    return switch (cls) {
      case "NEWER_VERSION" -> new Color(0xE6, 0x8A, 0x00);
      case "TORN" -> new Color(0x82, 0x50, 0xDF);
      case "ZEROED" -> new Color(0xCF, 0x22, 0x2E);
      case "CHECKSUM_MISMATCH" -> new Color(0x1B, 0x9E, 0x9E);
      case "MAC_FAILURE" -> new Color(0x8B, 0x57, 0x2A);
      case "RETRANSMIT_DIVERGENCE" -> new Color(0xD6, 0x4F, 0x9A);
      case "LOST" -> new Color(0x6E, 0x77, 0x81);
      case "OLDER_VERSION" -> new Color(0x1A, 0x7F, 0x37);
      default -> palette(fallbackIndex);
    };
  }

  private static final int[] PALETTE = {
    0x0969DA, 0x1A7F37, 0xBF8700, 0x8250DF, 0xCF222E, 0x1B9E9E, 0x6E7781, 0xD64F9A, 0x8B572A,
    0x54AEFF, 0x4D2D00, 0x116329
  };

  /** Light to dark: p50, p90, p99, p999, max. */
  private static final int[] PERCENTILE_COLORS = {0xB6E3FF, 0x54AEFF, 0x0969DA, 0x0A3069, 0xCF222E};

  static Color palette(int i) {
    return new Color(PALETTE[Math.floorMod(i, PALETTE.length)]);
  }

  /** Marker shape: circles for the first palette round, then other shapes. */
  private static Marker marker(int i) {
    return switch ((i / PALETTE.length) % 4) {
      case 0 -> SeriesMarkers.CIRCLE;
      case 1 -> SeriesMarkers.DIAMOND;
      case 2 -> SeriesMarkers.SQUARE;
      default -> SeriesMarkers.TRIANGLE_UP;
    };
  }

  private static void commonStyle(AxesChartStyler s) {
    s.setChartBackgroundColor(Color.WHITE);
    s.setPlotBackgroundColor(Color.WHITE);
    s.setPlotBorderVisible(false);
    s.setPlotGridLinesColor(new Color(0xE4, 0xE8, 0xEC));
    s.setPlotGridVerticalLinesVisible(false);
    s.setLegendBorderColor(Color.WHITE);
    s.setChartFontColor(new Color(0x1F, 0x23, 0x28));
    s.setAxisTickLabelsColor(new Color(0x57, 0x60, 0x6A));
    s.setAntiAlias(true);
    s.setLocale(Locale.ROOT);
  }

  /**
   * A category chart whose x labels stay readable: horizontal when they fit, else vertical and
   * centred on their tick (XChart places 45-degree labels of different lengths unevenly, so that
   * a long one can run into its neighbour), with the chart made taller to hold them.
   */
  private static CategoryChart categoryChart(String title, String yTitle, List<String> labels) {
    double charPx = 6.8; // bold 12 pt tick label font, about 6.5 to 7 px per character
    double plotPx = WIDTH - 260.0; // minus y axis and the legend outside on the right
    double slot = plotPx / Math.max(1, labels.size());
    double widest = labels.stream().mapToInt(String::length).max().orElse(0) * charPx;
    boolean rotate = widest > slot * 0.92;
    CategoryChart chart =
        new CategoryChartBuilder()
            .width(WIDTH)
            .height(HEIGHT + (rotate ? (int) Math.round(widest) : 0))
            .title(title)
            .xAxisTitle("")
            .yAxisTitle(yTitle)
            .build();
    commonStyle(chart.getStyler());
    if (rotate) {
      chart.getStyler().setXAxisLabelRotation(90);
      chart.getStyler().setXAxisLabelAlignment(TextAlignment.Centre);
    }
    return chart;
  }

  // ---------------------------------------------------------------------------------------------
  // (a) corruption rate per strategy and class

  /** Stacked: per strategy, headline violations of each class as a percent of its verdicts. */
  static CategoryChart violationChart(List<StrategyAgg> aggs, List<String> classes) {
    List<String> labels = aggs.stream().map(StrategyAgg::label).toList();
    CategoryChart chart =
        categoryChart("Corruption rate by strategy and failure class", "% of verdicts", labels);
    chart.getStyler().setStacked(true);
    chart.getStyler().setLegendPosition(LegendPosition.OutsideE);
    chart.getStyler().setYAxisDecimalPattern("0.##");
    chart.getStyler().setYAxisMin(0.0);
    chart.getStyler().setAvailableSpaceFill(0.6);
    double maxTotal = aggs.stream().mapToDouble(a -> a.rate() * 100).max().orElse(0);
    if (maxTotal <= 0) {
      chart.getStyler().setYAxisMax(1.0); // nothing failed: keep a readable, non-degenerate axis
    }
    if (classes.isEmpty()) {
      List<Double> zeros = aggs.stream().map(a -> 0.0).toList();
      chart.addSeries("no violations", labels, zeros).setFillColor(palette(1));
      return chart;
    }
    int i = 0;
    for (String cls : classes) {
      List<Double> ys = new ArrayList<>();
      for (StrategyAgg a : aggs) {
        long n = a.byClass().getOrDefault(cls, 0L);
        ys.add(a.verdicts() <= 0 ? 0.0 : 100.0 * n / a.verdicts());
      }
      CategorySeries s = chart.addSeries(cls, labels, ys);
      s.setFillColor(classColor(cls, i++));
    }
    return chart;
  }

  // ---------------------------------------------------------------------------------------------
  // (b) cost vs corruption

  /** One point per strategy, with its Wilson 95% whisker, named on the plot where there is room. */
  static XYChart costChart(List<StrategyAgg> aggs, CostAxis axis) {
    List<String> names = new ArrayList<>();
    Set<String> used = new LinkedHashSet<>();
    for (StrategyAgg a : aggs) {
      names.add(uniqueName(a.label(), used));
    }
    XYChart chart =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title("Cost vs corruption")
            .xAxisTitle(axis.title())
            .yAxisTitle("corruption rate (headline model), %")
            .build();
    commonStyle(chart.getStyler());
    chart.getStyler().setPlotGridVerticalLinesVisible(true);
    chart.getStyler().setLegendPosition(LegendPosition.OutsideE);
    chart.getStyler().setMarkerSize(11);
    chart.getStyler().setXAxisDecimalPattern("0.##");
    chart.getStyler().setYAxisDecimalPattern("0.##");
    chart.getStyler().setAnnotationTextFontColor(new Color(0x1F, 0x23, 0x28));

    double maxX = 0;
    double maxY = 0;
    for (StrategyAgg a : aggs) {
      maxX = Math.max(maxX, axis.of(a));
      maxY = Math.max(maxY, a.ci()[1] * 100);
    }
    // Explicit ranges: no degenerate axis when all points coincide, and some room around the
    // points for their labels.
    double dx = Math.max(1.0, maxX);
    double xMin = -dx * 0.12;
    double xMax = dx * 1.12;
    double yMax = Math.max(1.0, maxY) * 1.2;
    chart.getStyler().setXAxisMin(xMin);
    chart.getStyler().setXAxisMax(xMax);
    chart.getStyler().setYAxisMin(0.0);
    chart.getStyler().setYAxisMax(yMax);

    // Approximate plot area in pixels, to keep point labels from overlapping each other.
    int longestName = names.stream().mapToInt(String::length).max().orElse(0);
    double plotW = WIDTH - 95 - (longestName * 6.3 + 55);
    double plotH = HEIGHT - 100;
    Labeler labeler = new Labeler(plotW, plotH, xMin, xMax, 0, yMax);
    for (StrategyAgg a : aggs) {
      labeler.addObstacle(axis.of(a), a.rate() * 100, 14, 14);
    }

    // Points drawn on top of each other share one label, a line per strategy.
    List<List<Integer>> groups = new ArrayList<>();
    for (int i = 0; i < aggs.size(); i++) {
      List<Integer> home = null;
      for (List<Integer> g : groups) {
        StrategyAgg b = aggs.get(g.get(0));
        if (labeler.near(axis.of(aggs.get(i)), aggs.get(i).rate() * 100, axis.of(b), b.rate() * 100)) {
          home = g;
          break;
        }
      }
      if (home == null) {
        home = new ArrayList<>();
        groups.add(home);
      }
      home.add(i);
    }

    for (int i = 0; i < aggs.size(); i++) {
      StrategyAgg a = aggs.get(i);
      double x = axis.of(a);
      double y = a.rate() * 100;
      double[] ci = a.ci();
      Color color = palette(i);
      XYSeries point = chart.addSeries(names.get(i), new double[] {x}, new double[] {y});
      point.setXYSeriesRenderStyle(XYSeriesRenderStyle.Scatter);
      point.setMarker(marker(i));
      point.setMarkerColor(color);
      if (ci[1] > ci[0]) {
        XYSeries whisker =
            chart.addSeries(
                uniqueName(names.get(i) + " CI", used),
                new double[] {x, x},
                new double[] {ci[0] * 100, ci[1] * 100});
        whisker.setXYSeriesRenderStyle(XYSeriesRenderStyle.Line);
        whisker.setMarker(SeriesMarkers.NONE);
        whisker.setLineColor(color);
        whisker.setLineWidth(2f);
        whisker.setShowInLegend(false);
      }
    }
    // Name the points on the plot where there is room; the legend names every point anyway.
    for (List<Integer> g : groups) {
      StrategyAgg first = aggs.get(g.get(0));
      double x = axis.of(first);
      double y = first.rate() * 100;
      double low = y;
      double high = y;
      List<String> lines = new ArrayList<>();
      for (int i : g) {
        lines.add(aggs.get(i).strategy());
        low = Math.min(low, aggs.get(i).ci()[0] * 100);
        high = Math.max(high, aggs.get(i).ci()[1] * 100);
      }
      List<double[]> at = labeler.place(lines, x, y, low, high);
      for (int k = 0; k < at.size(); k++) {
        chart.addAnnotation(new AnnotationText(lines.get(k), at.get(k)[0], at.get(k)[1], false));
      }
    }
    return chart;
  }

  /** Greedy placement of point labels on a plot, in estimated pixel coordinates. */
  private static final class Labeler {
    private static final double CHAR_PX = 6.3;
    private static final double LINE_PX = 16;
    private final double w;
    private final double h;
    private final double x0;
    private final double x1;
    private final double y0;
    private final double y1;
    private final List<double[]> taken = new ArrayList<>(); // {left, bottom, right, top}

    Labeler(double w, double h, double x0, double x1, double y0, double y1) {
      this.w = w;
      this.h = h;
      this.x0 = x0;
      this.x1 = x1;
      this.y0 = y0;
      this.y1 = y1;
    }

    private double px(double x) {
      return (x - x0) / (x1 - x0) * w;
    }

    private double py(double y) {
      return (y - y0) / (y1 - y0) * h;
    }

    void addObstacle(double x, double y, double bw, double bh) {
      double u = px(x);
      double v = py(y);
      taken.add(new double[] {u - bw / 2, v - bh / 2, u + bw / 2, v + bh / 2});
    }

    /** Whether two points are drawn (almost) on top of each other. */
    boolean near(double xa, double ya, double xb, double yb) {
      return Math.abs(px(xa) - px(xb)) < 8 && Math.abs(py(ya) - py(yb)) < 8;
    }

    /**
     * Data coordinates of the centre of each line of a label block placed next to a point (above
     * or below its whisker, or beside it), or an empty list if it fits nowhere near the point.
     */
    List<double[]> place(List<String> lines, double x, double y, double ciLow, double ciHigh) {
      double bw = lines.stream().mapToInt(String::length).max().orElse(0) * CHAR_PX + 6;
      double bh = lines.size() * LINE_PX;
      double u = px(x);
      double v = py(y);
      double top = Math.max(v, py(ciHigh)) + 6 + bh / 2;
      double bottom = Math.min(v, py(ciLow)) - 6 - bh / 2;
      double[][] candidates = {
        {u, top}, {u + bw / 2 + 10, v}, {u - bw / 2 - 10, v}, {u, bottom},
        {u + bw / 2 + 10, top}, {u - bw / 2 - 10, top}, {u, top + LINE_PX}, {u, bottom - LINE_PX},
      };
      for (double[] cand : candidates) {
        double[] box = {cand[0] - bw / 2, cand[1] - bh / 2, cand[0] + bw / 2, cand[1] + bh / 2};
        if (box[0] < 0 || box[2] > w || box[1] < 0 || box[3] > h) {
          continue;
        }
        boolean free = true;
        for (double[] t : taken) {
          if (box[0] < t[2] && t[0] < box[2] && box[1] < t[3] && t[1] < box[3]) {
            free = false;
            break;
          }
        }
        if (free) {
          taken.add(box);
          List<double[]> out = new ArrayList<>();
          for (int k = 0; k < lines.size(); k++) {
            double lineY = box[3] - (k + 0.5) * LINE_PX; // first line on top
            out.add(new double[] {x0 + cand[0] / w * (x1 - x0), y0 + lineY / h * (y1 - y0)});
          }
          return out;
        }
      }
      return List.of();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // (c), (d) percentile distributions

  /**
   * Grouped bars p50/p90/p99/p999/max per strategy on a log axis. A zero (no wait at all) has
   * no bar: the axis starts at 1 µs.
   */
  static CategoryChart percentileChart(
      String title, List<StrategyAgg> aggs, Function<StrategyAgg, Map<String, Long>> values) {
    List<String> labels = new ArrayList<>();
    for (StrategyAgg a : aggs) {
      boolean none =
          Metrics.PLOTTED_PERCENTILES.stream().allMatch(p -> Metrics.pct(values.apply(a), p) <= 0);
      labels.add(a.strategy() + (none ? " (none)" : ""));
    }
    CategoryChart chart = categoryChart(title, "microseconds (log)", labels);
    chart.getStyler().setLegendPosition(LegendPosition.OutsideE);
    chart.getStyler().setYAxisLogarithmic(true);
    chart.getStyler().setYAxisDecimalPattern("#,##0");
    chart.getStyler().setAvailableSpaceFill(0.8);
    chart.getStyler().setOverlapped(false);
    double max = 1;
    for (StrategyAgg a : aggs) {
      for (String p : Metrics.PLOTTED_PERCENTILES) {
        max = Math.max(max, Metrics.pct(values.apply(a), p));
      }
    }
    chart.getStyler().setYAxisMin(1.0);
    chart.getStyler().setYAxisMax(Math.pow(10, Math.max(1, Math.ceil(Math.log10(max * 1.05)))));
    int i = 0;
    for (String p : Metrics.PLOTTED_PERCENTILES) {
      List<Double> ys = new ArrayList<>();
      for (StrategyAgg a : aggs) {
        ys.add(Math.max(1.0, (double) Metrics.pct(values.apply(a), p)));
      }
      chart.addSeries(p, labels, ys).setFillColor(new Color(PERCENTILE_COLORS[i++]));
    }
    return chart;
  }

  // ---------------------------------------------------------------------------------------------
  // (e) pinned bytes over time

  static XYChart pinnedChart(List<Line> lines) {
    double max = 0;
    int longest = 0;
    for (Line l : lines) {
      longest = Math.max(longest, l.ys().size());
      for (double v : l.ys()) {
        max = Math.max(max, v);
      }
    }
    String[] units = {"bytes", "KiB", "MiB", "GiB"};
    int u = 0;
    double scale = 1;
    while (u < units.length - 1 && max / scale >= 1024) {
      scale *= 1024;
      u++;
    }
    XYChart chart =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title("Pinned bytes over time")
            .xAxisTitle("seconds into the cell")
            .yAxisTitle("pinned, " + units[u])
            .build();
    commonStyle(chart.getStyler());
    chart.getStyler().setLegendPosition(LegendPosition.OutsideE);
    chart.getStyler().setXAxisDecimalPattern("0");
    chart.getStyler().setYAxisDecimalPattern(u == 0 ? "#,##0" : "#,##0.#");
    chart.getStyler().setYAxisMin(0.0);
    chart.getStyler().setXAxisMin(0.0);
    chart.getStyler().setXAxisMax(Math.max(1.0, longest - 1.0));
    if (max <= 0) {
      chart.getStyler().setYAxisMax(1.0);
    }
    Set<String> used = new LinkedHashSet<>();
    int i = 0;
    for (Line l : lines) {
      if (l.ys().isEmpty()) {
        continue;
      }
      double[] xs = new double[l.ys().size()];
      double[] ys = new double[l.ys().size()];
      for (int k = 0; k < xs.length; k++) {
        xs[k] = k;
        ys[k] = l.ys().get(k) / scale;
      }
      XYSeries s = chart.addSeries(uniqueName(l.name(), used), xs, ys);
      s.setXYSeriesRenderStyle(XYSeriesRenderStyle.Line);
      s.setLineColor(palette(i));
      s.setLineWidth(1.8f);
      s.setMarker(xs.length == 1 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
      s.setMarkerColor(palette(i));
      i++;
    }
    return chart;
  }

  private static String uniqueName(String base, Set<String> used) {
    String name = base == null || base.isEmpty() ? "?" : base;
    String candidate = name;
    for (int k = 2; !used.add(candidate); k++) {
      candidate = name + " (" + k + ")";
    }
    return candidate;
  }
}
