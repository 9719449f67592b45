package io.streamtrain.jobs.bench;

import io.streamtrain.core.HadoopFiles;
import io.streamtrain.jobs.AppConfig;
import io.streamtrain.core.Sessions;
import io.streamtrain.core.table.Table;
import io.streamtrain.core.Warehouse;
import io.streamtrain.ingest.EventPublisher;
import io.streamtrain.ingest.FashionMnistIdx;
import io.streamtrain.ingest.FashionMnistIdx.Image;
import io.streamtrain.ingest.IngestJob;
import io.streamtrain.ingest.IngestResult;
import io.streamtrain.ingest.IngestSettings;
import io.streamtrain.core.kafka.KafkaConnection;
import io.streamtrain.core.table.PackedFeatures;
import io.streamtrain.ingest.ParsedRecord;
import io.streamtrain.ingest.RecordParser;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ContentSummary;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.hadoop.CodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQueryListener;
import org.apache.spark.sql.streaming.StreamingQueryProgress;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

/**
 * {@code bench ingest}: publishes N Fashion-MNIST records to a fresh topic, reads them once with a plain
 * kafka-clients consumer (the baseline: bytes off the wire, nothing else), then ingests them with streamtrain (parse,
 * validate, land as zstd Parquet) twice, each into a fresh warehouse: in range mode, the scheduled runs' mode, whose
 * tasks read Kafka with their own consumers, then in available-now mode, through Spark's Kafka source. Prints each
 * rate against the plain consumer and against the parse-and-compress floor, and bytes per record in Kafka's JSON and
 * in landing.
 */
public final class IngestBench {

    private IngestBench() {
    }

    public static String run(AppConfig config, Path data, int records) {
        PhaseProfile.initialize();
        List<Image> images = FashionMnistIdx.readImages(data.resolve("train-images-idx3-ubyte.gz"),
                data.resolve("train-labels-idx1-ubyte.gz"));
        String topic = "bench-ingest-" + System.currentTimeMillis();
        Warehouse warehouse = new Warehouse(config.warehouse().root() + "/_bench/" + topic);
        AtomicLong jsonBytes = new AtomicLong();
        // Closed in reverse: the topic goes first, then the broker (an embedded one lives in the scratch warehouse),
        // then the scratch warehouse itself.
        try (Scratch scratch = new Scratch(warehouse, config);
             KafkaConnection cluster = KafkaConnection.open(config.kafka(), warehouse);
             KafkaConnection kafka = cluster.withTopic(topic);
             TopicDeleter deleter = kafka::deleteTopic) {
            new EventPublisher(kafka).publish(ImageEvents.of(images, records, "bench-", jsonBytes));
            double consumerSeconds = plainConsumer(kafka, records);
            // Range mode first: it pays the parser's JIT compilation, as a scheduled run's fresh JVM does.
            Ingested range = ingest(config, IngestSettings.Mode.RANGE, kafka, warehouse, topic);
            Ingested stream = ingest(config, IngestSettings.Mode.AVAILABLE_NOW, kafka,
                    new Warehouse(warehouse.root() + "/available-now"), topic);
            for (Ingested ingested : List.of(range, stream)) {
                if (ingested.result().landed() != records) {
                    throw new IllegalStateException("bench ingest landed " + ingested.result().landed() + " of "
                            + records + " in " + ingested.mode() + " mode");
                }
            }
            double consumerRate = records / consumerSeconds;
            int cores = Runtime.getRuntime().availableProcessors();
            double boundRate = records / SourceBound.seconds(config, kafka.bootstrapServers(), topic, records);
            double floorRate = floorRate(config, range.hadoop(), images, Math.min(records, FLOOR_RECORDS), cores);
            double rangeRate = records / range.seconds();
            double streamRate = records / stream.seconds();
            return String.format(Locale.ROOT, String.join("%n",
                    "bench ingest: %d Fashion-MNIST records, topic %s with %d partitions",
                    "ingest_records_per_sec=%.0f ingest_seconds=%.1f (range mode, as scheduled runs ingest: Kafka"
                            + " consumers in Spark tasks -> parse, validate -> landing Parquet, zstd)"
                            + " jit_compile_seconds=%.1f",
                    "consumer_records_per_sec=%.0f consumer_seconds=%.1f (plain kafka-clients consumer, bytes only)",
                    "ingest_ratio=%.3f",
                    "ingest_breakdown=%s",
                    "available_now_records_per_sec=%.0f available_now_seconds=%.1f (available-now mode: Spark's Kafka"
                            + " source, micro-batches, the same parse, validation and landing)",
                    "%s",
                    "available_now_breakdown=%s",
                    "parse_compress_records_per_sec=%.0f parse_compress_ratio=%.3f (no Kafka, Spark or Parquet: only"
                            + " parsing, validating, packing and zstd, in memory on %d threads)",
                    "ingest_floor_ratio=%.3f available_now_floor_ratio=%.3f (each mode's records_per_sec over"
                            + " parse_compress_records_per_sec)",
                    "source_bound_records_per_sec=%.0f source_bound_floor_ratio=%.3f (in a fresh JVM, Spark's Kafka"
                            + " source reads the topic and each value is parsed, validated and packed, nothing"
                            + " compressed or written: the most an ingest through that source can reach)",
                    "json_bytes_per_record=%.0f landed_bytes_per_record=%.0f%n"),
                    records, topic, config.kafka().partitions(), rangeRate, range.seconds(), range.jitSeconds(),
                    consumerRate, consumerSeconds, rangeRate / consumerRate, range.breakdown(), streamRate,
                    stream.seconds(), stream.batches().describe(consumerRate, stream.jitSeconds()), stream.breakdown(),
                    floorRate, floorRate / consumerRate, cores, rangeRate / floorRate, streamRate / floorRate,
                    boundRate, boundRate / floorRate, (double) jsonBytes.get() / records,
                    (double) range.landedBytes() / records);
        }
    }

    /** What the measured ingest gave: its seconds and result, and what the bench observed of it. */
    private record Ingested(IngestSettings.Mode mode, double seconds, IngestResult result, long landedBytes,
                            Configuration hadoop, BatchProgress batches, double jitSeconds, String breakdown) {
    }

    /**
     * Ingests the topic into {@code warehouse} with streamtrain's ingest in {@code mode}, in a fresh session, profiled;
     * a range run is named after the topic.
     */
    private static Ingested ingest(AppConfig config, IngestSettings.Mode mode, KafkaConnection kafka,
                                   Warehouse warehouse, String topic) {
        SparkSession spark = Sessions.create(config.spark());
        BatchProgress batches = new BatchProgress();
        spark.streams().addListener(batches);
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        try (PhaseProfile profile = PhaseProfile.start()) {
            long jit0 = jit.getTotalCompilationTime();
            long t0 = System.nanoTime();
            IngestResult result = IngestJob.run(spark, kafka, config.ingest().inMode(mode), config.ingestRules(),
                    warehouse, topic);
            double seconds = (System.nanoTime() - t0) / 1e9;
            double jitSeconds = (jit.getTotalCompilationTime() - jit0) / 1e3;
            String breakdown = profile.stop(Path.of(System.getProperty("java.io.tmpdir"), topic + "-"
                    + mode.name().toLowerCase(Locale.ROOT) + ".jfr"), PHASES);
            return new Ingested(mode, seconds, result, size(spark, warehouse.table(Table.LANDING)),
                    spark.sparkContext().hadoopConfiguration(), batches, jitSeconds, breakdown);
        } finally {
            spark.stop();
        }
    }

    /**
     * Ingest's phases, as {@link PhaseProfile} sorts its samples: loading classes, writing Parquet (encoding and zstd), committing
     * (the output committer, the checkpoint's logs, the offset ledger), parsing and validating the JSON values,
     * converting between Spark's row formats, and reading from Kafka (a fetch's wait included). A sample goes to the
     * first that names a frame of its stack: a row read from Kafka passes through Spark's generated code, which is
     * therefore not named.
     */
    private static final List<PhaseProfile.Phase> PHASES = List.of(PhaseProfile.CLASS_LOADING,
            new PhaseProfile.Phase("parquet_encode_compress", List.of("org.apache.parquet.", "com.github.luben.zstd.",
                    "org.apache.spark.sql.execution.datasources.parquet.", "io.streamtrain.core.ParquetRowWriter")),
            new PhaseProfile.Phase("commit", List.of("org.apache.hadoop.mapreduce.lib.output.FileOutputCommitter",
                    "org.apache.spark.internal.io.", "org.apache.spark.mapred.SparkHadoopMapRedUtil",
                    "org.apache.spark.sql.execution.datasources.SQLHadoopMapReduceCommitProtocol",
                    "org.apache.spark.sql.execution.streaming.HDFSMetadataLog",
                    "org.apache.spark.sql.execution.streaming.CheckpointFileManager",
                    "org.apache.spark.sql.execution.streaming.FileContextBasedCheckpointFileManager",
                    "org.apache.hadoop.fs.s3a.commit.", "io.streamtrain.core.HadoopFiles", "io.streamtrain.ingest.OffsetLedger")),
            new PhaseProfile.Phase("decode_validate", List.of("io.streamtrain.ingest.RecordParser",
                    "io.streamtrain.ingest.RecordScanner", "io.streamtrain.ingest.ParsedRecord",
                    "io.streamtrain.core.table.PackedFeatures")),
            new PhaseProfile.Phase("to_spark_rows", List.of("org.apache.spark.sql.kafka010.KafkaRecordToRowConverter",
                    "org.apache.spark.sql.catalyst.expressions.GeneratedClass$SpecificUnsafeProjection",
                    "org.apache.spark.sql.catalyst.expressions.GeneratedClass$SpecificSafeProjection",
                    "org.apache.spark.sql.catalyst.expressions.UnsafeProjection",
                    "org.apache.spark.sql.catalyst.expressions.codegen.", "org.apache.spark.sql.catalyst.encoders.",
                    "org.apache.spark.sql.catalyst.CatalystTypeConverters", "org.apache.spark.sql.catalyst.expressions.Unsafe",
                    "org.apache.spark.sql.RowFactory", "org.apache.spark.sql.catalyst.expressions.GenericRow")),
            new PhaseProfile.Phase("kafka_fetch", List.of("org.apache.kafka.", "org.apache.spark.sql.kafka010.")));

    /** Deletes the benchmark's topic when the run ends. */
    private interface TopicDeleter extends AutoCloseable {
        @Override
        void close();
    }

    /** The benchmark's own warehouse, deleted when it ends, whether it succeeded or not. */
    private record Scratch(Warehouse warehouse, AppConfig config) implements AutoCloseable {
        @Override
        public void close() {
            HadoopFiles.beforeSpark(config.spark()).deleteRecursively(warehouse.root());
        }
    }

    /**
     * Spark's own account of each micro-batch (rows and trigger time), to tell the steady rate from the first batch,
     * which also pays query planning and most of the JIT compilation.
     */
    private static final class BatchProgress extends StreamingQueryListener {
        private final List<long[]> rowsAndMillis = new CopyOnWriteArrayList<>();

        @Override
        public void onQueryProgress(QueryProgressEvent event) {
            StreamingQueryProgress p = event.progress();
            Long millis = p.durationMs().get("triggerExecution");
            if (p.numInputRows() > 0 && millis != null) {
                rowsAndMillis.add(new long[]{p.numInputRows(), millis});
            }
        }

        @Override
        public void onQueryStarted(QueryStartedEvent event) {
        }

        @Override
        public void onQueryTerminated(QueryTerminatedEvent event) {
        }

        String describe(double consumerRate, double jitSeconds) {
            long rows = 0;
            long millis = 0;
            for (long[] batch : rowsAndMillis.subList(Math.min(1, rowsAndMillis.size()), rowsAndMillis.size())) {
                rows += batch[0];
                millis += batch[1];
            }
            if (millis == 0) {
                return String.format(Locale.ROOT, "ingest_after_first_batch: none (%d batches; raise --records)"
                        + " jit_compile_seconds=%.1f", rowsAndMillis.size(), jitSeconds);
            }
            double rate = rows * 1000.0 / millis;
            return String.format(Locale.ROOT, "ingest_after_first_batch_records_per_sec=%.0f"
                    + " ingest_after_first_batch_ratio=%.3f (%d of %d micro-batches, Spark's trigger times; the"
                    + " first took %.1f s with query planning and JIT) jit_compile_seconds=%.1f", rate,
                    rate / consumerRate, rowsAndMillis.size() - 1, rowsAndMillis.size(),
                    rowsAndMillis.get(0)[1] / 1e3, jitSeconds);
        }
    }

    private static final int FLOOR_RECORDS = 100_000;
    private static final int ZSTD_BLOCK = 1 << 20;

    /**
     * Records/s of the work every ingest of these records must do, whatever moves them: parse and validate each JSON
     * value ({@link RecordParser}, as ingest does), pack its features, and zstd-compress the packed bytes in 1 MiB
     * blocks with Parquet's own page compressor (configured as ingest's, by {@code hadoop}), on {@code threads}
     * threads over values already in memory. The best of two passes (the first warms the JIT): an upper bound on
     * {@code ingest_records_per_sec} on this machine.
     */
    private static double floorRate(AppConfig config, Configuration hadoop, List<Image> images, int records,
                                    int threads) {
        List<byte[]> values = new ArrayList<>(records);
        ImageEvents.of(images, records, "bench-", new AtomicLong()).forEachRemaining(e -> values.add(e.value()));
        double best = 0;
        for (int pass = 0; pass < 2; pass++) {
            long t0 = System.nanoTime();
            long accepted = IntStream.range(0, threads).parallel()
                    .mapToLong(t -> parseAndCompress(config, hadoop, values, t, threads)).sum();
            if (accepted != records) {
                throw new IllegalStateException("bench ingest: the parse-and-compress pass accepted " + accepted
                        + " of " + records + " records");
            }
            best = Math.max(best, records / ((System.nanoTime() - t0) / 1e9));
        }
        return best;
    }

    /** Every {@code stride}-th value from {@code first}: parsed, packed, compressed; returns how many were accepted. */
    private static long parseAndCompress(AppConfig config, Configuration hadoop, List<byte[]> values, int first,
                                         int stride) {
        RecordParser parser = new RecordParser(config.ingestRules());
        // The compressor Parquet's writer uses for its pages.
        CodecFactory codecs = new CodecFactory(hadoop, ZSTD_BLOCK);
        try {
            CodecFactory.BytesCompressor zstd = codecs.getCompressor(CompressionCodecName.ZSTD);
            ByteArrayOutputStream block = new ByteArrayOutputStream(ZSTD_BLOCK + 8192);
            long accepted = 0;
            for (int i = first; i < values.size(); i += stride) {
                byte[] packed = parsedAndPacked(parser, values.get(i));
                if (packed != null) {
                    block.writeBytes(packed);
                    accepted++;
                }
                if (block.size() >= ZSTD_BLOCK) {
                    compress(zstd, block);
                }
            }
            compress(zstd, block);
            return accepted;
        } finally {
            codecs.release();
        }
    }

    /**
     * The work every ingest does to one value, whatever moves it: parsed and validated as ingest does, and its
     * features packed as landing stores them; null when the value is rejected. The floor and the source bound share it.
     */
    static byte[] parsedAndPacked(RecordParser parser, byte[] value) {
        ParsedRecord r = parser.parse(null, value);
        return r.isAccepted() ? PackedFeatures.pack(r.features()) : null;
    }

    /** Compresses the block as Parquet would a page, and empties it. */
    private static void compress(CodecFactory.BytesCompressor zstd, ByteArrayOutputStream block) {
        try {
            zstd.compress(BytesInput.from(block.toByteArray()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        block.reset();
    }

    /** Reads every partition from the start until {@code records} records are in; returns seconds. */
    private static double plainConsumer(KafkaConnection kafka, long records) {
        Map<String, Object> props = kafka.clientProperties();
        props.put("max.partition.fetch.bytes", 8 * 1024 * 1024);
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(kafka.settings().topic()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long t0 = System.nanoTime();
            long seen = 0;
            long bytes = 0;
            while (seen < records) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofSeconds(1))) {
                    bytes += r.value().length;
                    seen++;
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (bytes == 0) {
                throw new IllegalStateException("plain consumer read no bytes");
            }
            return seconds;
        }
    }

    private static long size(SparkSession spark, String path) {
        try {
            // CHECKSTYLE.SUPPRESS: FullyQualifiedName - Hadoop's Path, where java.nio.file.Path is imported for run
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
            ContentSummary summary = p.getFileSystem(spark.sparkContext().hadoopConfiguration()).getContentSummary(p);
            return summary.getLength();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
