package io.streamtrain.modelops;

import io.streamtrain.core.Warehouse;
import io.streamtrain.core.stage.Stage;
import io.streamtrain.core.stage.StageContext;
import io.streamtrain.core.stage.StagePlan;
import io.streamtrain.core.stage.StageResult;
import io.streamtrain.evaluate.EvaluateSettings;

import java.util.List;
import java.util.Map;

/** Writes and measures compressed copies of a model bundle (see {@link CompressJob}). */
public final class CompressStage implements Stage<CompressStage.Result> {

    public static final String NAME = "compress";

    private final EvaluateSettings evaluate;
    private final CompressSettings settings;
    private final String modelId;

    /**
     * @param evaluate how intervals are drawn, the same as evaluate's
     * @param modelId  the bundle to compress; null for the latest
     */
    public CompressStage(EvaluateSettings evaluate, CompressSettings settings, String modelId) {
        this.evaluate = evaluate;
        this.settings = settings;
        this.modelId = modelId;
    }

    /** The original and each copy, measured on the test split. */
    public record Result(List<CompressJob.Measured> measured) implements StageResult {
        @Override
        public Map<String, Double> counts() {
            return Map.of("copies", (double) measured.size() - 1);
        }

        @Override
        public String summary(Warehouse warehouse) {
            return CompressJob.summary(measured) + System.lineSeparator();
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public StagePlan plan(StageContext context) {
        return CompressJob.plan(context.files(), context.schema(), context.warehouse(), settings, modelId,
                context.runId());
    }

    @Override
    public Result run(StageContext context) {
        return new Result(CompressJob.run(context.spark(), context.schema(), context.warehouse(), evaluate, settings,
                modelId, context.runId(), context.sparkSettings().sizing()));
    }

    @Override
    public String rerunSafety(String runId) {
        return "compress --run-id " + runId + " rewrites the copies and its own rows";
    }
}
