package io.streamtrain.evaluate;

import io.streamtrain.core.metrics.Averaging;
import io.streamtrain.core.metrics.Confusion;
import io.streamtrain.core.metrics.Metric;
import io.streamtrain.core.metrics.ScoreStats;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The report's plots as PNG bytes, drawn with XChart in memory (Java2D, no display needed: the JVM runs headless).
 * Pure: data in, bytes out; {@link EvaluateJob} writes them.
 */
public final class Charts {

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
        java.util.Collections.reverse(rows);
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

    /** Per-class F1 as points with their interval as a vertical bar. */
    public static byte[] f1WithIntervals(List<String> labels, List<MetricRow> rows, double confidence) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT)
                .title(String.format(java.util.Locale.ROOT, "F1 per class with %.0f%% intervals", confidence * 100))
                .xAxisTitle("class").yAxisTitle("F1").build();
        style(chart);
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(1.0);
        chart.getStyler().setxAxisTickLabelsFormattingFunction(x -> label(labels, x));
        chart.getStyler().setXAxisLabelRotation(45);
        chart.getStyler().setXAxisMin(-0.5);
        chart.getStyler().setXAxisMax(labels.size() - 0.5);
        double[] xs = new double[labels.size()];
        double[] f1 = new double[labels.size()];
        for (int k = 0; k < labels.size(); k++) {
            MetricRow row = MetricTable.find(rows, Scores.ALL, labels.get(k), Metric.F1, Averaging.NONE);
            xs[k] = k;
            f1[k] = row == null || Double.isNaN(row.value()) ? 0 : row.value();
            if (row != null && !Double.isNaN(row.ciLow())) {
                XYSeries bar = chart.addSeries("interval " + k, new double[]{k, k},
                        new double[]{row.ciLow(), row.ciHigh()});
                bar.setMarker(SeriesMarkers.NONE).setLineColor(new Color(0x3182bd));
                bar.setShowInLegend(false);
            }
        }
        XYSeries points = chart.addSeries("F1", xs, f1);
        points.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter).setMarkerColor(new Color(0x08306b));
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
        if (java.util.Arrays.stream(validationAccuracy).anyMatch(v -> !Double.isNaN(v))) {
            chart.addSeries("validation accuracy", x, validationAccuracy).setMarker(SeriesMarkers.DIAMOND);
        }
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

    private static String label(List<String> labels, double x) {
        int k = (int) Math.round(x);
        return Math.abs(x - k) < 1e-9 && k >= 0 && k < labels.size() ? labels.get(k) : " ";
    }

    private static void style(XYChart chart) {
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
    }

    private static byte[] png(Chart<?, ?> chart) {
        try {
            return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
