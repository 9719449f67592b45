package io.streamtrain.ingest;

import io.streamtrain.core.UserException;
import io.streamtrain.core.kafka.KafkaConnection;
import io.streamtrain.core.table.IngestTables;
import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.ParquetTables;
import io.streamtrain.core.table.Table;
import io.streamtrain.core.Warehouse;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Observation;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryException;
import org.apache.spark.sql.streaming.Trigger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

/**
 * Reads the topic and writes every record exactly once to landing or quarantine: in the streaming modes with
 * Structured Streaming, in range mode with {@link RangeReader}.
 *
 * <p>Exactly once, streaming modes: Spark records a micro-batch's offset range in the checkpoint before running it
 * and re-runs the same range under the same batch id after a crash. Each batch overwrites only its own {@code batch=}
 * partitions, so a re-run replaces what a failed attempt left instead of adding to it. Range mode: the
 * {@link OffsetLedger} records a run's offsets before its data and marks them committed after, and a run replaces its
 * batch's partitions whole.
 */
public final class IngestJob {

    private static final Logger LOG = LoggerFactory.getLogger(IngestJob.class);
    static final String CHECKPOINT = "checkpoints/ingest";
    static final String RANGES = "ingest/ranges";

    private IngestJob() {
    }

    /**
     * @param runId names the batch in range mode; the streaming modes name batches by their checkpoint's batch id
     */
    public static IngestResult run(SparkSession spark, KafkaConnection kafka, IngestSettings settings,
                                   IngestRules rules, Warehouse warehouse, String runId) {
        HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
        OffsetLedger ledger = new OffsetLedger(files, spark.sparkContext().hadoopConfiguration(),
                warehouse.internal(RANGES));
        IngestChecks.requireOneMode(settings, files, warehouse);
        removeStagingLeftovers(spark.sparkContext().hadoopConfiguration(), List.of(warehouse.table(Table.LANDING),
                warehouse.table(Table.QUARANTINE), warehouse.table(Table.INGEST_AUDIT)));
        return kafka.reading("ingest read topic " + kafka.settings().topic(), () ->
                settings.mode() == IngestSettings.Mode.RANGE
                        ? runRanges(spark, kafka, settings, rules, warehouse, ledger, runId)
                        : runStream(spark, kafka, settings, rules, warehouse));
    }

    /**
     * Finishes any range run that died before committing, then reads (or re-reads) this run's range: up to the
     * records stamped before {@code until} (null: up to now).
     */
    private static IngestResult runRanges(SparkSession spark, KafkaConnection kafka, IngestSettings settings,
                                          IngestRules rules, Warehouse warehouse, OffsetLedger ledger, String runId) {
        long chunk = settings.maxOffsetsPerTrigger();
        IngestResult total = new IngestResult(0, 0, 0, 0);
        for (Map.Entry<String, OffsetRange> pending : ledger.all().entrySet()) {
            if (!pending.getValue().committed() && !pending.getKey().equals(runId)) {
                LOG.info("ingest: finishing range run {} that did not commit", pending.getKey());
                total = total.plus(readRange(spark, kafka, rules, warehouse, ledger, pending.getKey(),
                        pending.getValue(), chunk));
            }
        }
        OffsetRange range = ledger.find(runId).orElseGet(() -> {
            OffsetRange planned = resolve(kafka, ledger, settings.until());
            if (planned.size() == 0 && settings.until() != null) {
                // A first run of an earlier date after later dates ran: their ranges took its records already.
                LOG.warn("ingest: range run {} finds no record stamped before {} that earlier runs have not landed;"
                        + " it lands nothing", runId, settings.until());
            }
            ledger.save(runId, planned);
            return planned;
        });
        LOG.info("ingest: range run {} reads {} offsets of {} {} -> {}", runId, range.size(), range.topic(),
                range.start(), range.end());
        return total.plus(readRange(spark, kafka, rules, warehouse, ledger, runId, range, chunk));
    }

    private static long[] readRange(SparkSession spark, KafkaConnection kafka, IngestRules rules, Warehouse warehouse,
                                    OffsetLedger ledger, String runId, OffsetRange range, long chunkOffsets) {
        long[] counts = new long[3];
        if (range.size() > 0) {
            counts = RangeReader.read(spark, kafka, rules, warehouse, "range-" + runId, range, chunkOffsets);
        }
        ledger.save(runId, range.asCommitted());
        return counts;
    }

    /**
     * From where the last range run ended (or the earliest offset) to the end offsets as of now, or, given
     * {@code until}, to each partition's first record stamped at or after it: a run bound to its data interval's end
     * takes the same records whenever it runs, and a later record stays for the next interval.
     */
    private static OffsetRange resolve(KafkaConnection kafka, OffsetLedger ledger, Instant until) {
        String topic = kafka.settings().topic();
        Map<String, Object> props = kafka.consumerProperties();
        // End offsets of committed records only, the same bound read_committed reading stops at.
        props.put("isolation.level", "read_committed");
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            Map<Integer, Long> claimed = ledger.claimedEnd(topic);
            Map<Integer, Long> start = new HashMap<>();
            Map<Integer, Long> end = new HashMap<>();
            Map<TopicPartition, Long> earliest = consumer.beginningOffsets(partitions);
            Map<TopicPartition, Long> bound = new HashMap<>();
            if (until != null) {
                Map<TopicPartition, Long> at = new HashMap<>();
                partitions.forEach(tp -> at.put(tp, until.toEpochMilli()));
                consumer.offsetsForTimes(at).forEach((tp, found) -> {
                    if (found != null) {
                        bound.put(tp, found.offset());
                    }
                });
            }
            consumer.endOffsets(partitions).forEach((tp, last) -> {
                // A partition with no record stamped at or after until ends where it ends now.
                long o = Math.min(last, bound.getOrDefault(tp, last));
                long from = claimed.getOrDefault(tp.partition(), earliest.get(tp));
                if (from < earliest.get(tp)) {
                    // Same rule as failOnDataLoss: records deleted before anyone ingested them are a loss.
                    throw new UserException("Offsets " + from + " to " + (earliest.get(tp) - 1)
                            + " of " + tp + " were deleted by the topic's retention before they were ingested: those"
                            + " records are lost; run ingest more often than the retention, or raise retention.ms");
                }
                end.put(tp.partition(), Math.max(o, from));
                start.put(tp.partition(), from);
            });
            return new OffsetRange(topic, start, end, false);
        }
    }

    /**
     * The Kafka source options every reader of a topic shares (ingest's modes, and score's): the cluster, the topic,
     * the guarantees and the user's settings.
     */
    public static Map<String, String> sourceOptions(KafkaConnection kafka, String topic) {
        Map<String, String> options = new HashMap<>();
        options.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        options.put("subscribe", topic);
        // Records deleted by retention before we read them are a loss: fail rather than skip.
        options.put("failOnDataLoss", "true");
        // Only committed records of transactional producers.
        options.put("kafka.isolation.level", "read_committed");
        // A broker that stops answering ends the read after kafka.read-timeout, not after Spark's 120 s a poll.
        options.put("kafkaConsumer.pollTimeoutMs", String.valueOf(kafka.settings().readTimeout().toMillis()));
        kafka.readTimeouts().forEach((key, millis) -> options.put("kafka." + key, String.valueOf(millis)));
        for (Map.Entry<String, String> e : kafka.settings().properties().entrySet()) {
            options.put("kafka." + e.getKey(), e.getValue());
        }
        return options;
    }

    private static IngestResult runStream(SparkSession spark, KafkaConnection kafka, IngestSettings settings,
                                          IngestRules rules, Warehouse warehouse) {
        removeOrphanChecksums(spark, warehouse.internal(CHECKPOINT));
        Dataset<Row> source = spark.readStream().format("kafka")
                .options(sourceOptions(kafka, kafka.settings().topic()))
                .option("startingOffsets", settings.startingOffsets())
                .option("maxOffsetsPerTrigger", settings.maxOffsetsPerTrigger())
                .load();
        AtomicReference<IngestResult> total = new AtomicReference<>(new IngestResult(0, 0, 0, 0));
        Trigger trigger = settings.mode() == IngestSettings.Mode.STREAM
                ? Trigger.ProcessingTime(settings.triggerSeconds(), TimeUnit.SECONDS)
                : Trigger.AvailableNow();
        try {
            StreamingQuery query = source.writeStream()
                    .queryName("streamtrain-ingest")
                    .option("checkpointLocation", warehouse.internal(CHECKPOINT))
                    .trigger(trigger)
                    .foreachBatch((Dataset<Row> batch, Long batchId) -> {
                        long[] counts = writeBatch(batch, "stream-" + batchId, rules, warehouse);
                        total.updateAndGet(t -> t.plus(counts[0], counts[1], counts[2]));
                    })
                    .start();
            query.awaitTermination();
        } catch (StreamingQueryException | TimeoutException e) {
            throw new IllegalStateException("Ingest from " + kafka.settings().topic() + " failed: " + e.getMessage(), e);
        }
        IngestResult result = total.get();
        LOG.info("ingest: {} batches, {} read, {} landed, {} quarantined", result.batches(), result.read(),
                result.landed(), result.quarantined());
        return result;
    }

    /**
     * A process killed while Spark writes a checkpoint log entry on a local file system can leave the entry's
     * checksum ({@code .N.crc}) without the entry ({@code N}); the restarted query then fails renaming its own
     * {@code N} because the checksum "already exists" (found by IngestFaultIT). A checksum of no file is meaningless,
     * so it is removed before the query starts.
     */
    public static void removeOrphanChecksums(SparkSession spark, String checkpoint) {
        for (String log : List.of("offsets", "commits")) {
            Path dir = new Path(checkpoint, log);
            try {
                FileSystem fs = dir.getFileSystem(spark.sparkContext().hadoopConfiguration());
                if (fs instanceof ChecksumFileSystem checksummed) {
                    // The checksumming view hides .crc files from listings.
                    fs = checksummed.getRawFileSystem();
                }
                if (!fs.exists(dir)) {
                    continue;
                }
                for (FileStatus f : fs.listStatus(dir)) {
                    String name = f.getPath().getName();
                    if (name.startsWith(".") && name.endsWith(".crc")) {
                        String entry = name.substring(1, name.length() - 4);
                        if (!fs.exists(new Path(dir, entry))) {
                            LOG.warn("ingest: removing orphan checksum {} left by an interrupted run", f.getPath());
                            fs.delete(f.getPath(), false);
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot inspect the checkpoint " + dir, e);
            }
        }
    }

    /**
     * An ingest killed inside a micro-batch leaves the hidden {@code .spark-staging-<job>} folder of its dynamic
     * partition overwrite in each table it was writing. Readers skip hidden folders, but they hold a whole batch's
     * files and are never reused (the re-run writes under a new job id), so they are removed before this run writes.
     * Assumes one ingest per warehouse at a time, as the checkpoint and the offset ledger already do.
     */
    public static void removeStagingLeftovers(Configuration conf, List<String> tables) {
        for (String table : tables) {
            Path dir = new Path(table);
            try {
                FileSystem fs = dir.getFileSystem(conf);
                if (!fs.exists(dir)) {
                    continue;
                }
                for (FileStatus f : fs.listStatus(dir)) {
                    String name = f.getPath().getName();
                    if (f.isDirectory() && (name.startsWith(".spark-staging-")
                            || name.startsWith(RangeReader.STAGING_PREFIX))) {
                        LOG.warn("ingest: removing {} left by an interrupted run", f.getPath());
                        fs.delete(f.getPath(), true);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot inspect the table folder " + dir, e);
            }
        }
    }

    /**
     * Validates one batch and overwrites its partitions of landing, quarantine and the audit table.
     *
     * <p>One pass over the batch lands the valid records and counts the others. Only a batch that has bad records is
     * read and parsed again, for the quarantine write: cheaper than keeping every batch's parsed rows for a second
     * write that is nearly always empty. Both passes read the same offset range, so they see the same records.
     *
     * @return read, landed, quarantined
     */
    static long[] writeBatch(Dataset<Row> kafkaRows, String batch, IngestRules rules, Warehouse warehouse) {
        long start = System.nanoTime();
        Dataset<Row> validated = Validation.validate(kafkaRows, rules, batch);
        Observation counts = new Observation("validated-" + batch);
        Dataset<Row> counted = validated.observe(counts, count(lit(1)).as("read"), count(col("reason")).as("bad"));
        ParquetTables.overwritePartitions(Validation.landed(counted), warehouse, Table.LANDING);
        Map<String, Object> seen = ParquetTables.observed(counts);
        long read = ((Number) seen.get("read")).longValue();
        long quarantined = ((Number) seen.get("bad")).longValue();
        long landed = read - quarantined;
        if (quarantined > 0) {
            long written = ParquetTables.overwritePartitionsCounted(Validation.quarantined(validated), warehouse,
                    Table.QUARANTINE, "quarantined-" + batch);
            if (written != quarantined) {
                throw new IllegalStateException("Batch " + batch + ": the landing pass found " + quarantined
                        + " bad records and the quarantine pass " + written + "; the same offsets read differently");
            }
        }
        writeAudit(kafkaRows.sparkSession(), new long[]{read, landed, quarantined}, batch, warehouse);
        double seconds = (System.nanoTime() - start) / 1e9;
        LOG.info("ingest batch {}: read {}, landed {}, quarantined {} ({} records/s)", batch, read, landed,
                quarantined, Math.round(read / Math.max(seconds, 1e-9)));
        return new long[]{read, landed, quarantined};
    }

    /** The batch's row of the audit table: read, landed, quarantined. */
    private static void writeAudit(SparkSession spark, long[] counts, String batch, Warehouse warehouse) {
        Dataset<Row> audit = spark.createDataFrame(List.of(RowFactory.create(counts[0], counts[1], counts[2],
                new Timestamp(System.currentTimeMillis()), batch)), IngestTables.AUDIT);
        ParquetTables.overwritePartitions(audit, warehouse, Table.INGEST_AUDIT);
    }
}
