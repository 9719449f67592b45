package io.streamtrain.jobs;

import io.streamtrain.core.kafka.KafkaConnection;
import io.streamtrain.core.stage.Stage;
import io.streamtrain.core.stage.StagePlan;
import io.streamtrain.evaluate.EvaluateResult;
import io.streamtrain.evaluate.EvaluateStage;
import io.streamtrain.ingest.IngestResult;
import io.streamtrain.ingest.IngestStage;
import io.streamtrain.ingest.ProduceStage;
import io.streamtrain.preprocess.PreprocessResult;
import io.streamtrain.preprocess.PreprocessStage;
import io.streamtrain.train.TrainJob;
import io.streamtrain.train.TrainResult;
import io.streamtrain.train.TrainStage;
import org.apache.spark.sql.SparkSession;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The pipeline's stages, built from one request: the one place a pipeline stage is wired to its settings. The
 * {@link StageRunner} runs them; {@code pipeline} and the single-stage commands call {@link #stages}, the benchmarks
 * {@link #run}.
 */
public final class Pipeline {

    /** What each stage that ran reported; null for stages that did not run. */
    public record Outcome(Long produced, IngestResult ingested, PreprocessResult curated, TrainResult trained,
                          EvaluateResult evaluated) {
        static Outcome of(StageRunner.Outcome o) {
            ProduceStage.Result produced = o.find(ProduceStage.Result.class);
            return new Outcome(produced == null ? null : produced.published(), o.find(IngestResult.class),
                    o.find(PreprocessResult.class), o.find(TrainResult.class), o.find(EvaluateResult.class));
        }
    }

    /**
     * One run's stages and their settings.
     *
     * @param modelRunId   for evaluate without train: the bundle to score, or null for the latest
     * @param trainStart   how train begins: fresh, resumed or warm-started
     * @param onlyIfEmpty  produce publishes only into a topic that holds no records
     */
    public record Request(AppConfig config, Set<PipelineStage> stages, String runId, String modelRunId,
                          TrainJob.Start trainStart, boolean onlyIfEmpty) {
        public Request {
            stages = stages.isEmpty() ? EnumSet.noneOf(PipelineStage.class) : EnumSet.copyOf(stages);
        }
    }

    /** Watches a run by the pipeline's stages: benchmarks measure each stage through it. */
    public interface Listener {
        /** The run's Kafka connection is open (an embedded broker has started). */
        default void kafkaOpened(KafkaConnection kafka) {
        }

        /** The run's Spark session has started; {@code scratch} watches its disk outside the warehouse. */
        default void sessionStarted(SparkSession spark, ScratchDisk scratch) {
        }

        /** {@code stage} is about to start. */
        default void stageStarting(PipelineStage stage) {
        }

        /** {@code stage} finished after {@code seconds}. */
        default void stageFinished(PipelineStage stage, double seconds) {
        }
    }

    private Pipeline() {
    }

    /** The request's stages, in pipeline order, each with its settings. */
    public static List<Stage<?>> stages(Request r) {
        AppConfig c = r.config();
        return r.stages().stream().<Stage<?>>map(stage -> switch (stage) {
            case PRODUCE -> new ProduceStage(c.produce(), r.onlyIfEmpty());
            case INGEST -> new IngestStage(c.ingest(), c.ingestRules());
            case PREPROCESS -> new PreprocessStage(c.preprocess());
            case TRAIN -> new TrainStage(c.train(), r.trainStart(), c.render());
            case EVALUATE -> new EvaluateStage(c.evaluate(), r.modelRunId());
        }).toList();
    }

    /** Validates every stage of the request without side effects; throws a UserException for the first problem. */
    public static List<StagePlan> plan(Request r) {
        return StageRunner.plan(stages(r), new RunContext(r.config(), r.runId(), StageRunner.QUIET));
    }

    /** Plans, then runs the stages in order. */
    public static Outcome run(Request r) {
        return run(r, new Listener() {
        });
    }

    /** Plans, then runs the stages in order, telling {@code listener} as each starts and ends. */
    public static Outcome run(Request r, Listener listener) {
        StageRunner.Listener byName = new StageRunner.Listener() {
            @Override
            public void kafkaOpened(KafkaConnection kafka) {
                listener.kafkaOpened(kafka);
            }

            @Override
            public void sessionStarted(SparkSession spark, ScratchDisk scratch) {
                listener.sessionStarted(spark, scratch);
            }

            @Override
            public void stageStarting(String name) {
                listener.stageStarting(PipelineStage.named(name));
            }

            @Override
            public void stageFinished(String name, double seconds) {
                listener.stageFinished(PipelineStage.named(name), seconds);
            }
        };
        return Outcome.of(StageRunner.run(stages(r), new RunContext(r.config(), r.runId(), byName)));
    }
}
