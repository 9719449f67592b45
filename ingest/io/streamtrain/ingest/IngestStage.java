package io.streamtrain.ingest;

import io.streamtrain.core.stage.Stage;
import io.streamtrain.core.stage.StageContext;
import io.streamtrain.core.stage.StagePlan;
import org.apache.kafka.common.acl.AclOperation;

import java.util.EnumSet;

/** Reads the topic exactly once into landing and quarantine (see {@link IngestJob}). */
public final class IngestStage implements Stage<IngestResult> {

    public static final String NAME = "ingest";

    private final IngestSettings settings;
    private final IngestRules rules;

    public IngestStage(IngestSettings settings, IngestRules rules) {
        this.settings = settings;
        this.rules = rules;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean needsKafka() {
        return true;
    }

    @Override
    public StagePlan plan(StageContext context) {
        return IngestChecks.ingest(settings, context.kafkaSettings(), context.warehouse(), context.files(),
                context.runsBefore(ProduceStage.NAME));
    }

    /** Whether this client may read the topic: a missing ACL ends the command here, not in Spark's tasks. */
    @Override
    public void check(StageContext context) {
        context.kafka().requireAccess(context.kafkaSettings().topic(), EnumSet.of(AclOperation.DESCRIBE,
                AclOperation.READ), null);
    }

    @Override
    public IngestResult run(StageContext context) {
        return IngestJob.run(context.spark(), context.kafka(), settings, rules, context.warehouse(), context.runId());
    }

    @Override
    public String rerunSafety(String runId) {
        return "ingest resumes from its checkpoint or offset ledger and lands each record once";
    }
}
