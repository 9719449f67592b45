package io.streamtrain.jobs;

import io.streamtrain.core.DataGateException;
import io.streamtrain.core.Freshness;
import io.streamtrain.core.RunId;
import io.streamtrain.core.kafka.KafkaConnection;
import io.streamtrain.core.table.IngestTables;
import io.streamtrain.core.table.Table;
import io.streamtrain.core.stage.Stage;
import io.streamtrain.evaluate.EvaluateResult;
import io.streamtrain.evaluate.EvaluateStage;
import io.streamtrain.ingest.IngestStage;
import io.streamtrain.model.ModelBundle;
import io.streamtrain.modelops.ScoreJob;
import io.streamtrain.modelops.ScoreStage;
import io.streamtrain.preprocess.PreprocessStage;
import io.streamtrain.train.Checkpoints;
import io.streamtrain.train.TrainJob;
import io.streamtrain.train.TrainStage;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.max;

/**
 * {@code streamtrain continuous}: streaming batch training in one long-running command. Ingest reads the topic as a
 * stream into landing, a scorer writes every event's prediction by the champion to {@code scores} (following each
 * promotion, see {@link ScoreJob}), and whenever {@link ContinuousSettings#due} a cycle runs: preprocess (its data
 * gate included), a warm start of the champion, and evaluate with the promotion gate. One cycle at a time.
 *
 * <p>All of it shares one Spark session. Under Spark's fair scheduler the two streams run in pool {@code streams}
 * and cycles in pool {@code cycles}, so a stream's micro-batch takes the next free task slot instead of queueing
 * behind a whole cycle. A refusal by the data gate is logged and the loop goes on: ingest and scoring keep running,
 * the champion stays, and the refused batches are never trained on.
 *
 * <p>The {@code freshness} table says how fresh the served model is: every {@link #STALENESS_EVERY} the champion's
 * staleness (now minus the event time of the newest record it trained on), each scoring micro-batch's
 * event-to-score latencies, and each cycle's phases and outcome. After every cycle {@link ContinuousStatus} rewrites
 * {@code reports/continuous/index.html} from them.
 */
public final class ContinuousLoop {

    private static final Logger LOG = LoggerFactory.getLogger(ContinuousLoop.class);
    /** The scorer's run id: its rows in {@code scores} and its checkpoint, the same across restarts. */
    static final String SCORER_RUN_ID = "continuous";
    static final String POOL = "spark.scheduler.pool";
    private static final String INGEST_QUERY = "streamtrain-ingest";
    private static final Duration POLL = Duration.ofSeconds(1);
    static final Duration STALENESS_EVERY = Duration.ofSeconds(10);

    private final AppConfig config;
    private final Freshness freshness = new Freshness();
    /** The newest event time each champion trained on, found once per model. */
    private final Map<String, Instant> trainedThrough = new ConcurrentHashMap<>();
    private final int maxCycles;
    private final Duration maxTime;
    private final Clock clock;

    /**
     * @param maxCycles stop after this many cycles; 0 for none
     * @param maxTime   stop after this long; zero for no limit
     */
    public ContinuousLoop(AppConfig config, int maxCycles, Duration maxTime, Clock clock) {
        this.config = config;
        this.maxCycles = maxCycles;
        this.maxTime = maxTime;
        this.clock = clock;
    }

    /** One cycle: its run id, the records read since the previous one, and what came of it. */
    public record Cycle(String runId, long newRecords, Outcome outcome, String model, double seconds) {

        /** What a cycle ended with. */
        public enum Outcome {
            PROMOTED, REJECTED, DATA_REFUSED
        }

        public String describe() {
            return String.format(Locale.ROOT, "cycle %s: %d new records, %s%s in %.0f s", runId, newRecords,
                    outcome.name().toLowerCase(Locale.ROOT).replace('_', ' '), model == null ? "" : " " + model,
                    seconds);
        }
    }

    /** Runs until {@code maxCycles} cycles or {@code maxTime} have passed; returns the cycles. */
    public List<Cycle> run() {
        try (RunContext owner = new RunContext(config, SCORER_RUN_ID, StageRunner.QUIET)) {
            owner.begin(List.of(IngestStage.NAME, PreprocessStage.NAME, TrainStage.NAME, EvaluateStage.NAME,
                    ScoreStage.NAME), true);
            SparkSession spark = owner.spark();
            KafkaConnection kafka = owner.kafka();
            ReadRecords read = new ReadRecords();
            spark.streams().addListener(read);
            ExecutorService streams = Executors.newFixedThreadPool(2, daemon("streamtrain-continuous-stream"));
            ScheduledExecutorService clockwork = Executors.newSingleThreadScheduledExecutor(
                    daemon("streamtrain-continuous-freshness"));
            clockwork.scheduleWithFixedDelay(() -> recordFreshness(spark, owner), STALENESS_EVERY.toMillis(),
                    STALENESS_EVERY.toMillis(), TimeUnit.MILLISECONDS);
            try {
                return loop(owner, spark, kafka, read, streams);
            } finally {
                clockwork.shutdownNow();
                stopStreams(spark, streams);
                // The last measurement, and whatever the streams and cycles left since the one before.
                recordFreshness(spark, owner);
                writeStatus(spark, owner);
            }
        }
    }

    /**
     * Starts ingest, then the scorer once there is a champion, and runs a cycle whenever one is due: first the one a
     * crash cut short, if any, under its own run id.
     */
    private List<Cycle> loop(RunContext owner, SparkSession spark, KafkaConnection kafka, ReadRecords read,
                             ExecutorService streams) {
        List<Cycle> cycles = new ArrayList<>();
        Instant start = clock.instant();
        Future<?> ingest = streams.submit(() -> runStream(new IngestStage(config.ingest(), config.ingestRules()),
                "ingest-" + SCORER_RUN_ID, spark, kafka));
        Future<?> scorer = null;
        Instant last = clock.instant();
        String unfinished = CycleLog.unfinished(owner.files(), owner.warehouse());
        while (!finished(cycles, start)) {
            requireRunning(ingest, "ingest");
            if (scorer == null && champion(owner) != null) {
                scorer = streams.submit(() -> runStream(scoreStage(), SCORER_RUN_ID, spark, kafka));
            }
            if (scorer != null) {
                requireRunning(scorer, "score");
            }
            long fresh = read.sinceMark();
            if (unfinished == null && !config.continuous().due(fresh, Duration.between(last, clock.instant()))) {
                sleep(POLL);
                continue;
            }
            read.mark(fresh);
            last = clock.instant();
            Cycle c = cycle(owner, spark, kafka, fresh, unfinished);
            unfinished = null;
            LOG.info("continuous: {}", c.describe());
            cycles.add(c);
            recordFreshness(spark, owner);
            writeStatus(spark, owner);
        }
        return cycles;
    }

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    private boolean finished(List<Cycle> cycles, Instant start) {
        return (maxCycles > 0 && cycles.size() >= maxCycles)
                || (!maxTime.isZero() && Duration.between(start, clock.instant()).compareTo(maxTime) >= 0);
    }

    private ScoreStage scoreStage() {
        return new ScoreStage(config.score(), config.ingestRules().labelOptional(), ModelBundle.CHAMPION,
                new ScoreJob.Input(ScoreJob.Input.Kind.KAFKA, config.kafka().topic()), freshness);
    }

    private static String champion(RunContext context) {
        return ModelBundle.champion(context.files(), context.warehouse());
    }

    /** A stream's stage, run to its end (a stop) in the streams' pool with the command's session and connection. */
    private void runStream(Stage<?> stage, String runId, SparkSession spark, KafkaConnection kafka) {
        spark.sparkContext().setLocalProperty(POOL, "streams");
        StageRunner.run(List.of(stage), new RunContext(config, runId, spark, kafka, StageRunner.QUIET));
    }

    /**
     * Preprocess, a warm start of the champion (a fresh start before there is one), and the gated evaluate.
     *
     * @param redo the run id of a cycle a crash cut short, done again under that id (each stage's re-run replaces its
     *             own output, and train resumes from its last checkpoint); null for a new cycle
     */
    private Cycle cycle(RunContext owner, SparkSession spark, KafkaConnection kafka, long newRecords, String redo) {
        spark.sparkContext().setLocalProperty(POOL, "cycles");
        String runId = redo != null ? redo : RunId.generate(clock);
        long begin = System.nanoTime();
        String champion = champion(owner);
        boolean checkpointed = redo != null && new Checkpoints(owner.files(), Checkpoints.dir(owner.warehouse(),
                runId)).exists();
        List<Stage<?>> stages = stages(champion, checkpointed);
        CycleLog.started(owner.files(), owner.warehouse(), runId);
        LOG.info("continuous: cycle {} {} on {} new records, {}", runId, redo != null ? "done again after a crash"
                : "starts", newRecords, checkpointed ? "training resumed from its last checkpoint"
                : champion == null ? "a fresh model (no champion yet)" : "warm-starting champion " + champion);
        Map<String, Double> phases = new ConcurrentHashMap<>();
        StageRunner.Listener timing = new StageRunner.Listener() {
            @Override
            public void stageFinished(String name, double seconds) {
                phases.put(name, seconds);
            }
        };
        Cycle cycle;
        try {
            StageRunner.Outcome outcome = StageRunner.run(stages, new RunContext(config, runId, spark, kafka, timing));
            EvaluateResult evaluated = outcome.find(EvaluateResult.class);
            cycle = new Cycle(runId, newRecords, evaluated.rejected() ? Cycle.Outcome.REJECTED
                    : Cycle.Outcome.PROMOTED, evaluated.modelRunId(), (System.nanoTime() - begin) / 1e9);
        } catch (StageFailure e) {
            if (!(e.getCause() instanceof DataGateException refused)) {
                throw e;
            }
            LOG.warn("continuous: cycle {}: the data gate refused the new batches ({}); the champion stays,"
                    + " ingest and scoring go on", runId, refused.getMessage());
            cycle = new Cycle(runId, newRecords, Cycle.Outcome.DATA_REFUSED, null, (System.nanoTime() - begin) / 1e9);
        } finally {
            spark.sparkContext().setLocalProperty(POOL, null);
        }
        CycleLog.finished(owner.files(), owner.warehouse(), runId);
        freshness.add(Freshness.cycle(clock.instant(), cycle.model(), runId, newRecords,
                cycle.outcome().name().toLowerCase(Locale.ROOT), phases.get(PreprocessStage.NAME),
                phases.get(TrainStage.NAME), phases.get(EvaluateStage.NAME), cycle.seconds()));
        return cycle;
    }

    /**
     * A cycle's stages: train resumes the cycle's own checkpointed run, or warm-starts the champion (a fresh model
     * before there is one), with the replay sample either way.
     */
    private List<Stage<?>> stages(String champion, boolean checkpointed) {
        ContinuousSettings cycles = config.continuous();
        TrainJob.Start start = checkpointed ? new TrainJob.Start(true, null, cycles.replayRatio())
                : new TrainJob.Start(false, champion, cycles.replayRatio(), cycles.rateFactor());
        return List.of(new PreprocessStage(config.preprocess().withHoldoutFraction(cycles.holdoutFraction())),
                new TrainStage(config.train().withEpochs(cycles.epochs()), start, config.render()),
                new EvaluateStage(config.evaluate(), null));
    }

    /** Every {@link #STALENESS_EVERY}: the champion's staleness, then what the scorer and the cycles left, written. */
    private void recordFreshness(SparkSession spark, RunContext owner) {
        spark.sparkContext().setLocalProperty(POOL, "streams");
        try {
            String champion = champion(owner);
            if (champion != null) {
                Instant through = trainedThrough.computeIfAbsent(champion, m -> newestEvent(spark, owner, m));
                freshness.add(Freshness.staleness(clock.instant(), champion, through));
            }
            freshness.flush(spark, config.warehouse());
        } catch (RuntimeException e) {
            // A missed measurement must not end the loop; the next one comes in 10 s.
            LOG.warn("continuous: recording freshness failed: {}", e.toString());
        }
    }

    /** Rewrites the status page; a page that cannot be written is logged, and the loop goes on. */
    private void writeStatus(SparkSession spark, RunContext owner) {
        try {
            String page = ContinuousStatus.write(spark, owner.files(), owner.warehouse(), champion(owner),
                    clock.instant());
            LOG.info("continuous: status page {}", page);
        } catch (RuntimeException e) {
            LOG.warn("continuous: writing the status page failed: {}", e.toString());
        }
    }

    /** The event time ({@code ts}) of the newest landed record among those model {@code model} trained on. */
    private static Instant newestEvent(SparkSession spark, RunContext owner, String model) {
        List<String> batches = ModelBundle.lineage(owner.files(), owner.warehouse(), model).landingBatches();
        Row newest = spark.read().parquet(owner.warehouse().table(Table.LANDING))
                .where(col(IngestTables.BATCH).isin(batches.toArray()))
                .agg(max(col("ts"))).first();
        return newest.isNullAt(0) ? null : Instant.ofEpochMilli(newest.getLong(0));
    }

    /** Fails the command with a stream's own failure if that stream has ended. */
    private static void requireRunning(Future<?> stream, String name) {
        if (!stream.isDone()) {
            return;
        }
        try {
            stream.get();
            throw new IllegalStateException("continuous: the " + name + " stream stopped on its own");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("continuous: interrupted", e);
        }
    }

    /** Stops both streaming queries (each ends its micro-batch and keeps its checkpoint) and waits for the threads. */
    private static void stopStreams(SparkSession spark, ExecutorService streams) {
        for (StreamingQuery q : spark.streams().active()) {
            try {
                q.stop();
            } catch (TimeoutException e) {
                LOG.warn("continuous: stream {} did not stop in time", q.name());
            }
        }
        streams.shutdown();
        try {
            if (!streams.awaitTermination(1, TimeUnit.MINUTES)) {
                LOG.warn("continuous: a stream's thread is still running after its query stopped");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("continuous: interrupted", e);
        }
    }

    /** Records ingest's micro-batches have read, and how many of them came after the last cycle began. */
    private static final class ReadRecords extends StreamingQueryListener {
        private final AtomicLong total = new AtomicLong();
        private final AtomicLong marked = new AtomicLong();

        long sinceMark() {
            return total.get() - marked.get();
        }

        void mark(long taken) {
            marked.addAndGet(taken);
        }

        @Override
        public void onQueryProgress(QueryProgressEvent event) {
            if (INGEST_QUERY.equals(event.progress().name())) {
                total.addAndGet(event.progress().numInputRows());
            }
        }

        @Override
        public void onQueryStarted(QueryStartedEvent event) {
        }

        @Override
        public void onQueryTerminated(QueryTerminatedEvent event) {
        }
    }
}
