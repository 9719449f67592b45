package io.streamtrain.jobs;

import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.Sessions;
import io.streamtrain.core.StagePlan;
import io.streamtrain.evaluate.EvaluateJob;
import io.streamtrain.evaluate.EvaluateResult;
import io.streamtrain.ingest.EventPublisher;
import io.streamtrain.ingest.IngestChecks;
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

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Runs a set of stages in order in one process: one Kafka connection (an embedded broker lives as long as the run)
 * and one Spark session, stopped at the end whatever happens.
 *
 * <p>Validate, then act: {@link #plan} checks every stage without side effects (a stage counts the stages before it
 * in the same run as done), so a refused command leaves nothing behind; {@link #run} plans first, then runs, and
 * wraps a failure after work began in a {@link StageFailure} that says what was done and how to continue.
 */
public final class Pipeline {

    private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);

    /** What each stage that ran reported; null for stages that did not run. */
    public record Outcome(Long produced, IngestResult ingested, PreprocessResult curated, TrainResult trained,
                          EvaluateResult evaluated) {
    }

    /**
     * One run's stages and their settings.
     *
     * @param modelRunId   for evaluate without train: the bundle to score, or null for the latest
     * @param trainStart   how train begins: fresh, resumed or warm-started
     * @param onlyIfEmpty  produce publishes only into a topic that holds no records
     */
    public record Request(AppConfig config, Set<Stage> stages, String runId, String modelRunId,
                          TrainJob.Start trainStart, boolean onlyIfEmpty) {
        public Request {
            stages = stages.isEmpty() ? EnumSet.noneOf(Stage.class) : EnumSet.copyOf(stages);
        }
    }

    /** Watches a run: benchmarks measure each stage through it. */
    public interface Listener {
        /** The run's Spark session has started. */
        default void sessionStarted(SparkSession spark) {
        }

        default void stageStarting(Stage stage) {
        }

        default void stageFinished(Stage stage, double seconds) {
        }
    }

    private static final Listener QUIET = new Listener() {
    };

    private Pipeline() {
    }

    /** Validates every stage of the request without side effects; throws a UserException for the first problem. */
    public static List<StagePlan> plan(Request r) {
        AppConfig config = r.config();
        Set<Stage> stages = r.stages();
        List<StagePlan> plans = new ArrayList<>();
        if (needsSpark(stages)) {
            Sessions.requireMaster(config.spark());
        }
        if (needsKafka(stages)) {
            IngestChecks.requireReachable(config.kafka(), config.warehouse());
        }
        HadoopFiles files = HadoopFiles.beforeSpark(config.spark());
        String master = needsSpark(stages) ? Sessions.requireMaster(config.spark()) : "local";
        for (Stage stage : stages) {
            plans.add(switch (stage) {
                case PRODUCE -> IngestChecks.produce(config.produce(), config.schema(), config.kafka(),
                        config.warehouse());
                case INGEST -> IngestChecks.ingest(config.ingest(), config.kafka(), config.warehouse(), files,
                        stages.contains(Stage.PRODUCE));
                case PREPROCESS -> PreprocessJob.plan(files, config.warehouse(), stages.contains(Stage.INGEST));
                case TRAIN -> TrainJob.plan(files, config.train(), config.schema(), config.warehouse(), r.runId(), r.trainStart(),
                        stages.contains(Stage.PREPROCESS), master);
                case EVALUATE -> EvaluateJob.plan(files, config.warehouse(), r.modelRunId(), r.runId(),
                        stages.contains(Stage.TRAIN), stages.contains(Stage.PREPROCESS));
            });
        }
        return plans;
    }

    /** Plans, then runs the stages in order. */
    public static Outcome run(Request r) {
        return run(r, QUIET);
    }

    /** Plans, then runs the stages in order, telling {@code listener} as each starts and ends. */
    public static Outcome run(Request r, Listener listener) {
        plan(r);
        AppConfig config = r.config();
        Set<Stage> stages = r.stages();
        Progress progress = new Progress(r, listener);
        Long produced = null;
        IngestResult ingested = null;
        PreprocessResult curated = null;
        TrainResult trained = null;
        EvaluateResult evaluated = null;
        long start = System.nanoTime();
        try (KafkaConnection kafka = needsKafka(stages)
                ? progress.prepare(Stage.INGEST, () -> KafkaConnection.open(config.kafka(), config.warehouse()))
                : null) {
            if (stages.contains(Stage.PRODUCE)) {
                produced = progress.begin(Stage.PRODUCE, () -> produce(kafka, r));
            }
            if (needsSpark(stages)) {
                SparkSession spark = progress.prepare(stages.iterator().next(),
                        () -> Sessions.create(config.spark()));
                listener.sessionStarted(spark);
                try {
                    if (stages.contains(Stage.INGEST)) {
                        ingested = progress.begin(Stage.INGEST, () -> IngestJob.run(spark, kafka, config.ingest(),
                                config.ingestRules(), config.warehouse(), r.runId()));
                    }
                    if (stages.contains(Stage.PREPROCESS)) {
                        curated = progress.begin(Stage.PREPROCESS, () -> PreprocessJob.run(spark,
                                config.preprocess(), config.schema(), config.warehouse(), config.spark().sizing()));
                    }
                    if (stages.contains(Stage.TRAIN)) {
                        trained = progress.begin(Stage.TRAIN, () -> TrainJob.run(spark, config.train(),
                                config.schema(), config.warehouse(), r.runId(), r.trainStart(), config.render(), config.spark().sizing()));
                    }
                    if (stages.contains(Stage.EVALUATE)) {
                        String model = trained != null ? trained.runId() : r.modelRunId();
                        evaluated = progress.begin(Stage.EVALUATE, () -> EvaluateJob.run(spark, config.schema(),
                                config.warehouse(), model, r.runId(), config.spark().sizing()));
                    }
                } finally {
                    spark.stop();
                }
            }
        }
        LOG.info("pipeline: {} done in {} s", stages, Math.round((System.nanoTime() - start) / 1e9));
        return new Outcome(produced, ingested, curated, trained, evaluated);
    }

    private static long produce(KafkaConnection kafka, Request r) {
        if (r.onlyIfEmpty()) {
            long held = kafka.recordCount();
            if (held > 0) {
                LOG.info("produce: topic {} already holds {} records; not publishing again (--only-if-empty)",
                        kafka.settings().topic(), held);
                return 0;
            }
        }
        return new EventPublisher(kafka).publish(r.config().produce(), r.config().schema(),
                System.currentTimeMillis());
    }

    private static boolean needsKafka(Set<Stage> stages) {
        return stages.contains(Stage.PRODUCE) || stages.contains(Stage.INGEST);
    }

    private static boolean needsSpark(Set<Stage> stages) {
        return !stages.isEmpty() && !Set.of(Stage.PRODUCE).containsAll(stages);
    }

    /** Which stages are done; turns a failure into a {@link StageFailure} naming them and the way on. */
    private static final class Progress {
        private final Request request;
        private final Listener listener;
        private final List<Stage> done = new ArrayList<>();

        Progress(Request request, Listener listener) {
            this.request = request;
            this.listener = listener;
        }

        /** Runs {@code stage}; it is done when this returns. */
        <T> T begin(Stage stage, Supplier<T> work) {
            listener.stageStarting(stage);
            long start = System.nanoTime();
            T result = prepare(stage, work);
            done.add(stage);
            listener.stageFinished(stage, (System.nanoTime() - start) / 1e9);
            return result;
        }

        /** Sets up something {@code stage} needs (a broker, a Spark session); a failure counts as the stage's. */
        <T> T prepare(Stage stage, Supplier<T> work) {
            try {
                return work.get();
            } catch (RuntimeException e) {
                throw new StageFailure(stage, List.copyOf(done), continuation(stage), e);
            }
        }

        /** The command that carries on from a failure in {@code stage} without repeating or losing work. */
        private String continuation(Stage failed) {
            List<String> rest = new ArrayList<>();
            for (Stage s : request.stages()) {
                if (!done.contains(s)) {
                    rest.add(s.cliName());
                }
            }
            String runId = " --run-id " + request.runId();
            String command = switch (failed) {
                case PRODUCE -> "fix the cause, then see the produce message for how to continue without duplicates";
                case INGEST -> "fix the cause and run the same command again: ingest resumes from its checkpoint"
                        + " and lands each record once";
                case PREPROCESS -> "fix the cause and run the same command again: preprocess rewrites curated/";
                case TRAIN -> "fix the cause, then: streamtrain train --resume" + runId
                        + " (continues from the last finished epoch, if one was checkpointed; otherwise run train"
                        + runId + " again)";
                case EVALUATE -> "fix the cause and run the same command again: evaluate" + runId
                        + " rewrites its own outputs";
            };
            return rest.size() > 1 ? command + "; remaining stages: " + String.join(",", rest) : command;
        }
    }
}
