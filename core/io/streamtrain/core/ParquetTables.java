package io.streamtrain.core;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;

/** How every stage writes a partitioned warehouse table. */
public final class ParquetTables {

    private ParquetTables() {
    }

    /**
     * Replaces exactly the partitions present in {@code rows} and leaves all others: a retried batch or a re-run of
     * the same run id rewrites its own output and nothing else, so it can never duplicate a row.
     */
    public static void overwritePartitions(Dataset<Row> rows, String path, String... partitionColumns) {
        rows.write()
                .mode(SaveMode.Overwrite)
                .option("partitionOverwriteMode", "dynamic")
                .option("compression", "zstd")
                .partitionBy(partitionColumns)
                .parquet(path);
    }
}
