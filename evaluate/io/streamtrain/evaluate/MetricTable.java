package io.streamtrain.evaluate;

import io.streamtrain.core.metrics.Averaging;
import io.streamtrain.core.metrics.Confusion;
import io.streamtrain.core.metrics.ConfusionMetrics;
import io.streamtrain.core.metrics.Interval;
import io.streamtrain.core.metrics.Metric;
import io.streamtrain.core.metrics.Replicates;
import io.streamtrain.core.metrics.ScoreMetrics;
import io.streamtrain.core.metrics.ScoreStats;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * Every metric of a bootstrap, with its interval: the rows of the evaluation table. Each value is computed by the
 * same function on the sample and on every replicate, so a value and its interval always mean the same thing.
 */
public final class MetricTable {

    private static final Metric[] PER_CLASS = {Metric.PRECISION, Metric.RECALL, Metric.F1};

    private MetricTable() {
    }

    public static List<MetricRow> rows(String slice, Replicates r, List<String> labels, double confidence) {
        List<MetricRow> rows = new ArrayList<>();
        Builder b = new Builder(slice, r, labels, confidence, rows);
        for (int k = 0; k < labels.size(); k++) {
            int c = k;
            for (Metric metric : PER_CLASS) {
                b.add(labels.get(k), metric, Averaging.NONE,
                        m -> ConfusionMetrics.perClass(m, metric, c));
            }
            b.addCounted(labels.get(k), Metric.SUPPORT, ConfusionMetrics.support(b.confusion(r.sample()), k));
            b.addScored(labels.get(k), Metric.ROC_AUC, Averaging.NONE, s -> ScoreMetrics.rocAuc(s, c, labels.get(c)));
        }
        b.add(MetricRow.OVERALL, Metric.ACCURACY, Averaging.NONE, ConfusionMetrics::accuracy);
        b.addCounted(MetricRow.OVERALL, Metric.SUPPORT, r.sample().examples());
        for (Averaging averaging : new Averaging[]{Averaging.MACRO, Averaging.MICRO, Averaging.WEIGHTED}) {
            for (Metric metric : PER_CLASS) {
                b.add(MetricRow.OVERALL, metric, averaging, m -> ConfusionMetrics.value(m, metric, averaging, 0));
            }
        }
        b.addScored(MetricRow.OVERALL, Metric.ROC_AUC, Averaging.MACRO, s -> ScoreMetrics.macroRocAuc(s, labels));
        b.addScored(MetricRow.OVERALL, Metric.LOG_LOSS, Averaging.NONE, ScoreMetrics::logLoss);
        b.addScored(MetricRow.OVERALL, Metric.ECE, Averaging.NONE, ScoreMetrics::expectedCalibrationError);
        return rows;
    }

    /** The row of {@code metric} for {@code className} and {@code averaging}, or null. */
    public static MetricRow find(List<MetricRow> rows, String slice, String className, Metric metric,
                                 Averaging averaging) {
        for (MetricRow row : rows) {
            if (row.slice().equals(slice) && row.className().equals(className)
                    && row.metric().equals(metric.column()) && row.averaging().equals(averaging.column())) {
                return row;
            }
        }
        return null;
    }

    private record Builder(String slice, Replicates r, List<String> labels, double confidence, List<MetricRow> out) {

        Confusion confusion(ScoreStats s) {
            return s.confusion(labels);
        }

        void add(String className, Metric metric, Averaging averaging, ToDoubleFunction<Confusion> f) {
            addScored(className, metric, averaging, s -> f.applyAsDouble(confusion(s)));
        }

        void addScored(String className, Metric metric, Averaging averaging, ToDoubleFunction<ScoreStats> f) {
            Interval ci = Interval.percentile(r, f, confidence);
            out.add(new MetricRow(slice, className, metric.column(), averaging.column(), f.applyAsDouble(r.sample()),
                    ci.low(), ci.high()));
        }

        /** A count: exact, no interval. */
        void addCounted(String className, Metric metric, long count) {
            out.add(new MetricRow(slice, className, metric.column(), Averaging.NONE.column(), count, Double.NaN,
                    Double.NaN));
        }
    }
}
