package io.streamtrain.jobs.bench;

import io.streamtrain.jobs.AppConfig;
import io.streamtrain.jobs.Pipeline;
import io.streamtrain.jobs.ScratchDisk;
import io.streamtrain.jobs.PipelineStage;
import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.Warehouse;
import io.streamtrain.core.kafka.KafkaConnection;
import io.streamtrain.train.TrainJob;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * {@code bench scale}: the whole pipeline on N and then N/10 synthetic Fashion-MNIST-shaped records, each in a scratch
 * warehouse and topic of its own, in this process with its memory settings. Prints per stage the time per record, the
 * peak resident size of the process, the bytes Spark's tasks spilled, and the peak of Spark's local disk (shuffle
 * files and cached blocks written to disk), then one
 * {@code scale_ratio_<stage>=} line per stage: time per record at N over time per record at N/10. The scratch
 * warehouses and topics are deleted at the end.
 */
public final class ScaleBench {

    private static final Logger LOG = LoggerFactory.getLogger(ScaleBench.class);
    private static final List<PipelineStage> STAGES = List.of(PipelineStage.PRODUCE, PipelineStage.INGEST, PipelineStage.PREPROCESS, PipelineStage.TRAIN,
            PipelineStage.EVALUATE);

    /** What one stage cost at one size. */
    record Cost(double seconds, long peakRssBytes, long spilledBytes, long scratchBytes) {
    }

    private ScaleBench() {
    }

    /**
     * @param load     builds the configuration with the given overrides on top of the user's
     * @param root     the warehouse under which the scratch warehouses go
     * @param records  N
     * @param epochs   training epochs at each size
     */
    public static String run(Function<List<String>, AppConfig> load, Warehouse root, long records, int epochs) {
        long small = Math.max(1, records / 10);
        String stamp = Long.toString(System.currentTimeMillis(), 36);
        // N first: the JIT and ND4J warm up on it, so N/10 runs warm and its time per record is not inflated by
        // start-up costs, which would flatter the ratio.
        Map<PipelineStage, Cost> atLarge = measure(load, root, records, epochs, stamp);
        Map<PipelineStage, Cost> atSmall = measure(load, root, small, epochs, stamp);
        StringBuilder out = new StringBuilder(header(small + " and " + records, epochs));
        out.append(String.format(Locale.ROOT, "%-11s %12s %12s %12s %12s %12s %12s %12s %12s%n", "stage",
                "us/rec@N/10", "us/rec@N", "s@N/10", "s@N", "rss_mb@N/10", "rss_mb@N", "spill_mb@N", "disk_mb@N"));
        for (PipelineStage stage : STAGES) {
            Cost a = atSmall.get(stage);
            Cost b = atLarge.get(stage);
            out.append(String.format(Locale.ROOT, "%-11s %12.1f %12.1f %12.1f %12.1f %12d %12d %12d %12d%n",
                    stage.cliName(), a.seconds() * 1e6 / small, b.seconds() * 1e6 / records, a.seconds(), b.seconds(),
                    a.peakRssBytes() >> 20, b.peakRssBytes() >> 20, b.spilledBytes() >> 20, b.scratchBytes() >> 20));
        }
        for (PipelineStage stage : STAGES) {
            double ratio = (atLarge.get(stage).seconds() / records) / (atSmall.get(stage).seconds() / small);
            out.append(String.format(Locale.ROOT, "scale_ratio_%s=%.3f%n", stage.cliName(), ratio));
        }
        return out.toString();
    }

    /**
     * Every stage on N records only, without the N/10 run or ratios: one {@code records_per_s_<stage>=} line per
     * stage, for comparing two deployments of the same data (jobs/bin/bench-cluster: one executor against two).
     */
    public static String runOnce(Function<List<String>, AppConfig> load, Warehouse root, long records, int epochs) {
        Map<PipelineStage, Cost> costs = measure(load, root, records, epochs, Long.toString(System.currentTimeMillis(), 36));
        StringBuilder out = new StringBuilder(header(Long.toString(records), epochs));
        out.append(String.format(Locale.ROOT, "%-11s %12s %12s %12s %12s %12s%n", "stage", "s@N", "rec/s@N",
                "rss_mb@N", "spill_mb@N", "disk_mb@N"));
        for (PipelineStage stage : STAGES) {
            Cost c = costs.get(stage);
            out.append(String.format(Locale.ROOT, "%-11s %12.1f %12.0f %12d %12d %12d%n", stage.cliName(),
                    c.seconds(), records / c.seconds(), c.peakRssBytes() >> 20, c.spilledBytes() >> 20,
                    c.scratchBytes() >> 20));
        }
        for (PipelineStage stage : STAGES) {
            out.append(String.format(Locale.ROOT, "records_per_s_%s=%.1f%n", stage.cliName(),
                    records / costs.get(stage).seconds()));
        }
        return out.toString();
    }

    private static String header(String sizes, int epochs) {
        return String.format(Locale.ROOT, "bench scale: %s synthetic Fashion-MNIST-shaped records, test fraction 0.1,"
                + " %d training epoch(s), driver: %d cores, max heap %d MB%n", sizes, epochs,
                Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20);
    }

    /** Runs every stage on {@code n} records in a scratch warehouse and topic, then deletes both. */
    private static Map<PipelineStage, Cost> measure(Function<List<String>, AppConfig> load, Warehouse root, long n,
                                            int epochs, String stamp) {
        String name = "bench-scale-" + n + "-" + stamp;
        Warehouse scratch = new Warehouse(root.root() + "/_bench/" + name);
        AppConfig config = load.apply(List.of(
                "warehouse=" + scratch.root(),
                "kafka.topic=" + name,
                "produce.format=synthetic",
                "produce.synthetic.records=" + n,
                "preprocess.test-fraction=0.1",
                "train.epochs=" + epochs,
                "train.early-stopping-patience=0"));
        Meter meter = new Meter();
        try {
            LOG.info("bench scale: {} records in {}", n, scratch.root());
            Pipeline.run(new Pipeline.Request(config, EnumSet.copyOf(STAGES), "scale-" + n, null,
                    TrainJob.Start.FRESH, false), meter);
            return meter.costs;
        } finally {
            try (KafkaConnection kafka = config.kafka().isEmbedded() ? null
                    : KafkaConnection.open(config.kafka(), config.warehouse())) {
                if (kafka != null) {
                    kafka.deleteTopic();
                }
            }
            // The embedded broker's log is in the scratch warehouse: deleting it deletes the topic too.
            HadoopFiles.beforeSpark(config.spark()).deleteRecursively(scratch.root());
        }
    }

    /** Per stage: wall time, the process's peak resident size, Spark's spills and the peak of its scratch disk. */
    private static final class Meter extends SparkListener implements Pipeline.Listener {
        private final Map<PipelineStage, Cost> costs = new EnumMap<>(PipelineStage.class);
        private final AtomicLong spilled = new AtomicLong();
        private SparkSession spark;
        private ScratchDisk scratch;
        private KafkaConnection kafka;

        @Override
        public void kafkaOpened(KafkaConnection connection) {
            kafka = connection;
        }

        @Override
        public void sessionStarted(SparkSession session, ScratchDisk disk) {
            spark = session;
            scratch = disk;
            spark.sparkContext().addSparkListener(this);
        }

        @Override
        public void stageStarting(PipelineStage stage) {
            resetPeakRss();
            spilled.set(0);
        }

        @Override
        public void stageFinished(PipelineStage stage, double seconds) {
            if (spark != null) {
                // Task metrics reach listeners asynchronously: let the bus deliver this stage's before reading them.
                try {
                    spark.sparkContext().listenerBus().waitUntilEmpty(TimeUnit.SECONDS.toMillis(30));
                } catch (TimeoutException e) {
                    LOG.warn("bench scale: Spark's listener bus did not drain in 30 s; {}'s spill may be undercounted",
                            stage.cliName());
                }
            }
            costs.put(stage, new Cost(seconds, peakRss(), spilled.get(), scratch == null ? 0 : scratch.peak()));
            if (stage == PipelineStage.INGEST && kafka != null) {
                // The scratch topic is read: its log grows with the records (docs/benchmarks.md) and need not share
                // the disk with preprocess's and train's spills.
                kafka.deleteTopic();
            }
            // Spark deletes a finished stage's shuffle files once the garbage collector has found their RDDs
            // unreachable; collecting now returns that disk before the next stage instead of after 30 minutes.
            System.gc();
        }

        @Override
        public void onTaskEnd(SparkListenerTaskEnd end) {
            if (end.taskMetrics() != null) {
                spilled.addAndGet(end.taskMetrics().diskBytesSpilled());
            }
        }
    }

    /** Linux: writing 5 to clear_refs resets the peak resident size (VmHWM) to the current one. */
    private static void resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | RuntimeException e) {
            LOG.warn("bench scale: cannot reset the peak resident size ({}); peaks are since the process began",
                    e.getMessage());
        }
    }

    /** VmHWM of this process, in bytes; 0 where /proc is not there. */
    public static long peakRss() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/status"))) {
            return lines.filter(l -> l.startsWith("VmHWM:")).findFirst()
                    .map(l -> Long.parseLong(l.replaceAll("\\D", "")) * 1024).orElse(0L);
        } catch (IOException e) {
            return 0;
        }
    }
}
