package io.streamtrain.jobs;

import io.streamtrain.core.Sessions;
import io.streamtrain.core.SparkSettings;
import io.streamtrain.core.UserException;
import io.streamtrain.core.Watchdog;
import org.apache.hadoop.fs.FSError;
import io.streamtrain.core.Warehouse;
import io.streamtrain.core.kafka.KafkaConnection;
import io.streamtrain.core.kafka.KafkaSettings;
import io.streamtrain.core.stage.Stage;
import io.streamtrain.core.stage.StagePlan;
import io.streamtrain.core.stage.StageResult;
import io.streamtrain.core.stage.Verdict;
import io.streamtrain.core.table.CuratedTable;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs any sequence of stages in one process, for {@code pipeline} and for single commands alike: every stage is
 * planned, then checked with the run's connections, before any runs (a refused command leaves nothing behind), then
 * each runs in order; the run's record goes
 * to the {@code runs} table and {@code reports/<run-id>/run.json} whatever happens; a failure after work began
 * becomes a {@link StageFailure} naming the stages that finished and the command that continues.
 */
public final class StageRunner {

    private static final Logger LOG = LoggerFactory.getLogger(StageRunner.class);

    private StageRunner() {
    }

    /** Watches a run: benchmarks measure each stage through it. */
    public interface Listener {
        /** The run's Kafka connection is open (an embedded broker has started). */
        default void kafkaOpened(KafkaConnection kafka) {
        }

        /** The run's Spark session has started; {@code scratch} watches its disk outside the warehouse. */
        default void sessionStarted(SparkSession spark, ScratchDisk scratch) {
        }

        /** Stage {@code name} is about to start. */
        default void stageStarting(String name) {
        }

        /** Stage {@code name} finished after {@code seconds}. */
        default void stageFinished(String name, double seconds) {
        }
    }

    static final Listener QUIET = new Listener() {
    };

    /** What the stages of a run returned, in order. */
    public record Outcome(List<StageResult> results) {
        public Outcome {
            results = List.copyOf(results);
        }

        /** The closing lines of every stage. */
        public String summary(Warehouse warehouse) {
            StringBuilder sb = new StringBuilder();
            results.forEach(r -> sb.append(r.summary(warehouse)));
            return sb.toString();
        }

        /** The first verdict other than passed, which the exit code reports. */
        public Verdict verdict() {
            return results.stream().map(StageResult::verdict).filter(v -> v != Verdict.PASSED).findFirst()
                    .orElse(Verdict.PASSED);
        }

        /** The result of the stage that returned a {@code type}, or null when none ran. */
        public <R extends StageResult> R find(Class<R> type) {
            return results.stream().filter(type::isInstance).map(type::cast).findFirst().orElse(null);
        }
    }

    /** Validates every stage of a command without side effects; throws a UserException for the first problem. */
    public static List<StagePlan> plan(List<? extends Stage<?>> stages, AppConfig config, String runId) {
        return plan(stages, new RunContext(config, runId, QUIET));
    }

    /** Plans, then runs the stages of a command in order. */
    public static Outcome run(List<? extends Stage<?>> stages, AppConfig config, String runId) {
        return run(stages, new RunContext(config, runId, QUIET));
    }

    static List<StagePlan> plan(List<? extends Stage<?>> stages, RunContext context) {
        context.begin(stages.stream().map(Stage::name).toList(),
                stages.stream().anyMatch(Stage::loadsNd4j));
        try {
            return planAll(stages, context);
        } catch (UncheckedIOException e) {
            // The warehouse cannot be listed: a wrong path, missing credentials or an unreachable file system.
            throw new UserException("Cannot read the warehouse " + context.warehouse().root()
                    + " (" + e.getCause().getClass().getSimpleName() + "): check warehouse, its file system's"
                    + " settings in spark.conf and your credentials", e);
        }
    }

    /** Cheapest checks first: the master is a string, the broker may take seconds to answer. */
    private static List<StagePlan> planAll(List<? extends Stage<?>> stages, RunContext context) {
        AppConfig config = context.config();
        if (stages.stream().anyMatch(Stage::needsSpark)) {
            Sessions.requireMaster(config.spark());
            config.settings().requireSecretsUnder(SparkSettings.CONF);
            CuratedTable.requireKeys(context.files(), config.warehouse(), config.spark().encryption());
        }
        if (stages.stream().anyMatch(Stage::needsKafka)) {
            config.settings().requireSecretsUnder(KafkaSettings.PROPERTIES);
            KafkaConnection.requireReachable(config.kafka(), config.warehouse());
        }
        List<StagePlan> plans = new ArrayList<>();
        for (int i = 0; i < stages.size(); i++) {
            context.enter(i);
            plans.add(stages.get(i).plan(context));
        }
        return plans;
    }

    /** Plans, then runs the stages in order; Spark and Kafka are stopped at the end whatever happens. */
    static Outcome run(List<? extends Stage<?>> stages, RunContext context) {
        List<StagePlan> plans = plan(stages, context);
        checkAll(stages, context);
        Progress progress = new Progress(context, stages);
        long start = System.nanoTime();
        try {
            for (int i = 0; i < stages.size(); i++) {
                context.enter(i);
                context.finished(progress.run(stages.get(i), plans.get(i)));
            }
        } finally {
            try {
                progress.log.write(context.files(), context.warehouse(), context.sessionIfStarted());
            } finally {
                context.close();
            }
        }
        LOG.info("pipeline: {} done in {} s", progress.names, Math.round((System.nanoTime() - start) / 1e9));
        return new Outcome(context.results());
    }

    /** The checks that need the run's connections; a refusal closes them and leaves no run record. */
    private static void checkAll(List<? extends Stage<?>> stages, RunContext context) {
        try {
            for (int i = 0; i < stages.size(); i++) {
                context.enter(i);
                stages.get(i).check(context);
            }
        } catch (RuntimeException e) {
            context.close();
            throw e;
        }
    }

    /** Which stages are done; turns a failure into a {@link StageFailure} naming them and the way on. */
    private static final class Progress {
        private final RunContext context;
        private final StageRunner.Listener listener;
        private final List<String> names;
        private final List<String> done = new ArrayList<>();
        /** The run's record: every stage that ran, with its outcome. */
        private final RunLog log;

        Progress(RunContext context, List<? extends Stage<?>> stages) {
            this.context = context;
            this.listener = context.listener();
            this.names = stages.stream().map(Stage::name).toList();
            this.log = new RunLog(context.runId());
        }

        /** Runs {@code stage}; it is done when this returns. */
        StageResult run(Stage<?> stage, StagePlan plan) {
            listener.stageStarting(stage.name());
            if (context.scratch() != null) {
                context.scratch().resetPeak();
            }
            long start = System.nanoTime();
            Instant startedAt = Instant.now();
            StageResult result;
            try {
                result = stage.run(context);
            } catch (Exception | FSError e) {
                // Exception: Spark's Scala code throws SparkException, a checked exception Java does not see coming;
                // FSError: Hadoop's local file system reports a failed write (a full disk) as an Error.
                log.failed(stage.name(), startedAt, plan.writes(), e);
                throw new StageFailure(stage.name(), done, continuation(stage), e);
            }
            log.succeeded(stage.name(), startedAt, result.counts(), plan.writes());
            done.add(stage.name());
            double seconds = (System.nanoTime() - start) / 1e9;
            if (context.scratch() != null) {
                LOG.info("pipeline: {} done in {} s; Spark's scratch disk outside the warehouse peaked at {} MB",
                        stage.name(), Math.round(seconds), context.scratch().peak() >> 20);
            }
            listener.stageFinished(stage.name(), seconds);
            Watchdog.progress(stage.name() + " finished");
            return result;
        }

        /**
         * How to carry on after a failure in {@code failed} without repeating or losing work: the stages not yet
         * finished, under the same run id, so that finished ones (a produce above all) are not run again.
         */
        private String continuation(Stage<?> failed) {
            List<String> rest = names.stream().filter(n -> !done.contains(n)).toList();
            String runId = " --run-id " + context.runId();
            String command = rest.size() == 1 && !rest.get(0).equals("produce")
                    ? "streamtrain " + rest.get(0) + runId
                    : "streamtrain pipeline --stages " + String.join(",", rest) + runId;
            return "fix the cause, then run " + command + " with the same settings ("
                    + failed.rerunSafety(context.runId()) + ")";
        }
    }
}
