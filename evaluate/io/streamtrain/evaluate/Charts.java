package io.streamtrain.evaluate;

import io.streamtrain.core.metrics.Averaging;
import io.streamtrain.core.metrics.Confusion;
import io.streamtrain.core.metrics.Metric;
import io.streamtrain.core.metrics.ScoreStats;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The report's plots as PNG bytes, drawn with XChart in memory (Java2D, no display needed: the JVM runs headless).
 * Data in, bytes out (null for a plot that could not be drawn in time); {@link EvaluateJob} writes them.
 */
public final class Charts {

    private static final Logger LOG = LoggerFactory.getLogger(Charts.class);
    /** Longest a plot may take to draw; a few hundred milliseconds is usual. */
    static final long DRAW_SECONDS = 60;
    private static final ExecutorService DRAW = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "streamtrain-plot");
        t.setDaemon(true);
        return t;
    });

    public static final int WIDTH = 800;
    public static final int HEIGHT = 600;

    static {
        // A scheduler or executor has no display; Java2D must not look for one.
        System.setProperty("java.awt.headless", "true");
    }

    private Charts() {
    }

    /** Counts of (actual, predicted) as a heat map, each cell labelled with its count. */
    public static byte[] confusion(Confusion m) {
        HeatMapChart chart = new HeatMapChartBuilder().width(WIDTH).height(HEIGHT)
                .title("Confusion matrix (rows: actual, columns: predicted)").xAxisTitle("predicted")
                .yAxisTitle("actual").build();
        chart.getStyler().setShowValue(true);
        chart.getStyler().setPlotContentSize(1);
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setRangeColors(new Color[]{Color.WHITE, new Color(0x9ecae1), new Color(0x08306b)});
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        List<String> columns = m.labels();
        // XChart draws y upwards; listing the actual classes last-first puts the first class at the top.
        List<String> rows = new ArrayList<>(m.labels());
        Collections.reverse(rows);
        List<Number[]> cells = new ArrayList<>();
        for (int a = 0; a < m.classes(); a++) {
            for (int p = 0; p < m.classes(); p++) {
                cells.add(new Number[]{p, m.classes() - 1 - a, m.count(a, p)});
            }
        }
        chart.addSeries("counts", columns, rows, cells);
        chart.getStyler().setXAxisLabelRotation(45);
        return png(chart);
    }

    /**
     * Per-class F1 as points, each with its interval as an error bar. XChart's error bars are symmetric, so the bar
     * belongs to an unmarked series at the interval's midpoint, half its width each way: it spans exactly
     * [low, high] even where the interval is lopsided. A category chart, because XChart lays out category names
     * itself (custom tick labels on a numeric axis sent its tick layout into an endless loop).
     */
    public static byte[] f1WithIntervals(List<String> labels, List<MetricRow> rows, double confidence) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
                .title(String.format(Locale.ROOT, "F1 per class with %.0f%% intervals", confidence * 100))
                .xAxisTitle("class").yAxisTitle("F1").build();
        chart.getStyler().setDefaultSeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Scatter);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(1.0);
        chart.getStyler().setXAxisLabelRotation(45);
        chart.getStyler().setOverlapped(true);
        List<Double> f1 = new ArrayList<>();
        List<Double> middle = new ArrayList<>();
        List<Double> half = new ArrayList<>();
        for (String label : labels) {
            MetricRow row = MetricTable.find(rows, Scores.ALL, label, Metric.F1, Averaging.NONE);
            double value = row == null || Double.isNaN(row.value()) ? 0 : row.value();
            boolean interval = row != null && !Double.isNaN(row.ciLow());
            f1.add(value);
            middle.add(interval ? (row.ciLow() + row.ciHigh()) / 2 : value);
            half.add(interval ? (row.ciHigh() - row.ciLow()) / 2 : 0);
        }
        chart.addSeries(String.format(Locale.ROOT, "%.0f%% interval", confidence * 100), labels, middle,
                half).setMarker(SeriesMarkers.NONE);
        chart.addSeries("F1", labels, f1).setMarker(SeriesMarkers.CIRCLE).setMarkerColor(new Color(0x08306b));
        return png(chart);
    }

    /** Loss and validation accuracy per epoch, from the training history. */
    public static byte[] learningCurve(String modelId, int[] epochs, double[] loss, double[] validationAccuracy) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT)
                .title("Learning curve of model " + modelId).xAxisTitle("epoch").yAxisTitle("value").build();
        style(chart);
        double[] x = new double[epochs.length];
        for (int i = 0; i < epochs.length; i++) {
            x[i] = epochs[i];
        }
        chart.addSeries("training loss", x, loss).setMarker(SeriesMarkers.CIRCLE);
        if (Arrays.stream(validationAccuracy).anyMatch(v -> !Double.isNaN(v))) {
            chart.addSeries("validation accuracy", x, validationAccuracy).setMarker(SeriesMarkers.DIAMOND);
        }
        return png(chart);
    }

    /**
     * Lines over time: each series's {@code [minutes, value]} points, minutes counted from the first point of any;
     * null when there are no points.
     */
    public static byte[] overTime(String title, String valueTitle, Map<String, double[][]> series) {
        if (series.values().stream().allMatch(points -> points[0].length == 0)) {
            return null;
        }
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT / 2).title(title)
                .xAxisTitle("minutes").yAxisTitle(valueTitle).build();
        style(chart);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        series.forEach((name, points) -> {
            if (points[0].length > 0) {
                chart.addSeries(name, points[0], points[1]).setMarker(SeriesMarkers.NONE);
            }
        });
        return png(chart);
    }

    /** Accuracy against mean confidence per confidence bin, beside the diagonal of perfect calibration. */
    public static byte[] reliability(ScoreStats s) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title("Reliability diagram")
                .xAxisTitle("mean confidence of the bin").yAxisTitle("accuracy of the bin").build();
        style(chart);
        chart.getStyler().setXAxisMin(0.0);
        chart.getStyler().setXAxisMax(1.0);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(1.0);
        chart.addSeries("perfect calibration", new double[]{0, 1}, new double[]{0, 1})
                .setMarker(SeriesMarkers.NONE).setLineColor(Color.GRAY);
        List<Double> confidence = new ArrayList<>();
        List<Double> accuracy = new ArrayList<>();
        for (int b = 0; b < s.calibrationBins(); b++) {
            if (s.binCount(b) > 0) {
                confidence.add(s.binConfidenceSum(b) / s.binCount(b));
                accuracy.add((double) s.binCorrect(b) / s.binCount(b));
            }
        }
        if (!confidence.isEmpty()) {
            chart.addSeries("model", confidence, accuracy).setMarker(SeriesMarkers.CIRCLE);
        }
        return png(chart);
    }

    /** Per-class F1 of the champion and of the candidate, side by side. */
    public static byte[] championVsCandidate(List<String> labels, String champion, double[] championF1,
                                             String candidate, double[] candidateF1) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
                .title("F1 per class: champion " + champion + " against candidate " + candidate)
                .xAxisTitle("class").yAxisTitle("F1").build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(1.0);
        chart.getStyler().setXAxisLabelRotation(45);
        chart.addSeries("champion " + champion, labels, zeroForNaN(championF1));
        chart.addSeries("candidate " + candidate, labels, zeroForNaN(candidateF1));
        return png(chart);
    }

    private static List<Double> zeroForNaN(double[] values) {
        List<Double> out = new ArrayList<>();
        for (double v : values) {
            out.add(Double.isNaN(v) ? 0.0 : v);
        }
        return out;
    }

    private static void style(XYChart chart) {
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
    }

    /**
     * The chart as PNG bytes, or null (with a warning) when drawing takes longer than {@link #DRAW_SECONDS}: XChart's
     * tick layout has been seen to loop without end, and a plot is not worth a hung evaluation. The drawing thread is a
     * daemon, so a stuck one cannot keep the JVM alive.
     */
    private static byte[] png(Chart<?, ?> chart) {
        Future<byte[]> drawing = DRAW.submit(() -> BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
        try {
            return drawing.get(DRAW_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            drawing.cancel(true);
            LOG.warn("evaluate: the plot '{}' took more than {} s to draw; left out of the report", chart.getTitle(),
                    DRAW_SECONDS);
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while drawing " + chart.getTitle(), e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw new UncheckedIOException(io);
            }
            throw new IllegalStateException("cannot draw " + chart.getTitle(), e.getCause());
        }
    }
}
