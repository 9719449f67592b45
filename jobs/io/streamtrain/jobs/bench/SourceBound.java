package io.streamtrain.jobs.bench;

import io.streamtrain.core.ConfigLoader;
import io.streamtrain.core.Sessions;
import io.streamtrain.core.Warehouse;
import io.streamtrain.core.kafka.KafkaConnection;
import io.streamtrain.ingest.IngestJob;
import io.streamtrain.ingest.IngestRules;
import io.streamtrain.ingest.RecordParser;
import io.streamtrain.jobs.AppConfig;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.api.java.function.ReduceFunction;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The most any ingest that reads through Spark's Kafka source could reach, on {@code bench ingest}'s own topic: in a
 * fresh JVM (as ingest starts), Spark's Kafka source reads every record with ingest's source options, and each value is
 * parsed, validated and packed as the floor does it. Nothing is compressed or written, so ingest, which does all of
 * this and more, cannot be faster.
 */
final class SourceBound {

    private SourceBound() {
    }

    /** Seconds the bound's read took, from a fresh JVM that reads {@code topic} at {@code bootstrap}. */
    static double seconds(AppConfig config, String bootstrap, String topic, long records) {
        // The same flags as this JVM (Java 17's --add-opens for Spark, the heap), but no profiler.
        List<String> flags = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> !a.startsWith("-XX:StartFlightRecording") && !a.startsWith("-agent")).toList();
        return Double.parseDouble(FreshJvm.result("bench ingest: the Spark Kafka source bound", config, flags, Map.of(),
                SourceBound.class, bootstrap, topic, String.valueOf(records))[0]);
    }

    /** The fresh JVM: prints "RESULT seconds". Arguments: settings file, bootstrap servers, topic, records. */
    public static void main(String[] args) {
        AppConfig config = AppConfig.from(ConfigLoader.load(Path.of(args[0]),
                List.of("kafka.bootstrap-servers=\"" + args[1] + "\"")));
        String topic = args[2];
        long records = Long.parseLong(args[3]);
        SparkSession spark = Sessions.create(config.spark());
        try (KafkaConnection cluster = KafkaConnection.open(config.kafka(), new Warehouse(config.warehouse().root()));
             KafkaConnection kafka = cluster.withTopic(topic)) {
            long t0 = System.nanoTime();
            long accepted = spark.read().format("kafka")
                    .options(IngestJob.sourceOptions(kafka, topic))
                    .option("startingOffsets", "earliest")
                    .option("endingOffsets", "latest")
                    .load()
                    .select("value").as(Encoders.BINARY())
                    .mapPartitions(new ParseAndPack(config.ingestRules()), Encoders.LONG())
                    .reduce((ReduceFunction<Long>) Long::sum);
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (accepted != records) {
                throw new IllegalStateException("The bound accepted " + accepted + " of " + records + " records");
            }
            System.out.println("RESULT " + seconds);
        } finally {
            spark.stop();
        }
    }

    /** Parses, validates and packs every value of a partition, as the floor does; returns how many were accepted. */
    private record ParseAndPack(IngestRules rules) implements MapPartitionsFunction<byte[], Long> {
        @Override
        public Iterator<Long> call(Iterator<byte[]> values) {
            RecordParser parser = new RecordParser(rules);
            long accepted = 0;
            while (values.hasNext()) {
                if (IngestBench.parsedAndPacked(parser, values.next()) != null) {
                    accepted++;
                }
            }
            return List.of(accepted).iterator();
        }
    }
}
