package io.streamtrain.ingest;

import io.streamtrain.core.ParquetRowWriter;
import io.streamtrain.core.table.IngestTables;
import io.streamtrain.core.table.PackedFeatures;
import io.streamtrain.core.table.Table;
import org.apache.hadoop.fs.Path;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.sql.catalyst.catalog.ExternalCatalogUtils;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A range run's Spark task: reads one {@link OffsetChunk} with its own Kafka consumer, validates each value as
 * {@link Validation} does, and writes the landed and the quarantined records straight to Parquet files in a staging
 * folder of this task attempt. Nothing is visible to readers until the driver moves the files of the attempts that
 * succeeded ({@link RangeReader}).
 */
final class ChunkReader implements Function<OffsetChunk, ChunkReader.Output> {

    private static final long serialVersionUID = 1L;

    private final Map<String, Object> consumerProperties;
    private final IngestRules rules;
    private final String batch;
    private final Map<Table, String> staging;
    private final SerializableConfiguration hadoop;
    private final String timeZone;
    private final Duration pollTimeout;

    /**
     * @param staging per table (landing, quarantine), the folder this batch's task attempts write under
     * @param timeZone the session time zone, in which a record's Kafka timestamp gives its {@code ingest_date}
     */
    ChunkReader(Map<String, Object> consumerProperties, IngestRules rules, String batch, Map<Table, String> staging,
                SerializableConfiguration hadoop, String timeZone, Duration pollTimeout) {
        this.consumerProperties = new HashMap<>(consumerProperties);
        this.consumerProperties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        this.consumerProperties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // Offsets deleted by retention before the read are a loss: fail, as the streaming modes' failOnDataLoss.
        this.consumerProperties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        this.rules = rules;
        this.batch = batch;
        this.staging = new LinkedHashMap<>(staging);
        this.hadoop = hadoop;
        this.timeZone = timeZone;
        this.pollTimeout = pollTimeout;
    }

    @Override
    public Output call(OffsetChunk chunk) {
        TopicPartition tp = new TopicPartition(chunk.topic(), chunk.partition());
        String attempt = "attempt-" + TaskContext.get().taskAttemptId();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProperties,
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
             StagedFiles files = new StagedFiles(chunk, attempt)) {
            consumer.assign(List.of(tp));
            consumer.seek(tp, chunk.from());
            RecordParser parser = new RecordParser(rules);
            for (long position = chunk.from(); position < chunk.until(); ) {
                ConsumerRecords<byte[], byte[]> polled = consumer.poll(pollTimeout);
                long before = position;
                position = consumer.position(tp);
                // A poll also returns, with no record, when it only stepped over transaction markers.
                if (polled.isEmpty() && position == before) {
                    throw new IllegalStateException("No record of " + tp + " at offset " + position + " within "
                            + pollTimeout.toSeconds() + " s (kafka.read-timeout) while reading " + chunk);
                }
                files.writeAll(polled.records(tp), parser);
            }
            return files.output();
        }
    }

    /** The task attempt's open Parquet files: landing's by ingest date, and quarantine's. */
    private final class StagedFiles implements AutoCloseable {
        private final OffsetChunk chunk;
        private final String attempt;
        private final String fileName;
        private final Map<String, ParquetRowWriter> landing = new LinkedHashMap<>();
        private final List<StagedFile> written = new ArrayList<>();
        private final DateTimeFormatter day = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneId.of(timeZone));
        private ParquetRowWriter quarantine;
        private long lastMinute = Long.MIN_VALUE;
        private String lastDate;
        private long read;
        private long quarantined;

        StagedFiles(OffsetChunk chunk, String attempt) {
            this.chunk = chunk;
            this.attempt = attempt;
            this.fileName = "part-" + chunk.partition() + "-" + chunk.from() + ".zstd.parquet";
        }

        /** Writes the polled records that belong to the chunk: a method of its own, compiled once, not on the stack. */
        void writeAll(List<ConsumerRecord<byte[], byte[]>> polled, RecordParser parser) {
            for (ConsumerRecord<byte[], byte[]> r : polled) {
                if (r.offset() >= chunk.until()) {
                    return;
                }
                write(r, parser);
            }
        }

        private void write(ConsumerRecord<byte[], byte[]> r, RecordParser parser) {
            String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
            ParsedRecord p = parser.parse(key, r.value());
            Timestamp timestamp = new Timestamp(r.timestamp());
            read++;
            if (p.isAccepted()) {
                landingFile(ingestDate(r.timestamp())).write(p.id(), p.ts(), p.labelOrNull(),
                        PackedFeatures.pack(p.features()), r.topic(), r.partition(), r.offset(), timestamp);
            } else {
                quarantined++;
                // The id when it could be read, so a quarantined row can be traced back to its source.
                quarantineFile().write(p.id(), key, r.value(), r.topic(), r.partition(), r.offset(), timestamp,
                        Validation.STAGE, p.reason().name(), p.message());
            }
        }

        private ParquetRowWriter landingFile(String date) {
            return landing.computeIfAbsent(date, d -> open(Table.LANDING,
                    partition(IngestTables.INGEST_DATE, d) + "/" + partition(IngestTables.BATCH, batch)));
        }

        private ParquetRowWriter quarantineFile() {
            if (quarantine == null) {
                quarantine = open(Table.QUARANTINE, partition(IngestTables.BATCH, batch));
            }
            return quarantine;
        }

        private ParquetRowWriter open(Table table, String partitionDir) {
            String relative = partitionDir + "/" + fileName;
            written.add(new StagedFile(table, attempt, relative));
            return new ParquetRowWriter(hadoop.value(), new Path(staging.get(table) + "/" + attempt + "/" + relative),
                    dataColumns(table.schema(), table.partitioning()));
        }

        /** The date of a Kafka timestamp in the session's time zone; records of one minute share a date. */
        private String ingestDate(long millis) {
            long minute = Math.floorDiv(millis, 60_000L);
            if (minute != lastMinute) {
                lastMinute = minute;
                lastDate = day.format(Instant.ofEpochMilli(millis));
            }
            return lastDate;
        }

        Output output() {
            return new Output(read, quarantined, written);
        }

        @Override
        public void close() {
            landing.values().forEach(ParquetRowWriter::close);
            if (quarantine != null) {
                quarantine.close();
            }
        }
    }

    /** A partition folder's name as Spark writes it, escaped. */
    static String partition(String column, String value) {
        return ExternalCatalogUtils.getPartitionPathString(column, value);
    }

    /** A table's columns without its partition columns: what its Parquet files hold. */
    static StructType dataColumns(StructType schema, List<String> partitioning) {
        List<StructField> fields = new ArrayList<>();
        for (StructField f : schema.fields()) {
            if (!partitioning.contains(f.name())) {
                fields.add(f);
            }
        }
        return new StructType(fields.toArray(StructField[]::new));
    }

    /**
     * One file a task attempt wrote: its table, the attempt's folder in the table's staging folder, and its partition
     * folders and name, which it keeps in the table. A class, not a record: Spark's Kryo ships it to the driver.
     */
    static final class StagedFile implements Serializable {
        private static final long serialVersionUID = 1L;

        private final Table table;
        private final String attempt;
        private final String partitionsAndName;

        StagedFile(Table table, String attempt, String partitionsAndName) {
            this.table = table;
            this.attempt = attempt;
            this.partitionsAndName = partitionsAndName;
        }

        Table table() {
            return table;
        }

        /** Where the attempt wrote it, under the table's staging folder. */
        String staged(String staging) {
            return staging + "/" + attempt + "/" + partitionsAndName;
        }

        /** Where it belongs, under the table's folder. */
        String target(String tableFolder) {
            return tableFolder + "/" + partitionsAndName;
        }
    }

    /** What one task attempt read and wrote. A class, not a record: Spark's Kryo ships it back to the driver. */
    static final class Output implements Serializable {
        private static final long serialVersionUID = 1L;

        private final long read;
        private final long quarantined;
        private final ArrayList<StagedFile> files;

        Output(long read, long quarantined, List<StagedFile> files) {
            this.read = read;
            this.quarantined = quarantined;
            this.files = new ArrayList<>(files);
        }

        long read() {
            return read;
        }

        long landed() {
            return read - quarantined;
        }

        long quarantined() {
            return quarantined;
        }

        List<StagedFile> files() {
            return files;
        }
    }
}
