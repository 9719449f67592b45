package io.streamtrain.ingest;

import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.ParquetRowWriter;
import io.streamtrain.core.Warehouse;
import io.streamtrain.core.kafka.KafkaConnection;
import io.streamtrain.core.table.IngestTables;
import io.streamtrain.core.table.Table;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.SerializableConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Timestamp;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Lands one range run's offsets: Spark tasks read chunks of the range with their own Kafka consumers and write Parquet
 * files to a staging folder ({@link ChunkReader}); the driver then replaces the batch's partitions of landing and
 * quarantine with the files of the task attempts that succeeded, and the batch's row of the audit table. No Spark rows, no Kafka source: the range's offsets
 * come from the run's {@link OffsetLedger} entry, which is what makes a re-run read the same records.
 *
 * <p>A crash leaves the staging folder (removed by the next ingest, {@link IngestJob#removeStagingLeftovers}) or a
 * half-replaced batch; either way the ledger entry is not yet committed, so the next run reads the range again and
 * replaces the batch whole.
 */
final class RangeReader {

    private static final Logger LOG = LoggerFactory.getLogger(RangeReader.class);
    /** The hidden folder, inside each table's folder, where a batch's task attempts write before the commit. */
    static final String STAGING_PREFIX = ".streamtrain-staging-";
    private static final List<Table> TABLES = List.of(Table.LANDING, Table.QUARANTINE);

    private RangeReader() {
    }

    /**
     * @param chunkOffsets the most offsets one task reads: bounds the work a failed task repeats
     * @return read, landed, quarantined
     */
    static long[] read(SparkSession spark, KafkaConnection kafka, IngestRules rules, Warehouse warehouse,
                       String batch, OffsetRange range, long chunkOffsets) {
        long start = System.nanoTime();
        HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
        Map<Table, String> staging = new EnumMap<>(Table.class);
        TABLES.forEach(t -> staging.put(t, warehouse.table(t) + "/" + STAGING_PREFIX
                + ChunkReader.partition(IngestTables.BATCH, batch)));
        staging.values().forEach(files::deleteRecursively);
        // Created before the tasks start, as a committer's temporary folder is: it shows from outside that the batch
        // is being written.
        staging.values().forEach(files::createFolder);
        List<OffsetChunk> chunks = OffsetChunk.of(range, chunkOffsets);
        ChunkReader reader = new ChunkReader(kafka.consumerProperties(), rules, batch, staging,
                new SerializableConfiguration(spark.sparkContext().hadoopConfiguration()),
                spark.conf().get("spark.sql.session.timeZone"), kafka.settings().readTimeout());
        spark.sparkContext().setJobDescription("ingest " + batch + ": " + range.size() + " offsets in "
                + chunks.size() + " tasks");
        List<ChunkReader.Output> outputs = JavaSparkContext.fromSparkContext(spark.sparkContext())
                .parallelize(chunks, Math.max(1, chunks.size())).map(reader).collect();
        spark.sparkContext().setJobDescription(null);
        long[] counts = new long[3];
        for (ChunkReader.Output o : outputs) {
            counts[0] += o.read();
            counts[1] += o.landed();
            counts[2] += o.quarantined();
        }
        commit(files, warehouse, batch, staging, outputs);
        writeAudit(spark, files, warehouse, batch, counts);
        double seconds = (System.nanoTime() - start) / 1e9;
        LOG.info("ingest batch {}: read {}, landed {}, quarantined {} ({} records/s)", batch, counts[0], counts[1],
                counts[2], Math.round(counts[0] / Math.max(seconds, 1e-9)));
        return counts;
    }

    /**
     * Replaces the batch's partitions of landing and quarantine with the staged files the succeeded attempts
     * reported; files of failed attempts stay in staging and go with it.
     */
    private static void commit(HadoopFiles files, Warehouse warehouse, String batch, Map<Table, String> staging,
                               List<ChunkReader.Output> outputs) {
        String batchDir = ChunkReader.partition(IngestTables.BATCH, batch);
        // Landing nests the batch under its ingest dates; quarantine holds it at the top.
        files.glob(warehouse.table(Table.LANDING) + "/*/" + batchDir).forEach(files::deleteRecursively);
        files.deleteRecursively(warehouse.table(Table.QUARANTINE) + "/" + batchDir);
        for (ChunkReader.Output o : outputs) {
            for (ChunkReader.StagedFile file : o.files()) {
                files.move(file.staged(staging.get(file.table())), file.target(warehouse.table(file.table())));
            }
        }
        staging.values().forEach(files::deleteRecursively);
    }

    /** Replaces the batch's row of the audit table (read, landed, quarantined), written beside and moved in. */
    private static void writeAudit(SparkSession spark, HadoopFiles files, Warehouse warehouse, String batch,
                                   long[] counts) {
        String table = warehouse.table(Table.INGEST_AUDIT);
        String batchDir = ChunkReader.partition(IngestTables.BATCH, batch);
        String staged = table + "/" + STAGING_PREFIX + batchDir + "/part-0.zstd.parquet";
        try (ParquetRowWriter audit = new ParquetRowWriter(spark.sparkContext().hadoopConfiguration(),
                new Path(staged), ChunkReader.dataColumns(IngestTables.AUDIT, Table.INGEST_AUDIT.partitioning()))) {
            audit.write(counts[0], counts[1], counts[2], new Timestamp(System.currentTimeMillis()));
        }
        files.deleteRecursively(table + "/" + batchDir);
        files.move(staged, table + "/" + batchDir + "/part-0.zstd.parquet");
        files.deleteRecursively(table + "/" + STAGING_PREFIX + batchDir);
    }
}
