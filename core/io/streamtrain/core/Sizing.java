package io.streamtrain.core;

/**
 * How big a partition and a file may be. Every stage derives its partition counts from its input's bytes with this,
 * so that no constant decides whether a run fits in memory: ten times the data gives ten times the partitions, each
 * about {@code partitionBytes}.
 *
 * @param partitionBytes the target size of one partition's rows as Spark holds them decoded in memory (a shuffle
 *                       block, a cached block, a task's input)
 * @param maxFileBytes   the largest Parquet file a stage writes, estimated from decoded rows (so real files, which
 *                       are compressed, stay well under it)
 */
public record Sizing(long partitionBytes, long maxFileBytes) {

    public static final String PARTITION_BYTES = "spark.partition-bytes";
    public static final String MAX_FILE_BYTES = "spark.max-file-bytes";
    /** Per-row overhead of Spark's UnsafeRow and an array column beyond the feature values themselves. */
    private static final long ROW_OVERHEAD = 96;
    /** Spark's own floor for a file split: smaller splits cost more in task overhead than they save. */
    private static final long MIN_SPLIT_BYTES = 4L << 20;

    public Sizing {
        if (partitionBytes < (1L << 20)) {
            throw new ConfigException(PARTITION_BYTES, partitionBytes, "must be at least 1 MiB, e.g. 128 MiB");
        }
        if (maxFileBytes < partitionBytes / 8) {
            throw new ConfigException(MAX_FILE_BYTES, maxFileBytes, "must be at least an eighth of "
                    + PARTITION_BYTES + " (" + partitionBytes + " bytes), or every task writes many small files");
        }
    }

    /** The sizes {@code spark.partition-bytes} and {@code spark.max-file-bytes} configure. */
    public static Sizing from(Settings s) {
        return new Sizing(s.positiveBytes(PARTITION_BYTES), s.positiveBytes(MAX_FILE_BYTES));
    }

    /** Partitions for {@code bytes} of decoded rows: about {@link #partitionBytes} each, at least {@code minimum}. */
    public int partitionsFor(long bytes, int minimum) {
        long partitions = (bytes + partitionBytes - 1) / partitionBytes;
        return (int) Math.min(Integer.MAX_VALUE, Math.max(Math.max(1, minimum), partitions));
    }

    /** Rows per output file so that no file exceeds {@link #maxFileBytes} of decoded rows of {@code rowBytes}. */
    public long rowsPerFile(long rowBytes) {
        return Math.max(1, maxFileBytes / Math.max(1, rowBytes));
    }

    /**
     * The file split size that gives partitions of about {@link #partitionBytes} once decoded, for files that hold
     * {@code fileBytes} and decode to {@code decodedBytes}: compressed pixels expand several times in memory.
     */
    public long splitBytes(long fileBytes, long decodedBytes) {
        if (fileBytes <= 0 || decodedBytes <= 0) {
            return partitionBytes;
        }
        double expansion = Math.max(1.0, (double) decodedBytes / fileBytes);
        return Math.max(MIN_SPLIT_BYTES, (long) (partitionBytes / expansion));
    }

    /** Decoded bytes of a row holding {@code features} float values and a few small columns. */
    public static long rowBytes(int features) {
        return (long) features * Float.BYTES + ROW_OVERHEAD;
    }
}
