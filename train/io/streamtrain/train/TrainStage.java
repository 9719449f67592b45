package io.streamtrain.train;

import io.streamtrain.core.Sessions;
import io.streamtrain.core.stage.Stage;
import io.streamtrain.core.stage.StageContext;
import io.streamtrain.core.stage.StagePlan;

/** Trains the configured network on the curated training split and saves a model bundle (see {@link TrainJob}). */
public final class TrainStage implements Stage<TrainResult> {

    public static final String NAME = "train";

    private final TrainSettings settings;
    private final TrainJob.Start start;
    private final String effectiveConfig;

    /**
     * @param start           fresh, resumed or warm-started
     * @param effectiveConfig the configuration as rendered into the bundle, secrets masked
     */
    public TrainStage(TrainSettings settings, TrainJob.Start start, String effectiveConfig) {
        this.settings = settings;
        this.start = start;
        this.effectiveConfig = effectiveConfig;
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
        return TrainJob.plan(context.files(), settings, context.schema(), context.warehouse(), context.runId(), start,
                context.runsBefore("preprocess"), Sessions.requireMaster(context.sparkSettings()));
    }

    @Override
    public TrainResult run(StageContext context) {
        return TrainJob.run(context.spark(), settings, context.schema(), context.warehouse(), context.runId(), start,
                effectiveConfig, context.sparkSettings().sizing());
    }

    @Override
    public String rerunSafety(String runId) {
        return "train --resume --run-id " + runId + " continues from the last checkpointed epoch, if there is one";
    }
}
