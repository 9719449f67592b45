package io.streamtrain.evaluate;

import java.util.List;

/**
 * @param modelRunId the evaluated model bundle
 * @param runId      this evaluation's run id (its report folder)
 * @param confusion  the confusion matrix on the test split
 * @param rows       the metric table
 * @param markdown   the printed report
 */
public record EvaluateResult(String modelRunId, String runId, Confusion confusion, List<MetricRow> rows,
                             String markdown) {

    public double accuracy() {
        return ConfusionMetrics.accuracy(confusion);
    }
}
