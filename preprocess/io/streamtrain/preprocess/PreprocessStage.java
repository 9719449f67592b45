package io.streamtrain.preprocess;

import io.streamtrain.core.stage.Stage;
import io.streamtrain.core.stage.StageContext;
import io.streamtrain.core.stage.StagePlan;

/**
 * Curates the landing batches not curated yet (see {@link PreprocessJob}), or carries out a user's decision on
 * batches a data gate set aside.
 */
public final class PreprocessStage implements Stage<PreprocessResult> {

    public static final String NAME = "preprocess";

    private final PreprocessSettings settings;
    private final BatchDecision decision;

    public PreprocessStage(PreprocessSettings settings) {
        this(settings, null);
    }

    /** @param decision accept or drop batches set aside, or null for a run that curates what is new */
    public PreprocessStage(PreprocessSettings settings, BatchDecision decision) {
        this.settings = settings;
        this.decision = decision;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public StagePlan plan(StageContext context) {
        return PreprocessJob.plan(context.files(), context.warehouse(), context.runsBefore("ingest"),
                context.runId(), settings);
    }

    @Override
    public PreprocessResult run(StageContext context) {
        return decision == null
                ? PreprocessJob.run(context.spark(), settings, context.schema(), context.warehouse(),
                        context.sparkSettings().sizing(), context.runId())
                : PreprocessJob.decide(context.spark(), settings, context.schema(), context.warehouse(),
                        context.sparkSettings().sizing(), context.runId(), decision);
    }

    @Override
    public String rerunSafety(String runId) {
        return "a re-run of the same run id takes the same batches and replaces its own curated rows";
    }
}
