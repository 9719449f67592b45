package io.streamtrain.jobs;

import io.streamtrain.model.Networks;
import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.Sessions;
import io.streamtrain.core.SparkSettings;
import io.streamtrain.core.stage.StagePlan;
import io.streamtrain.core.UserException;
import io.streamtrain.evaluate.EvaluateJob;
import io.streamtrain.evaluate.EvaluateResult;
import io.streamtrain.ingest.EventPublisher;
import io.streamtrain.ingest.ProduceLedger;
import io.streamtrain.ingest.IngestChecks;
import io.streamtrain.ingest.IngestJob;
import io.streamtrain.ingest.IngestResult;
import io.streamtrain.core.kafka.KafkaConnection;
import io.streamtrain.core.kafka.KafkaSettings;
import io.streamtrain.preprocess.PreprocessJob;
import io.streamtrain.preprocess.PreprocessResult;
import io.streamtrain.train.TrainJob;
import io.streamtrain.train.TrainResult;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
        /** The run's Kafka connection is open (an embedded broker has started). */
        default void kafkaOpened(KafkaConnection kafka) {
        }

        /** The run's Spark session has started; {@code scratch} watches its disk outside the warehouse. */
        default void sessionStarted(SparkSession spark, ScratchDisk scratch) {
        }

        /** {@code stage} is about to start. */
        default void stageStarting(Stage stage) {
        }

        /** {@code stage} finished after {@code seconds}. */
        default void stageFinished(Stage stage, double seconds) {
        }
    }

    private static final Listener QUIET = new Listener() {
    };

    private Pipeline() {
    }

    /** Validates every stage of the request without side effects; throws a UserException for the first problem. */
    public static List<StagePlan> plan(Request r) {
        try {
            return check(r);
        } catch (UncheckedIOException e) {
            // The warehouse cannot be listed: a wrong path, missing credentials or an unreachable file system.
            throw new UserException("Cannot read the warehouse " + r.config().warehouse().root()
                    + " (" + e.getCause().getClass().getSimpleName() + "): check warehouse, its file system's"
                    + " settings in spark.conf and your credentials", e);
        }
    }

    private static List<StagePlan> check(Request r) {
        AppConfig config = r.config();
        Set<Stage> stages = r.stages();
        List<StagePlan> plans = new ArrayList<>();
        // Cheapest first: the master is a string, the broker may take seconds to answer.
        String master = needsSpark(stages) ? Sessions.requireMaster(config.spark()) : "local";
        if (needsSpark(stages)) {
            config.settings().requireSecretsUnder(SparkSettings.CONF);
        }
        if (needsKafka(stages)) {
            config.settings().requireSecretsUnder(KafkaSettings.PROPERTIES);
            KafkaConnection.requireReachable(config.kafka(), config.warehouse());
        }
        HadoopFiles files = HadoopFiles.beforeSpark(config.spark());
        for (Stage stage : stages) {
            plans.add(switch (stage) {
                case PRODUCE -> {
                    produceLedger(files, config).requireSameInput(r.runId(), config.produce().describe(),
                            config.kafka().topic());
                    yield IngestChecks.produce(config.produce(), config.schema(), config.kafka(), config.warehouse());
                }
                case INGEST -> IngestChecks.ingest(config.ingest(), config.kafka(), config.warehouse(), files,
                        stages.contains(Stage.PRODUCE));
                case PREPROCESS -> PreprocessJob.plan(files, config.warehouse(), stages.contains(Stage.INGEST),
                        r.runId(), config.preprocess().full());
                case TRAIN -> TrainJob.plan(files, config.train(), config.schema(), config.warehouse(), r.runId(),
                        r.trainStart(), stages.contains(Stage.PREPROCESS), master);
                case EVALUATE -> EvaluateJob.plan(files, config.schema(), config.warehouse(), config.evaluate(),
                        r.modelRunId(), r.runId(), stages.contains(Stage.TRAIN), stages.contains(Stage.PREPROCESS));
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
        List<StagePlan> plans = plan(r);
        AppConfig config = r.config();
        Set<Stage> stages = r.stages();
        Progress progress = new Progress(r, listener, plans);
        HadoopFiles files = HadoopFiles.beforeSpark(config.spark());
        boolean recorded = false;
        Long produced = null;
        IngestResult ingested = null;
        PreprocessResult curated = null;
        TrainResult trained = null;
        EvaluateResult evaluated = null;
        long start = System.nanoTime();
        try (KafkaConnection kafka = needsKafka(stages)
                ? progress.prepare(() -> KafkaConnection.open(config.kafka(), config.warehouse()))
                : null) {
            if (kafka != null) {
                listener.kafkaOpened(kafka);
            }
            if (stages.contains(Stage.PRODUCE)) {
                produced = progress.begin(Stage.PRODUCE, () -> produce(kafka, files, r));
            }
            if (needsSpark(stages)) {
                if (stages.contains(Stage.TRAIN) || stages.contains(Stage.EVALUATE)) {
                    Networks.startBackend();
                }
                SparkSession spark = progress.prepare(() -> Sessions.create(config.spark()));
                spark.sparkContext().uiWebUrl().foreach(url -> {
                    LOG.info("pipeline: Spark UI at {}", url);
                    return null;
                });
                ScratchDisk scratch = ScratchDisk.watch(spark);
                progress.scratch = scratch;
                listener.sessionStarted(spark, scratch);
                try {
                    if (stages.contains(Stage.INGEST)) {
                        ingested = progress.begin(Stage.INGEST, () -> IngestJob.run(spark, kafka, config.ingest(),
                                config.ingestRules(), config.warehouse(), r.runId()));
                    }
                    if (stages.contains(Stage.PREPROCESS)) {
                        curated = progress.begin(Stage.PREPROCESS, () -> PreprocessJob.run(spark,
                                config.preprocess(), config.schema(), config.warehouse(), config.spark().sizing(),
                                r.runId()));
                    }
                    if (stages.contains(Stage.TRAIN)) {
                        trained = progress.begin(Stage.TRAIN, () -> TrainJob.run(spark, config.train(),
                                config.schema(), config.warehouse(), r.runId(), r.trainStart(), config.render(), config.spark().sizing()));
                    }
                    if (stages.contains(Stage.EVALUATE)) {
                        String model = trained != null ? trained.runId() : r.modelRunId();
                        evaluated = progress.begin(Stage.EVALUATE, () -> EvaluateJob.run(spark, config.schema(),
                                config.warehouse(), config.evaluate(), model, r.runId()));
                    }
                } finally {
                    progress.log.write(files, config.warehouse(), spark);
                    recorded = true;
                    spark.stop();
                    scratch.close();
                    reportCleanup(scratch);
                }
            }
        } finally {
            if (!recorded) {
                progress.log.write(files, config.warehouse(), null);
            }
        }
        LOG.info("pipeline: {} done in {} s", stages, Math.round((System.nanoTime() - start) / 1e9));
        return new Outcome(produced, ingested, curated, trained, evaluated);
    }

    /** Spark deletes its scratch directories when the session stops; says so, or what is left. */
    private static void reportCleanup(ScratchDisk scratch) {
        long left = scratch.bytes();
        if (left == 0) {
            LOG.info("pipeline: Spark's scratch disk ({}) removed", scratch.where());
        } else {
            LOG.warn("pipeline: {} MB of Spark's scratch files remain in {}; they may be deleted", left >> 20,
                    scratch.where());
        }
    }

    private static long produce(KafkaConnection kafka, HadoopFiles files, Request r) {
        if (r.onlyIfEmpty()) {
            long held = kafka.recordCount();
            if (held > 0) {
                LOG.warn("produce: topic {} already holds {} offsets; not publishing again (--only-if-empty). If an"
                        + " earlier produce stopped midway, finish it with produce --skip N, N being the committed"
                        + " count it printed", kafka.settings().topic(), held);
                return 0;
            }
        }
        return new EventPublisher(kafka).publish(r.config().produce(), r.config().schema(),
                produceLedger(files, r.config()), r.runId());
    }

    private static ProduceLedger produceLedger(HadoopFiles files, AppConfig config) {
        return new ProduceLedger(files, config.warehouse().internal("produce"));
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
        private final Map<String, List<String>> writes = new HashMap<>();
        /** The run's record: every stage that ran, with its outcome. */
        private final RunLog log;
        /** Spark's disk outside the warehouse, once a session is up. */
        private ScratchDisk scratch;

        Progress(Request request, Listener listener, List<StagePlan> plans) {
            this.request = request;
            this.listener = listener;
            this.log = new RunLog(request.runId());
            for (StagePlan plan : plans) {
                writes.put(plan.stage(), plan.writes());
            }
        }

        /** Runs {@code stage}; it is done when this returns. */
        <T> T begin(Stage stage, Supplier<T> work) {
            listener.stageStarting(stage);
            if (scratch != null) {
                scratch.resetPeak();
            }
            long start = System.nanoTime();
            Instant startedAt = Instant.now();
            List<String> outputs = writes.getOrDefault(stage.cliName(), List.of());
            T result;
            try {
                result = run(stage, work);
            } catch (StageFailure failure) {
                log.failed(stage, startedAt, outputs, failure.getCause());
                throw failure;
            }
            log.succeeded(stage, startedAt, counts(result), outputs);
            done.add(stage);
            double seconds = (System.nanoTime() - start) / 1e9;
            if (scratch != null) {
                LOG.info("pipeline: {} done in {} s; Spark's scratch disk outside the warehouse peaked at {} MB",
                        stage.cliName(), Math.round(seconds), scratch.peak() >> 20);
            }
            listener.stageFinished(stage, seconds);
            return result;
        }

        /** What a stage's result counts, for the runs table. */
        private static Map<String, Double> counts(Object result) {
            Map<String, Double> c = new LinkedHashMap<>();
            if (result instanceof Long published) {
                c.put("published", published.doubleValue());
            } else if (result instanceof IngestResult i) {
                c.put("read", (double) i.read());
                c.put("landed", (double) i.landed());
                c.put("quarantined", (double) i.quarantined());
                c.put("batches", (double) i.batches());
            } else if (result instanceof PreprocessResult p) {
                c.put("landed", (double) p.landed());
                c.put("train", (double) p.train());
                c.put("validation", (double) p.validation());
                c.put("test", (double) p.test());
                c.put("quarantined", (double) p.quarantined());
            } else if (result instanceof TrainResult t) {
                c.put("examples", (double) t.examples());
                c.put("epochs", (double) t.history().size());
            } else if (result instanceof EvaluateResult e) {
                c.put("accuracy", e.accuracy());
            }
            return c;
        }

        /**
         * Sets up what the next stages need (a broker, a Spark session); a failure counts as the first unfinished
         * stage's.
         */
        <T> T prepare(Supplier<T> work) {
            Stage next = request.stages().stream().filter(s -> !done.contains(s)).findFirst().orElseThrow();
            return run(next, work);
        }

        private <T> T run(Stage stage, Supplier<T> work) {
            try {
                return work.get();
            } catch (RuntimeException e) {
                throw new StageFailure(stage, List.copyOf(done), continuation(stage), e);
            }
        }

        /**
         * How to carry on after a failure in {@code failed} without repeating or losing work: the stages not yet
         * finished, under the same run id, so that finished ones (a produce above all) are not run again.
         */
        private String continuation(Stage failed) {
            List<String> rest = new ArrayList<>();
            for (Stage s : request.stages()) {
                if (!done.contains(s)) {
                    rest.add(s.cliName());
                }
            }
            String runId = " --run-id " + request.runId();
            String why = switch (failed) {
                case PRODUCE -> "the same run id sends only the records not yet committed";
                case INGEST -> "ingest resumes from its checkpoint or offset ledger and lands each record once";
                case PREPROCESS -> "a re-run of the same run id replaces its own curated rows";
                case TRAIN -> "train --resume" + runId + " continues from the last checkpointed epoch, if there is one";
                case EVALUATE -> "evaluate" + runId + " rewrites its own outputs";
            };
            String command = rest.size() == 1 && !rest.get(0).equals("produce")
                    ? "streamtrain " + rest.get(0) + runId
                    : "streamtrain pipeline --stages " + String.join(",", rest) + runId;
            return "fix the cause, then run " + command + " with the same settings (" + why + ")";
        }
    }
}
