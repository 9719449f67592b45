package io.streamtrain.core;

import org.apache.spark.SparkContext;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerApplicationEnd;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Progress lines for every long Spark step, whatever stage of the pipeline runs it: a Spark stage that has run for
 * {@link #INTERVAL_SECONDS} seconds is reported then and every as many seconds after, with its tasks done, the
 * records it has read so far and their rate, and the time left at its pace so far; and once more when it ends. Short
 * stages stay silent. Records are those a task read (files, shuffle), or wrote when its source reports nothing read. The name is Spark's call site, which names streamtrain's class and line (for example
 * {@code parquet at PreprocessJob.java:141}).
 *
 * <p>Time left is {@code elapsed * (tasks - done) / done}: exact for equal tasks, unknown until the first task ends.
 */
public final class SparkProgress extends SparkListener {

    /** Seconds between a long stage's progress lines, and how long a stage runs before its first. */
    public static final int INTERVAL_SECONDS = 10;

    private static final Logger LOG = LoggerFactory.getLogger(SparkProgress.class);

    private final Map<Integer, Running> running = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "streamtrain-progress");
        t.setDaemon(true);
        return t;
    });

    /** The context watched: a session asked for twice in one JVM is the same context, watched once. */
    private static final Set<SparkContext> WATCHED = Collections.newSetFromMap(new WeakHashMap<>());

    private final double interval;
    private final Consumer<String> out;

    /** Reports every {@code intervalSeconds} to {@code out} (production: every {@link #INTERVAL_SECONDS} to the log). */
    SparkProgress(double intervalSeconds, Consumer<String> out) {
        this.interval = intervalSeconds;
        this.out = out;
        long millis = Math.round(intervalSeconds * 1000);
        timer.scheduleAtFixedRate(this::report, millis, millis, TimeUnit.MILLISECONDS);
    }

    /** Reports the long stages of {@code context} from now until it stops. */
    static synchronized void watch(SparkContext context) {
        if (WATCHED.add(context)) {
            context.addSparkListener(new SparkProgress(INTERVAL_SECONDS, LOG::info));
        }
    }

    /** One submitted stage attempt. */
    private static final class Running {
        final String name;
        final int stageId;
        final int tasks;
        final long startNanos = System.nanoTime();
        final AtomicLong done = new AtomicLong();
        final AtomicLong records = new AtomicLong();
        volatile boolean reported;

        Running(StageInfo info) {
            this.name = info.name();
            this.stageId = info.stageId();
            this.tasks = info.numTasks();
        }
    }

    @Override
    public void onStageSubmitted(SparkListenerStageSubmitted submitted) {
        running.put(submitted.stageInfo().stageId(), new Running(submitted.stageInfo()));
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        Running stage = running.get(end.stageId());
        TaskMetrics metrics = end.taskMetrics();
        if (stage != null && metrics != null) {
            stage.done.incrementAndGet();
            // Records read, or written where a source reports no input metrics (Kafka's, for one).
            stage.records.addAndGet(Math.max(metrics.inputMetrics().recordsRead()
                    + metrics.shuffleReadMetrics().recordsRead(), metrics.outputMetrics().recordsWritten()
                    + metrics.shuffleWriteMetrics().recordsWritten()));
        }
    }

    @Override
    public void onStageCompleted(SparkListenerStageCompleted completed) {
        Running stage = running.remove(completed.stageInfo().stageId());
        if (stage != null && stage.reported) {
            double seconds = (System.nanoTime() - stage.startNanos) / 1e9;
            out.accept(String.format(Locale.ROOT, "progress: %s (stage %d) %s in %.0f s: %d tasks, %,d records"
                            + " (%,.0f records/s)", stage.name, stage.stageId,
                    completed.stageInfo().failureReason().isDefined() ? "failed" : "done", seconds, stage.done.get(),
                    stage.records.get(), stage.records.get() / Math.max(seconds, 1e-9)));
        }
    }

    @Override
    public void onApplicationEnd(SparkListenerApplicationEnd end) {
        stop();
    }

    /** Stops the reporting. */
    void stop() {
        timer.shutdownNow();
    }

    private void report() {
        for (Running stage : running.values()) {
            double seconds = (System.nanoTime() - stage.startNanos) / 1e9;
            if (seconds < interval) {
                continue;
            }
            stage.reported = true;
            long done = stage.done.get();
            String left = done == 0 ? "time left unknown until a task ends"
                    : String.format(Locale.ROOT, "about %.0f s left", seconds * (stage.tasks - done) / done);
            out.accept(String.format(Locale.ROOT, "progress: %s (stage %d): %d/%d tasks, %,d records (%,.0f records/s),"
                            + " %.0f s in, %s", stage.name, stage.stageId, done, stage.tasks, stage.records.get(),
                    stage.records.get() / seconds, seconds, left));
        }
    }
}
