package io.streamtrain.jobs;

import io.streamtrain.core.Sessions;
import io.streamtrain.evaluate.EvaluateJob;
import io.streamtrain.evaluate.EvaluateResult;
import io.streamtrain.ingest.EventPublisher;
import io.streamtrain.ingest.IngestJob;
import io.streamtrain.ingest.IngestResult;
import io.streamtrain.ingest.KafkaConnection;
import io.streamtrain.preprocess.PreprocessJob;
import io.streamtrain.preprocess.PreprocessResult;
import io.streamtrain.train.TrainJob;
import io.streamtrain.train.TrainResult;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;

/**
 * Runs a set of stages in order in one process: one Kafka connection (an embedded broker lives as long as the run)
 * and one Spark session, stopped at the end whatever happens.
 */
public final class Pipeline {

    private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);

    /** What each stage that ran reported; null for stages that did not run. */
    public record Outcome(Long produced, IngestResult ingested, PreprocessResult curated, TrainResult trained,
                          EvaluateResult evaluated) {
    }

    private Pipeline() {
    }

    /**
     * @param modelRunId for evaluate without train: the bundle to score, or null for the latest
     * @param trainStart how train begins: fresh, resumed or warm-started
     */
    public static Outcome run(AppConfig config, Set<Stage> stages, String runId, String modelRunId,
                              TrainJob.Start trainStart) {
        boolean needsKafka = stages.contains(Stage.PRODUCE) || stages.contains(Stage.INGEST);
        boolean needsSpark = !stages.isEmpty() && !Set.of(Stage.PRODUCE).containsAll(stages);
        Long produced = null;
        IngestResult ingested = null;
        PreprocessResult curated = null;
        TrainResult trained = null;
        EvaluateResult evaluated = null;
        long start = System.nanoTime();
        try (KafkaConnection kafka = needsKafka ? KafkaConnection.open(config.kafka(), config.warehouse()) : null) {
            if (stages.contains(Stage.PRODUCE)) {
                produced = new EventPublisher(kafka).publish(config.produce(), config.schema(),
                        System.currentTimeMillis());
            }
            if (needsSpark) {
                SparkSession spark = Sessions.create(config.spark());
                try {
                    if (stages.contains(Stage.INGEST)) {
                        ingested = IngestJob.run(spark, kafka, config.ingest(), config.ingestRules(),
                                config.warehouse(), runId);
                    }
                    if (stages.contains(Stage.PREPROCESS)) {
                        curated = PreprocessJob.run(spark, config.preprocess(), config.schema(), config.warehouse());
                    }
                    if (stages.contains(Stage.TRAIN)) {
                        trained = TrainJob.run(spark, config.train(), config.schema(), config.warehouse(), runId,
                                trainStart, config.render());
                    }
                    if (stages.contains(Stage.EVALUATE)) {
                        String model = trained != null ? trained.runId() : modelRunId;
                        evaluated = EvaluateJob.run(spark, config.schema(), config.warehouse(), model, runId);
                    }
                } finally {
                    spark.stop();
                }
            }
        }
        LOG.info("pipeline: {} done in {} s", stages, Math.round((System.nanoTime() - start) / 1e9));
        return new Outcome(produced, ingested, curated, trained, evaluated);
    }
}
