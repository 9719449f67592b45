package io.streamtrain.jobs;

import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.RecordSchema;
import io.streamtrain.core.Sessions;
import io.streamtrain.core.SparkSettings;
import io.streamtrain.core.Warehouse;
import io.streamtrain.core.kafka.KafkaConnection;
import io.streamtrain.core.kafka.KafkaSettings;
import io.streamtrain.core.stage.StageContext;
import io.streamtrain.core.stage.StageResult;
import io.streamtrain.model.Networks;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * The one {@link StageContext} of a command: its settings and run id, a Spark session and a Kafka connection started
 * on first use and stopped by {@link #close}, and which stage of the run is current.
 */
final class RunContext implements StageContext, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RunContext.class);

    private final AppConfig config;
    private final String runId;
    private final StageRunner.Listener listener;
    private final List<StageResult> results = new ArrayList<>();
    private List<String> stages = List.of();
    private int current;
    private boolean warmNd4j;
    private HadoopFiles beforeSpark;
    private SparkSession spark;
    private ScratchDisk scratch;
    private KafkaConnection kafka;
    /** Whether the session and the connection belong to a longer-lived caller, which stops them itself. */
    private final boolean borrowed;

    RunContext(AppConfig config, String runId, StageRunner.Listener listener) {
        this.config = config;
        this.runId = runId;
        this.listener = listener;
        this.borrowed = false;
    }

    /**
     * A context for one run of stages inside a longer-lived command ({@code continuous}): it uses the command's
     * session and connection and leaves them running when it closes.
     */
    RunContext(AppConfig config, String runId, SparkSession spark, KafkaConnection kafka,
               StageRunner.Listener listener) {
        this.config = config;
        this.runId = runId;
        this.listener = listener;
        this.spark = spark;
        this.kafka = kafka;
        this.borrowed = true;
    }

    /** The run's stages, in order; {@code warmNd4j}: load ND4J's native backend while Spark starts. */
    void begin(List<String> names, boolean warmNd4j) {
        this.stages = List.copyOf(names);
        this.warmNd4j = warmNd4j;
    }

    /** Stage {@code index} of the run is now planned or run. */
    void enter(int index) {
        current = index;
    }

    void finished(StageResult result) {
        results.add(result);
    }

    /** What the stages that finished returned, in order. */
    List<StageResult> results() {
        return List.copyOf(results);
    }

    AppConfig config() {
        return config;
    }

    StageRunner.Listener listener() {
        return listener;
    }

    @Override
    public String runId() {
        return runId;
    }

    @Override
    public Warehouse warehouse() {
        return config.warehouse();
    }

    @Override
    public RecordSchema schema() {
        return config.schema();
    }

    @Override
    public SparkSettings sparkSettings() {
        return config.spark();
    }

    @Override
    public KafkaSettings kafkaSettings() {
        return config.kafka();
    }

    @Override
    public HadoopFiles files() {
        if (spark != null) {
            return new HadoopFiles(spark.sparkContext().hadoopConfiguration());
        }
        if (beforeSpark == null) {
            beforeSpark = HadoopFiles.beforeSpark(config.spark());
        }
        return beforeSpark;
    }

    @Override
    public SparkSession spark() {
        if (spark == null) {
            if (warmNd4j) {
                Networks.startBackend();
            }
            spark = Sessions.create(config.spark());
            spark.sparkContext().uiWebUrl().foreach(url -> {
                LOG.info("pipeline: Spark UI at {}", url);
                return null;
            });
            scratch = ScratchDisk.watch(spark);
            listener.sessionStarted(spark, scratch);
        }
        return spark;
    }

    @Override
    public KafkaConnection kafka() {
        if (kafka == null) {
            kafka = KafkaConnection.open(config.kafka(), config.warehouse());
            listener.kafkaOpened(kafka);
        }
        return kafka;
    }

    @Override
    public boolean runsBefore(String name) {
        int at = stages.indexOf(name);
        return at >= 0 && at < current;
    }

    @Override
    public String modelOfThisRun() {
        String model = null;
        for (StageResult r : results) {
            model = r.model() != null ? r.model() : model;
        }
        return model;
    }

    /** The session if one started: the run record is written with it. */
    SparkSession sessionIfStarted() {
        return spark;
    }

    /** Spark's disk outside the warehouse, once a session is up; null before. */
    ScratchDisk scratch() {
        return scratch;
    }

    /**
     * Stops Spark (its scratch disk is removed with it), then closes Kafka (an embedded broker stops); a borrowing
     * context leaves both to their owner.
     */
    @Override
    public void close() {
        if (borrowed) {
            return;
        }
        try {
            if (spark != null) {
                spark.stop();
                scratch.close();
                reportCleanup(scratch);
            }
        } finally {
            if (kafka != null) {
                kafka.close();
            }
        }
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
}
