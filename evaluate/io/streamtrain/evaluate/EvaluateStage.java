package io.streamtrain.evaluate;

import io.streamtrain.core.stage.Stage;
import io.streamtrain.core.stage.StageContext;
import io.streamtrain.core.stage.StagePlan;

/**
 * Scores a model on the test split and writes the metric tables and the report; with the gate on, decides on
 * promotion (see {@link EvaluateJob}). The model is the one an earlier stage of the run trained, else the one named.
 */
public final class EvaluateStage implements Stage<EvaluateResult> {

    public static final String NAME = "evaluate";

    private final EvaluateSettings settings;
    private final String modelId;

    /** @param modelId the bundle (or copy) to score when the run trains none; null for the latest */
    public EvaluateStage(EvaluateSettings settings, String modelId) {
        this.settings = settings;
        this.modelId = modelId;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean loadsNd4j() {
        return true;
    }

    @Override
    public StagePlan plan(StageContext context) {
        return EvaluateJob.plan(context.files(), context.schema(), context.warehouse(), settings, modelId,
                context.runId(), context.runsBefore("train"), context.runsBefore("preprocess"));
    }

    @Override
    public EvaluateResult run(StageContext context) {
        String model = context.modelOfThisRun() != null ? context.modelOfThisRun() : modelId;
        return EvaluateJob.run(context.spark(), context.schema(), context.warehouse(), settings, model,
                context.runId());
    }

    @Override
    public String rerunSafety(String runId) {
        return "evaluate --run-id " + runId + " rewrites its own outputs";
    }
}
