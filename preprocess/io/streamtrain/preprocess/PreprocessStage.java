package io.streamtrain.preprocess;

import io.streamtrain.core.stage.Stage;
import io.streamtrain.core.stage.StageContext;
import io.streamtrain.core.stage.StagePlan;

/** Curates the landing batches not curated yet (see {@link PreprocessJob}). */
public final class PreprocessStage implements Stage<PreprocessResult> {

    public static final String NAME = "preprocess";

    private final PreprocessSettings settings;

    public PreprocessStage(PreprocessSettings settings) {
        this.settings = settings;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public StagePlan plan(StageContext context) {
        return PreprocessJob.plan(context.files(), context.warehouse(), context.runsBefore("ingest"),
                context.runId(), settings.full());
    }

    @Override
    public PreprocessResult run(StageContext context) {
        return PreprocessJob.run(context.spark(), settings, context.schema(), context.warehouse(),
                context.sparkSettings().sizing(), context.runId());
    }

    @Override
    public String rerunSafety(String runId) {
        return "a re-run of the same run id replaces its own curated rows";
    }
}
