package io.streamtrain.core;

import io.streamtrain.core.table.Table;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Observation;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

/** How every stage writes a partitioned warehouse table. */
public final class ParquetTables {

    private ParquetTables() {
    }

    /**
     * Replaces exactly the partitions present in {@code rows} and leaves all others: a retried batch or a re-run of
     * the same run id rewrites its own output and nothing else, so it can never duplicate a row.
     */
    public static void overwritePartitions(Dataset<Row> rows, String path, String... partitionColumns) {
        WarehouseCommit.of(path).replacingPartitions(rows.write())
                .option("compression", "zstd")
                .partitionBy(partitionColumns)
                .parquet(path);
    }

    /**
     * Writes {@code rows} (plain Java rows of {@code table}'s declared columns) to {@code table}, replacing exactly the
     * partitions they belong to, in one file a partition: result tables hold a few rows a run.
     */
    public static void overwriteRows(SparkSession spark, List<Row> rows, Warehouse warehouse, Table table) {
        overwritePartitions(spark.createDataFrame(rows, table.schema()).coalesce(1), warehouse, table);
    }

    /**
     * Adds {@code rows} (plain Java rows of {@code table}'s declared columns) to {@code table} in new files, replacing
     * none: for a table that readers list while it grows. The caller keeps it free of duplicates.
     */
    public static void appendRows(SparkSession spark, List<Row> rows, Warehouse warehouse, Table table) {
        adding(spark.createDataFrame(rows, table.schema()).coalesce(1), warehouse.table(table))
                .option("compression", "zstd")
                .partitionBy(table.partitioning().toArray(String[]::new))
                .parquet(warehouse.table(table));
    }

    /**
     * A writer of {@code rows} that adds new files under {@code path} and replaces none, committed as the path's file
     * system needs ({@link WarehouseCommit}): the caller sets the format, options and partitioning.
     */
    public static DataFrameWriter<Row> adding(Dataset<Row> rows, String path) {
        return WarehouseCommit.of(path).adding(rows.write());
    }

    /** {@link #overwritePartitions} into {@code table}'s location, by its declared partitioning. */
    public static void overwritePartitions(Dataset<Row> rows, Warehouse warehouse, Table table) {
        overwritePartitions(rows, warehouse.table(table), table.partitioning().toArray(String[]::new));
    }

    /** {@link #overwritePartitions(Dataset, Warehouse, Table)}, returning how many rows were written. */
    public static long overwritePartitionsCounted(Dataset<Row> rows, Warehouse warehouse, Table table, String name) {
        return overwritePartitionsCounted(rows, warehouse.table(table), name,
                table.partitioning().toArray(String[]::new));
    }

    /** {@link #overwritePartitions}, returning how many rows were written, counted by the write itself. */
    public static long overwritePartitionsCounted(Dataset<Row> rows, String path, String name,
                                                  String... partitionColumns) {
        Observation observation = new Observation(name);
        overwritePartitions(rows.observe(observation, count(lit(1)).as("rows")), path, partitionColumns);
        return ((Number) observed(observation).get("rows")).longValue();
    }

    /**
     * The metrics an {@link Observation} collected, once the action that fills it has run. Interrupted while waiting
     * (a stream's micro-batch when the query is stopped), it throws the one unchecked shape Spark's streams take for
     * an interruption, an {@link UncheckedIOException} around an {@link InterruptedIOException}: anything else ends
     * the stopped query as failed ({@code StoppedMidBatchSparkTest}).
     */
    public static Map<String, Object> observed(Observation observation) {
        try {
            return observation.getAsJava();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            InterruptedIOException interrupted = new InterruptedIOException("Interrupted while counting "
                    + observation.name());
            interrupted.initCause(e);
            throw new UncheckedIOException(interrupted);
        }
    }
}
