package io.streamtrain.core.stage;

import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.RecordSchema;
import io.streamtrain.core.SparkProgress;
import io.streamtrain.core.SparkSettings;
import io.streamtrain.core.Warehouse;
import io.streamtrain.core.kafka.KafkaConnection;
import io.streamtrain.core.kafka.KafkaSettings;
import org.apache.spark.sql.SparkSession;

/**
 * What a stage may use, one per command. Spark and Kafka start on first use, once, and are stopped by the runner when
 * the command ends; planning must not call {@link #spark()} or {@link #kafka()}. Progress needs no calls: the session
 * reports every Spark job's progress ({@link SparkProgress}), and the runner logs each stage's start and end.
 */
public interface StageContext {

    /** This run's id: output folders and partitions are named by it, and a re-run with it replaces them. */
    String runId();

    Warehouse warehouse();

    RecordSchema schema();

    SparkSettings sparkSettings();

    KafkaSettings kafkaSettings();

    /**
     * The warehouse's file system: before Spark starts, from {@code spark.conf}'s Hadoop settings; afterwards, the
     * session's own configuration.
     */
    HadoopFiles files();

    /** The run's Spark session, started on first call. */
    SparkSession spark();

    /** The run's Kafka connection (an embedded broker lives as long as the run), opened on first call. */
    KafkaConnection kafka();

    /** Whether stage {@code name} is planned before the current one in this run (its outputs will exist). */
    boolean runsBefore(String name);

    /** The model bundle an earlier stage of this run wrote ({@link StageResult#model()}), or null. */
    String modelOfThisRun();
}
