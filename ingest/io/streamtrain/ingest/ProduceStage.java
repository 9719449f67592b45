package io.streamtrain.ingest;

import io.streamtrain.core.Warehouse;
import io.streamtrain.core.kafka.KafkaConnection;
import io.streamtrain.core.kafka.KafkaSettings;
import io.streamtrain.core.stage.Stage;
import io.streamtrain.core.stage.StageContext;
import io.streamtrain.core.stage.StagePlan;
import io.streamtrain.core.stage.StageResult;
import org.apache.kafka.common.acl.AclOperation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.EnumSet;
import java.util.Map;

/** Publishes the configured input to the topic in transactions, once per run id (see {@link EventPublisher}). */
public final class ProduceStage implements Stage<ProduceStage.Result> {

    public static final String NAME = "produce";
    private static final Logger LOG = LoggerFactory.getLogger(ProduceStage.class);

    private final ProduceSettings settings;
    private final boolean onlyIfEmpty;

    /** @param onlyIfEmpty publish only into a topic that holds no records yet */
    public ProduceStage(ProduceSettings settings, boolean onlyIfEmpty) {
        this.settings = settings;
        this.onlyIfEmpty = onlyIfEmpty;
    }

    /** @param published the records the run id has published in all, a re-run's included */
    public record Result(long published) implements StageResult {
        @Override
        public Map<String, Double> counts() {
            return Map.of("published", (double) published);
        }

        @Override
        public String summary(Warehouse warehouse) {
            return String.format("produce:    %d records published%n", published);
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean needsSpark() {
        return false;
    }

    @Override
    public boolean needsKafka() {
        return true;
    }

    @Override
    public StagePlan plan(StageContext context) {
        ledger(context).requireSameInput(context.runId(), settings.describe(), context.kafkaSettings().topic());
        return IngestChecks.produce(settings, context.schema(), context.kafkaSettings(), context.warehouse());
    }

    /** Whether this client may write the topic with its transactional id: a missing ACL ends the command here. */
    @Override
    public void check(StageContext context) {
        KafkaSettings kafka = context.kafkaSettings();
        context.kafka().requireAccess(kafka.topic(), EnumSet.of(AclOperation.DESCRIBE, AclOperation.WRITE),
                EventPublisher.transactionalId(kafka));
    }

    @Override
    public Result run(StageContext context) {
        KafkaConnection kafka = context.kafka();
        if (onlyIfEmpty) {
            long held = kafka.recordCount();
            if (held > 0) {
                LOG.warn("produce: topic {} already holds {} offsets; not publishing again (--only-if-empty). If an"
                        + " earlier produce stopped midway, finish it with produce --skip N, N being the committed"
                        + " count it printed", kafka.settings().topic(), held);
                return new Result(0);
            }
        }
        return new Result(new EventPublisher(kafka).publish(settings, context.schema(), ledger(context),
                context.runId()));
    }

    @Override
    public String rerunSafety(String runId) {
        return "the same run id sends only the records not yet committed";
    }

    private static ProduceLedger ledger(StageContext context) {
        return new ProduceLedger(context.files(), context.warehouse().internal("produce"));
    }
}
