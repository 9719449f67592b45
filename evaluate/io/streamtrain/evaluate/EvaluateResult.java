package io.streamtrain.evaluate;

import io.streamtrain.core.Warehouse;
import io.streamtrain.core.stage.StageResult;
import io.streamtrain.core.stage.Verdict;
import java.util.Map;
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
                             String markdown, Decision decision, double seconds) implements StageResult {

    @Override
    public Map<String, Double> counts() {
        return Map.of("accuracy", accuracy());
    }

    @Override
    public String summary(Warehouse warehouse) {
        StringBuilder sb = new StringBuilder();
        sb.append('\n').append(markdown).append('\n');
        sb.append(String.format("evaluate:   accuracy %.4f -> %s%n", accuracy(), warehouse.report(runId)));
        if (decision != null) {
            sb.append(String.format("gate:       %s %s (champion before: %s)%s%n", decision.outcome().column(),
                    decision.candidate(), decision.champion() == null ? "none" : decision.champion(),
                    decision.rejected() ? "; exit code 3" : ""));
        }
        return sb.toString();
    }

    @Override
    public Verdict verdict() {
        return rejected() ? Verdict.MODEL_REJECTED : Verdict.PASSED;
    }


    public double accuracy() {
        return ConfusionMetrics.accuracy(confusion);
    }

    /** True when the gate ran and kept the champion: the command line exits with its own code. */
    public boolean rejected() {
        return decision != null && decision.rejected();
    }
}
