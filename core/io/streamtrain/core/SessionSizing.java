package io.streamtrain.core;

import org.apache.spark.sql.RuntimeConfig;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sizes the session's shuffles and file splits for one stage's input, and puts the previous values back when the
 * stage ends (the stages of a pipeline share one session).
 */
public final class SessionSizing implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SessionSizing.class);
    static final String SHUFFLE_PARTITIONS = "spark.sql.shuffle.partitions";
    static final String SPLIT_BYTES = "spark.sql.files.maxPartitionBytes";
    static final String COALESCE = "spark.sql.adaptive.coalescePartitions.enabled";

    private final RuntimeConfig conf;
    private final String shufflePartitions;
    private final String splitBytes;
    private final String coalesce;

    private SessionSizing(RuntimeConfig conf) {
        this.conf = conf;
        this.shufflePartitions = conf.get(SHUFFLE_PARTITIONS);
        this.splitBytes = conf.get(SPLIT_BYTES);
        this.coalesce = conf.get(COALESCE);
    }

    /**
     * @param rows      rows of the stage's input
     * @param rowBytes  decoded bytes of one row
     * @param fileBytes the input's bytes on disk
     */
    public static SessionSizing apply(SparkSession spark, Sizing sizing, long rows, long rowBytes, long fileBytes) {
        SessionSizing previous = new SessionSizing(spark.conf());
        long decoded = rows * rowBytes;
        int partitions = sizing.partitionsFor(decoded, spark.sparkContext().defaultParallelism());
        long split = sizing.splitBytes(fileBytes, decoded);
        spark.conf().set(SHUFFLE_PARTITIONS, partitions);
        spark.conf().set(SPLIT_BYTES, split);
        // Adaptive execution would coalesce by shuffled bytes, which are compressed pixels, several times smaller than
        // the decoded rows the stage caches: merged partitions would break the bound. The count is already right.
        spark.conf().set(COALESCE, false);
        LOG.info("sizing: {} rows, {} MB decoded ({} MB on disk) -> {} partitions of at most {} MB,"
                        + " file splits of {} MB",
                rows, decoded >> 20, fileBytes >> 20, partitions, sizing.partitionBytes() >> 20, split >> 20);
        return previous;
    }

    /** Puts back the session's shuffle partitions, file split size and coalescing as they were. */
    @Override
    public void close() {
        conf.set(SHUFFLE_PARTITIONS, shufflePartitions);
        conf.set(SPLIT_BYTES, splitBytes);
        conf.set(COALESCE, coalesce);
    }
}
