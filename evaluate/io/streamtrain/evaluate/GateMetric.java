package io.streamtrain.evaluate;

import io.streamtrain.core.metrics.Averaging;
import io.streamtrain.core.metrics.ConfusionMetrics;
import io.streamtrain.core.metrics.Metric;
import io.streamtrain.core.metrics.ScoreMetrics;
import io.streamtrain.core.metrics.ScoreStats;

import java.util.List;

/** The metrics the promotion gate can require to improve; each is "higher is better". */
public enum GateMetric {
    /** Share of test examples predicted correctly. */
    ACCURACY(Metric.ACCURACY, Averaging.NONE),
    /** Unweighted mean of the per-class F1. */
    MACRO_F1(Metric.F1, Averaging.MACRO),
    /** Unweighted mean of the per-class one-vs-rest ROC AUC. */
    MACRO_ROC_AUC(Metric.ROC_AUC, Averaging.MACRO);

    private final Metric metric;
    private final Averaging averaging;

    GateMetric(Metric metric, Averaging averaging) {
        this.metric = metric;
        this.averaging = averaging;
    }

    /** The name the tables and the report give it, e.g. {@code f1 (macro)}. */
    public String describe() {
        return averaging == Averaging.NONE ? metric.column() : metric.column() + " (" + averaging.column() + ")";
    }

    public double of(ScoreStats s, List<String> labels) {
        return switch (this) {
            case ACCURACY -> ConfusionMetrics.accuracy(s.confusion(labels));
            case MACRO_F1 -> ConfusionMetrics.macro(s.confusion(labels), Metric.F1);
            case MACRO_ROC_AUC -> ScoreMetrics.macroRocAuc(s, labels);
        };
    }
}
