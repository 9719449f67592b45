package io.streamtrain.ingest;

import io.streamtrain.core.kafka.KafkaConnection;
import io.streamtrain.core.kafka.KafkaSettings;
import io.streamtrain.core.ConfigLoader;
import io.streamtrain.core.table.Table;
import io.streamtrain.core.UserException;
import io.streamtrain.core.Warehouse;
import io.streamtrain.jobs.AppConfig;
import io.streamtrain.jobs.StreamTrain;
import io.streamtrain.testing.LocalRuns;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * From a file to the tables with a real broker and Spark: every line of a JSON-lines file full of malformed bytes is
 * accounted for (landed, quarantined with its reason, id and exact bytes, or counted as an empty line), and a produce
 * that fails midway leaves exactly its committed prefix, which {@code --skip} completes without a duplicate.
 */
class ProduceToIngestIT {

    private static final String ZEROS = "0,".repeat(783) + "0";

    @TempDir
    Path tmp;

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String record(String id, String features) {
        return "{\"id\":\"" + id + "\",\"ts\":1,\"label\":3,\"features\":[" + features + "]}";
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** One line of the file and what the door must make of it: a reason (null: lands) and the id it keeps. */
    private record Line(byte[] bytes, String reason, String id) {
    }

    /** The same door in both ways of reading: Spark's Kafka source (available-now) and range mode's own consumers. */
    @ParameterizedTest
    @ValueSource(strings = {"available-now", "range"})
    void everyLineOfAMalformedFileIsAccountedFor(String mode) throws IOException {
        List<Line> lines = List.of(
                new Line(utf8(record("ok-1", ZEROS)), null, "ok-1"),
                new Line(utf8(record("crlf-1", ZEROS) + "\r"), null, "crlf-1"),
                new Line(concat(new byte[]{(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, utf8(record("bom-1", ZEROS))), null,
                        "bom-1"),
                new Line(concat(utf8(record("nul-1", ZEROS)), new byte[]{0, 0}), "MALFORMED_JSON", "nul-1"),
                new Line(concat(utf8("{\"id\":\"utf-1\",\"ts\":1,\"label\":\""), new byte[]{(byte) 0xC3, 0x28},
                        utf8("\",\"features\":[" + ZEROS + "]}")), "INVALID_UTF8", "utf-1"),
                new Line(utf8("{\"id\":\"long-1\",\"ts\":1,\"label\":3,\"features\":[" + ZEROS + "],\"pad\":\""
                        + "p".repeat(40_000) + "\"}"), "OVERSIZED_RECORD", "long-1"),
                new Line(utf8(" \t "), "MALFORMED_JSON", null),
                new Line(utf8("{\"id\":\"trunc-1\",\"ts\":1,\"label\":3,\"features\":[0,0,0"), "MALFORMED_JSON",
                        "trunc-1"),
                new Line(utf8(record("hot-1", "300," + "0,".repeat(782) + "0")), "OUT_OF_RANGE", "hot-1"),
                new Line(utf8(record("ok-2", ZEROS)), null, "ok-2"));
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        for (Line line : lines) {
            file.writeBytes(line.bytes());
            // An empty line after each record, and a lone \r (a blank line of a CRLF file): skipped, never sent.
            file.writeBytes(utf8("\n\n\r\n"));
        }
        Path input = tmp.resolve("door.jsonl");
        Files.write(input, file.toByteArray());

        String limit = IngestSettings.MAX_RECORD_BYTES + "=16384";
        java.io.PrintStream stdout = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try {
            System.setOut(new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
            assertThat(StreamTrain.execute(LocalRuns.command(tmp.resolve("warehouse"), "door-it", "produce",
                    "--format", "jsonl", "--input", input.toString(), "--set", limit))).isZero();
        } finally {
            System.setOut(stdout);
        }
        // Only the records went to Kafka: the empty and \r-only lines were counted and skipped.
        assertThat(printed.toString(java.nio.charset.StandardCharsets.UTF_8))
                .contains(lines.size() + " records published");
        assertThat(StreamTrain.execute(LocalRuns.command(tmp.resolve("warehouse"), "door-it", "ingest",
                "--mode", mode, "--set", limit))).isZero();

        Warehouse warehouse = new Warehouse(tmp.resolve("warehouse").toString());
        SparkSession spark = LocalRuns.session();
        try {
            List<Row> landed = spark.read().parquet(warehouse.table(Table.LANDING)).collectAsList();
            List<Row> quarantined = spark.read().parquet(warehouse.table(Table.QUARANTINE)).collectAsList();
            assertThat(landed).extracting(r -> r.<String>getAs("id"))
                    .containsExactlyInAnyOrder("ok-1", "crlf-1", "bom-1", "ok-2");
            // Every other line is in quarantine once, as its exact bytes, with the expected reason and id.
            Set<Integer> found = new HashSet<>();
            for (Row q : quarantined) {
                byte[] value = q.getAs("value");
                int index = -1;
                for (int i = 0; i < lines.size(); i++) {
                    if (Arrays.equals(lines.get(i).bytes(), value)) {
                        index = i;
                    }
                }
                assertThat(index).as("quarantined value matches a line byte for byte").isNotNegative();
                assertThat(found.add(index)).as("line %d quarantined once", index).isTrue();
                Line line = lines.get(index);
                assertThat(q.<String>getAs("reason")).as("line %d", index).isEqualTo(line.reason());
                assertThat(q.<String>getAs("id")).as("line %d", index).isEqualTo(line.id());
            }
            long bad = lines.stream().filter(l -> l.reason() != null).count();
            assertThat(found).hasSize((int) bad);
            assertThat(landed.size() + quarantined.size()).isEqualTo(lines.size());
        } finally {
            spark.stop();
        }
    }

    @Test
    void aProduceThatFailsMidwayLeavesItsCommittedPrefixAndSkipCompletesIt() throws IOException {
        int total = 2_500;
        int tooLarge = 2_300;
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            String id = String.format("m-%05d", i);
            // One record the producer refuses while its max.request.size is small; it is valid and lands later.
            lines.add(i == tooLarge
                    ? "{\"id\":\"" + id + "\",\"ts\":1,\"label\":1,\"features\":[" + ZEROS + "],\"note\":\""
                            + "n".repeat(200_000) + "\"}"
                    : record(id, ZEROS));
        }
        Path input = tmp.resolve("midway.jsonl");
        Files.write(input, lines);
        Path root = tmp.resolve("warehouse");
        String topic = "midway-it";
        AppConfig config = AppConfig.from(ConfigLoader.load(Path.of(LocalRuns.LOCAL), List.of(
                "warehouse=\"" + root + "\"", "kafka.topic=" + topic,
                ProduceSettings.FORMAT + "=jsonl", ProduceSettings.INPUT + "=\"" + input + "\"")));
        KafkaSettings k = config.kafka();
        KafkaSettings small = new KafkaSettings(k.bootstrapServers(), k.topic(), k.partitions(), k.embeddedPort(),
                Map.of("max.request.size", "100000"), k.readTimeout());

        UserException failure;
        try (KafkaConnection kafka = KafkaConnection.open(small, config.warehouse())) {
            failure = catchThrowableOfType(() -> new EventPublisher(kafka, 1_000).publish(config.produce(),
                    config.schema(), 1L), UserException.class);
        }
        assertThat(failure).isNotNull();
        assertThat(failure.getMessage()).doesNotContain("\n").contains("topic " + topic)
                .contains("RecordTooLargeException");
        Matcher committed = Pattern.compile("after (\\d+) records were committed").matcher(failure.getMessage());
        Matcher skip = Pattern.compile("--skip (\\d+)$").matcher(failure.getMessage());
        assertThat(committed.find()).isTrue();
        assertThat(skip.find()).isTrue();
        long printed = Long.parseLong(committed.group(1));
        assertThat(printed).isEqualTo(2_000);
        assertThat(Long.parseLong(skip.group(1))).isEqualTo(printed);

        // What ingest reads is exactly the committed prefix: the aborted transaction's records never land.
        assertThat(StreamTrain.execute(LocalRuns.command(root, topic, "ingest", "--mode", "range", "--run-id", "r1")))
                .isZero();
        assertThat(landedIds(root)).hasSize((int) printed).allSatisfy(id -> assertThat(id).isLessThan("m-02000"));

        // The user raises the limit and continues with the printed --skip.
        ProduceSettings rest = new ProduceSettings(config.produce().input(), config.produce().format(),
                config.produce().synthetic(), printed);
        try (KafkaConnection kafka = KafkaConnection.open(k, config.warehouse())) {
            assertThat(new EventPublisher(kafka, 1_000).publish(rest, config.schema(), 1L)).isEqualTo(total - printed);
        }
        assertThat(StreamTrain.execute(LocalRuns.command(root, topic, "ingest", "--mode", "range", "--run-id", "r2")))
                .isZero();
        List<String> ids = landedIds(root);
        assertThat(ids).hasSize(total).doesNotHaveDuplicates();
        Map<String, Boolean> expected = new HashMap<>();
        for (int i = 0; i < total; i++) {
            expected.put(String.format("m-%05d", i), true);
        }
        assertThat(ids).containsExactlyInAnyOrderElementsOf(expected.keySet());
    }

    private static List<String> landedIds(Path root) {
        SparkSession spark = LocalRuns.session();
        try {
            return spark.read().parquet(new Warehouse(root.toString()).table(Table.LANDING)).select("id")
                    .as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
        } finally {
            spark.stop();
        }
    }
}
