package io.streamtrain.evaluate;

import io.streamtrain.core.metrics.Confusion;
import io.streamtrain.core.metrics.ConfusionMetrics;

import java.util.List;

/**
 * @param modelRunId the evaluated model bundle
 * @param runId      this evaluation's run id (its report folder)
 * @param confusion  the confusion matrix on the test split
 * @param rows       the metric table, with intervals, overall and per slice
 * @param markdown   the printed report
 * @param decision   the promotion gate's decision, or null without {@code --gate}
 * @param seconds    wall time of the evaluation: scoring, intervals, tables and plots
 */
public record EvaluateResult(String modelRunId, String runId, Confusion confusion, List<MetricRow> rows,
                             String markdown, Decision decision, double seconds) {

    public double accuracy() {
        return ConfusionMetrics.accuracy(confusion);
    }

    /** True when the gate ran and kept the champion: the command line exits with its own code. */
    public boolean rejected() {
        return decision != null && decision.rejected();
    }
}
