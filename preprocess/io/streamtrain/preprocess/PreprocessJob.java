package io.streamtrain.preprocess;

import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.RecordSchema;
import io.streamtrain.core.SchemaCheck;
import io.streamtrain.core.SessionSizing;
import io.streamtrain.core.Sizing;
import io.streamtrain.core.StagePlan;
import io.streamtrain.core.Table;
import io.streamtrain.core.UserException;
import io.streamtrain.core.Warehouse;
import io.streamtrain.ingest.IngestTables;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

/**
 * Rebuilds the curated table from the whole landing table: check, split, fit the scaler on train, scale, write.
 * A re-run gives the same splits and statistics for the same landing data.
 */
public final class PreprocessJob {

    private static final Logger LOG = LoggerFactory.getLogger(PreprocessJob.class);
    /** The scaler beside the curated table; {@code _} keeps Spark from reading it as data. */
    public static final String SCALER_FILE = "_scaler.json";

    private PreprocessJob() {
    }

    /**
     * Checks, without side effects, that preprocess can run: the landing table exists, or ingest runs before it.
     *
     * @param ingested whether ingest runs before it in the same pipeline
     */
    public static StagePlan plan(HadoopFiles files, Warehouse warehouse, boolean ingested) {
        String landing = warehouse.table(Table.LANDING);
        if (!ingested && !files.containsFile(landing, ".parquet")) {
            throw new UserException("No landing table at " + landing + ": run ingest first");
        }
        return new StagePlan("preprocess", List.of(landing),
                List.of(warehouse.table(Table.CURATED), warehouse.table(Table.CURATED) + "/" + SCALER_FILE,
                        warehouse.table(Table.QUARANTINE) + " (duplicates)"));
    }

    public static PreprocessResult run(SparkSession spark, PreprocessSettings settings, RecordSchema schema,
                                       Warehouse warehouse, Sizing sizing) {
        String landingPath = warehouse.table(Table.LANDING);
        HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
        if (!files.containsFile(landingPath, ".parquet")) {
            throw new UserException("No landing table at " + landingPath + " (no record has landed yet): run ingest"
                    + " first, and see the quarantine table if it ran");
        }
        Dataset<Row> landing = spark.read().parquet(landingPath);
        SchemaCheck.require(landing, IngestTables.LANDING, "landing table at " + landingPath);
        long rowBytes = Sizing.rowBytes(schema.featureCount());
        try (SessionSizing ignored = SessionSizing.apply(spark, sizing, landing.count(), rowBytes,
                files.totalBytes(landingPath))) {
            return curate(spark, landing, settings, schema, warehouse, files, sizing.rowsPerFile(rowBytes));
        }
    }

    private static PreprocessResult curate(SparkSession spark, Dataset<Row> landing, PreprocessSettings settings,
                                           RecordSchema schema, Warehouse warehouse, HadoopFiles files,
                                           long rowsPerFile) {
        Dataset<Row> checked = Curation.check(Curation.unpacked(landing), schema)
                .persist(StorageLevel.MEMORY_AND_DISK_SER());
        try {
            // Not cached itself: a filter and a hash over the cached rows cost less than a second copy of every
            // feature vector in memory or, at scale, on disk.
            Dataset<Row> curated = Curation.assignSplit(Curation.accepted(checked), settings)
                    .select("id", "label", "features", "topic", "partition", "offset", IngestTables.BATCH,
                            Curation.SPLIT);
            Scaler scaler = Scaler.fit(curated.where(col(Curation.SPLIT).equalTo(Split.TRAIN.value())),
                    settings.minStd());
            String curatedPath = warehouse.table(Table.CURATED);
            scaler.transform(curated).write()
                    .mode(SaveMode.Overwrite)
                    .option("compression", "zstd")
                    .option("maxRecordsPerFile", rowsPerFile)
                    .partitionBy(Curation.SPLIT)
                    .parquet(curatedPath);
            files.writeString(curatedPath + "/" + SCALER_FILE, scaler.toJson());

            // Preprocess's quarantine is rebuilt with the curated table, so it is replaced, not added to.
            String quarantinePath = warehouse.table(Table.QUARANTINE);
            files.deleteRecursively(quarantinePath + "/" + IngestTables.BATCH + "=" + Curation.STAGE);
            Curation.rejected(checked, Curation.STAGE).write()
                    .mode(SaveMode.Append)
                    .option("compression", "zstd")
                    .partitionBy(IngestTables.BATCH)
                    .parquet(quarantinePath);
            // One pass over the cached rows: count(reason) counts the rejected ones, whose reason is set.
            Row totals = checked.agg(count(lit(1)), count(col("reason"))).first();
            PreprocessResult result = result(spark.read().parquet(curatedPath), totals.getLong(1), totals.getLong(0));
            LOG.info("preprocess: {} landed -> train {}, validation {}, test {}, quarantined {}", result.landed(),
                    result.train(), result.validation(), result.test(), result.quarantined());
            return result;
        } finally {
            checked.unpersist();
        }
    }

    /** Reads the scaler fitted by the last preprocess run. */
    public static Scaler loadScaler(HadoopFiles files, Warehouse warehouse) {
        return Scaler.fromJson(files.readString(warehouse.table(Table.CURATED) + "/" + SCALER_FILE));
    }

    private static PreprocessResult result(Dataset<Row> curated, long quarantined, long landed) {
        Map<String, Long> bySplit = new HashMap<>();
        for (Row r : curated.groupBy(Curation.SPLIT).count().collectAsList()) {
            bySplit.put(r.getString(0), r.getLong(1));
        }
        return new PreprocessResult(landed, bySplit.getOrDefault(Split.TRAIN.value(), 0L),
                bySplit.getOrDefault(Split.VALIDATION.value(), 0L), bySplit.getOrDefault(Split.TEST.value(), 0L),
                quarantined);
    }
}
