package io.streamtrain.modelops;

import io.streamtrain.core.Warehouse;
import io.streamtrain.core.stage.Stage;
import io.streamtrain.core.stage.StageContext;
import io.streamtrain.core.stage.StagePlan;
import io.streamtrain.core.stage.StageResult;
import io.streamtrain.core.stage.Verdict;

import java.util.LinkedHashMap;
import java.util.Map;

/** Saliency maps, integrated gradients and the model-randomisation sanity check (see {@link ExplainJob}). */
public final class ExplainStage implements Stage<ExplainStage.Result> {

    public static final String NAME = "explain";

    private final ExplainSettings settings;
    private final AttributionImages.Geometry geometry;
    private final String modelId;

    /**
     * @param geometry how a row's features form an image
     * @param modelId  the bundle or copy to explain; null for the latest
     */
    public ExplainStage(ExplainSettings settings, AttributionImages.Geometry geometry, String modelId) {
        this.settings = settings;
        this.geometry = geometry;
        this.modelId = modelId;
    }

    /** What explain wrote, with the sanity check's verdict. */
    public record Result(ExplainJob.Result explained) implements StageResult {
        @Override
        public Map<String, Double> counts() {
            Map<String, Double> c = new LinkedHashMap<>();
            c.put("images", (double) explained.images());
            c.put("sanity_rank_correlation", explained.saliency().mean());
            return c;
        }

        @Override
        public String summary(Warehouse warehouse) {
            return explained.summary() + System.lineSeparator();
        }

        @Override
        public Verdict verdict() {
            return explained.saliency().passed() ? Verdict.PASSED : Verdict.SANITY_CHECK_FAILED;
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public StagePlan plan(StageContext context) {
        return ExplainJob.plan(context.files(), context.schema(), context.warehouse(), settings, modelId,
                context.runId());
    }

    @Override
    public Result run(StageContext context) {
        return new Result(ExplainJob.run(context.spark(), context.schema(), context.warehouse(), settings, geometry,
                modelId, context.runId()));
    }

    @Override
    public String rerunSafety(String runId) {
        return "explain --run-id " + runId + " rewrites its own report";
    }
}
