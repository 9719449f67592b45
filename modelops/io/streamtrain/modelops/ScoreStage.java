package io.streamtrain.modelops;

import io.streamtrain.core.Freshness;
import io.streamtrain.core.Warehouse;
import io.streamtrain.core.stage.Stage;
import io.streamtrain.core.stage.StageContext;
import io.streamtrain.core.stage.StagePlan;
import io.streamtrain.core.stage.StageResult;
import io.streamtrain.core.table.Table;
import io.streamtrain.ingest.IngestRules;
import org.apache.kafka.common.acl.AclOperation;

import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;

/** Applies a model bundle, with its own scaler, to landing, Parquet data or a topic (see {@link ScoreJob}). */
public final class ScoreStage implements Stage<ScoreStage.Result> {

    public static final String NAME = "score";

    private final ScoreSettings settings;
    private final IngestRules rules;
    private final String modelId;
    private final ScoreJob.Input input;
    private final Freshness freshness;

    /**
     * @param rules   the door's rules, for a topic input: a scored record is refused for the reasons ingest refuses it
     * @param modelId the bundle or copy to apply; null for the latest
     */
    public ScoreStage(ScoreSettings settings, IngestRules rules, String modelId, ScoreJob.Input input) {
        this(settings, rules, modelId, input, null);
    }

    /**
     * @param freshness where a topic's micro-batches leave their latency rows for its owner to write; null: each
     *                  micro-batch writes its own
     */
    public ScoreStage(ScoreSettings settings, IngestRules rules, String modelId, ScoreJob.Input input,
                      Freshness freshness) {
        this.settings = settings;
        this.rules = rules;
        this.modelId = modelId;
        this.input = input;
        this.freshness = freshness;
    }

    /** What a score run did, and under which run id its rows are. */
    public record Result(ScoreJob.Result scored, String runId) implements StageResult {
        @Override
        public Map<String, Double> counts() {
            Map<String, Double> c = new LinkedHashMap<>();
            c.put("scored", (double) scored.scored());
            c.put("quarantined", (double) scored.quarantined());
            return c;
        }

        @Override
        public String summary(Warehouse warehouse) {
            return String.format("score:      %d rows scored with model %s, %d quarantined -> %s (run_id = %s)%n",
                    scored.scored(), scored.modelId(), scored.quarantined(), warehouse.table(Table.SCORES), runId);
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean needsKafka() {
        return input.isKafka();
    }

    @Override
    public StagePlan plan(StageContext context) {
        return ScoreJob.plan(context.files(), context.schema(), context.warehouse(), context.kafkaSettings(),
                settings, modelId, input, context.runId());
    }

    /**
     * A topic on the embedded broker can only be looked for once the broker runs; on any broker, a missing ACL to
     * read it ends the command here.
     */
    @Override
    public void check(StageContext context) {
        if (input.isKafka() && context.kafkaSettings().isEmbedded()) {
            ScoreJob.requireTopic(context.kafka().clientProperties(), input.location(),
                    context.kafka().bootstrapServers());
        }
        if (input.isKafka()) {
            context.kafka().requireAccess(input.location(), EnumSet.of(AclOperation.DESCRIBE, AclOperation.READ),
                    null);
        }
    }

    @Override
    public Result run(StageContext context) {
        return new Result(ScoreJob.run(context.spark(), context.schema(), rules, context.warehouse(), settings,
                input.isKafka() ? context.kafka() : null, modelId, input, context.runId(),
                context.sparkSettings().sizing(), freshness), context.runId());
    }

    @Override
    public String rerunSafety(String runId) {
        return "score --run-id " + runId + " replaces its own rows, and a topic is read from its own checkpoint";
    }
}
