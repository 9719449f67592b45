package io.streamtrain.testing;

import io.streamtrain.core.table.Table;
import io.streamtrain.core.Warehouse;
import io.streamtrain.core.table.IngestTables;
import io.streamtrain.core.table.PackedFeatures;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Hand-built landing batches written the way ingest writes them ({@code ingest_date=…/batch=…}), for the Spark
 * local tests of preprocess, train and evaluate on a warehouse of their own.
 */
public final class LandingFixtures {

    private LandingFixtures() {
    }

    /** A landed row of {@code batch}. */
    public static Row landed(String id, int label, float[] features, int partition, long offset, String batch) {
        return RowFactory.create(id, 1L, label, PackedFeatures.pack(features), "t", partition, offset,
                new Timestamp(0), "1970-01-01", batch);
    }

    /**
     * {@code n} separable examples of the tiny schema (3 features, 3 classes): class k has feature k high. Pixel-like
     * whole numbers in 0..255 plus {@code shift}; ids {@code <prefix><i>}, offsets from {@code firstOffset}.
     */
    public static List<Row> separable(String prefix, int n, long seed, int shift, long firstOffset, String batch) {
        Random random = new Random(seed);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int label = random.nextInt(3);
            float[] f = new float[3];
            for (int k = 0; k < 3; k++) {
                f[k] = Math.min(255, (k == label ? 150 : 20) + random.nextInt(60) + shift);
            }
            rows.add(landed(prefix + i, label, f, i % 2, firstOffset + i, batch));
        }
        return rows;
    }

    /** Appends {@code rows} to the warehouse's landing table, partitioned as ingest partitions it. */
    public static void land(SparkSession spark, Warehouse warehouse, List<Row> rows) {
        // Production reads every partition value as a string (application.conf); so must the tests' session.
        spark.conf().set("spark.sql.sources.partitionColumnTypeInference.enabled", "false");
        spark.createDataFrame(rows, IngestTables.LANDING).write().mode(SaveMode.Append)
                .partitionBy(IngestTables.INGEST_DATE, IngestTables.BATCH).parquet(warehouse.table(Table.LANDING));
    }
}
