package io.streamtrain.ingest;

import io.streamtrain.core.kafka.EmbeddedKafka;
import io.streamtrain.core.kafka.KafkaConnection;
import io.streamtrain.core.kafka.KafkaSettings;
import io.streamtrain.core.table.Table;
import io.streamtrain.core.Warehouse;
import io.streamtrain.jobs.StreamTrain;
import io.streamtrain.testing.LocalRuns;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Exactly once across real failures: ingest runs as its own JVM and is killed with SIGKILL at random moments, the
 * broker is restarted, and a crash between a batch's write and its commit is replayed; at the end every Kafka record
 * is in landing exactly once, by (partition, offset) and by id.
 */
class IngestFaultIT {

    private static final int RECORDS = 3000;
    private static final String TOPIC = "fault-it";
    private static final List<String> OPENS = List.of("java.lang", "java.lang.invoke", "java.lang.reflect", "java.io",
            "java.net", "java.nio", "java.util", "java.util.concurrent", "java.util.concurrent.atomic", "sun.nio.ch",
            "sun.nio.cs", "sun.security.action", "sun.util.calendar");

    @TempDir
    Path tmp;

    @Test
    void killedAndRestartedIngestLandsEveryRecordOnce() throws Exception {
        Path kafkaDir = tmp.resolve("kafka");
        Path warehouse = tmp.resolve("warehouse");
        EmbeddedKafka broker = EmbeddedKafka.start(kafkaDir, 0);
        try {
            publish(broker.bootstrapServers());
            Random random = new Random(20261123);
            for (int kill = 0; kill < 2; kill++) {
                Process ingest = startIngest(broker.bootstrapServers(), warehouse);
                long delay = 7_000 + random.nextInt(6_000);
                boolean finished = ingest.waitFor(delay, TimeUnit.MILLISECONDS);
                if (!finished) {
                    ingest.destroyForcibly().waitFor();
                }
                assertThat(finished).as("ingest %d was still running when killed after %d ms", kill, delay).isFalse();
            }
            // A broker restart between runs: same log, new port.
            broker.close();
            broker = EmbeddedKafka.start(kafkaDir, 0);
            assertThat(runToEnd(broker.bootstrapServers(), warehouse)).isZero();

            // A crash after the last batch wrote its output but before Spark committed it: Spark re-runs the batch.
            Path commits = warehouse.resolve("_checkpoints/ingest/commits");
            Path newest;
            try (Stream<Path> files = Files.list(commits)) {
                newest = files.filter(p -> p.getFileName().toString().matches("\\d+"))
                        .max(Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString()))).orElseThrow();
            }
            Files.delete(newest);
            assertThat(runToEnd(broker.bootstrapServers(), warehouse)).isZero();
        } finally {
            broker.close();
        }

        long batches = assertLandedOnce(warehouse);
        assertThat(batches).as("several micro-batches").isGreaterThan(5);
    }

    /**
     * Range mode across the same failures: a run killed while its tasks stage files is re-run under its id, and a run
     * whose commit a crash cut short (its ledger entry not committed, one landed file gone) is finished by the next
     * run id before that one draws its own range. Every record lands once, and no staging folder is left.
     */
    @Test
    void killedRangeRunsLandEveryRecordOnce() throws Exception {
        String topic = "fault-range-it";
        Path warehouse = tmp.resolve("range-warehouse");
        Path landing = warehouse.resolve("landing");
        try (EmbeddedKafka broker = EmbeddedKafka.start(tmp.resolve("range-kafka"), 0)) {
            publish(broker.bootstrapServers(), topic);
            Process killed = startIngest(broker.bootstrapServers(), warehouse, topic, "--mode", "range", "--run-id", "r1");
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (!hasStagedFile(landing) && killed.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(killed.isAlive()).as("r1 still running once a task had staged a file").isTrue();
            killed.destroyForcibly().waitFor();
            assertThat(runToEnd(startIngest(broker.bootstrapServers(), warehouse, topic, "--mode", "range",
                    "--run-id", "r1"))).isZero();

            // A crash inside r1's commit: the ledger still says planned, and a landed file was not moved in yet.
            Path entry = warehouse.resolve("_" + IngestJob.RANGES).resolve("r1.json");
            String planned = Files.readString(entry).replace("\"committed\":true", "\"committed\":false");
            assertThat(planned).contains("\"committed\":false");
            Files.writeString(entry, planned);
            Files.deleteIfExists(entry.resolveSibling(".r1.json.crc"));
            try (Stream<Path> files = Files.walk(landing)) {
                Files.delete(files.filter(f -> f.toString().endsWith(".parquet")).findFirst().orElseThrow());
            }
            assertThat(runToEnd(startIngest(broker.bootstrapServers(), warehouse, topic, "--mode", "range",
                    "--run-id", "r2"))).isZero();
        }

        assertLandedOnce(warehouse);
        try (Stream<Path> all = Files.walk(warehouse)) {
            assertThat(all.map(p -> p.getFileName().toString()))
                    .noneMatch(n -> n.startsWith(RangeReader.STAGING_PREFIX));
        }
    }

    /**
     * Every record is in landing once, by (partition, offset) and by id, and the audit's batches read them all.
     *
     * @return the audit's batches
     */
    private static long assertLandedOnce(Path warehouse) {
        SparkSession spark = LocalRuns.session();
        try {
            Warehouse w = new Warehouse(warehouse.toString());
            Dataset<Row> landing = spark.read().parquet(w.table(Table.LANDING));
            assertThat(landing.count()).isEqualTo(RECORDS);
            assertThat(landing.select("partition", "offset").distinct().count()).isEqualTo(RECORDS);
            assertThat(landing.select("id").distinct().count()).isEqualTo(RECORDS);
            Dataset<Row> audit = spark.read().parquet(w.table(Table.INGEST_AUDIT));
            assertThat(audit.selectExpr("sum(read)").first().getLong(0)).isEqualTo(RECORDS);
            return audit.count();
        } finally {
            spark.stop();
        }
    }

    /** Whether a task attempt of a range run has staged a Parquet file under {@code landing}. */
    private static boolean hasStagedFile(Path landing) throws IOException {
        if (!Files.isDirectory(landing)) {
            return false;
        }
        try (Stream<Path> all = Files.walk(landing)) {
            return all.anyMatch(p -> p.toString().contains(RangeReader.STAGING_PREFIX)
                    && p.getFileName().toString().endsWith(".parquet"));
        } catch (java.io.UncheckedIOException e) {
            // A folder removed while walking: not yet.
            return false;
        }
    }

    private void publish(String bootstrap) {
        publish(bootstrap, TOPIC);
    }

    private void publish(String bootstrap, String topic) {
        KafkaSettings settings = new KafkaSettings(bootstrap, topic, 2, 0, java.util.Map.of(),
                java.time.Duration.ofSeconds(60));
        try (KafkaConnection kafka = KafkaConnection.open(settings, new Warehouse(tmp.toString()))) {
            String zeros = "0,".repeat(783) + "0";
            Iterator<Event> events = java.util.stream.IntStream.range(0, RECORDS).mapToObj(i -> {
                String id = "f-" + i;
                String json = "{\"id\":\"" + id + "\",\"ts\":1,\"label\":" + (i % 10) + ",\"features\":[" + zeros + "]}";
                return new Event(id, json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }).iterator();
            assertThat(new EventPublisher(kafka).publish(events)).isEqualTo(RECORDS);
        }
    }

    private Process startIngest(String bootstrap, Path warehouse) throws IOException {
        return startIngest(bootstrap, warehouse, TOPIC);
    }

    private Process startIngest(String bootstrap, Path warehouse, String topic, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        OPENS.forEach(p -> cmd.add("--add-opens=java.base/" + p + "=ALL-UNNAMED"));
        cmd.addAll(List.of("-Xmx1g", "-cp", System.getProperty("java.class.path"), StreamTrain.class.getName(),
                "ingest", "--conf", "conf/local.conf",
                "--set", "warehouse=" + warehouse,
                "--set", "kafka.bootstrap-servers=\"" + bootstrap + "\"",
                "--set", "kafka.topic=" + topic,
                "--set", "ingest.max-offsets-per-trigger=150",
                "--set", "spark.conf.\"spark.master\"=\"local[1]\""));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(new File(tmp.toFile(), "ingest.log")));
        return pb.start();
    }

    private int runToEnd(String bootstrap, Path warehouse) throws Exception {
        return runToEnd(startIngest(bootstrap, warehouse));
    }

    private int runToEnd(Process ingest) throws Exception {
        assertThat(ingest.waitFor(5, TimeUnit.MINUTES)).as("ingest finished").isTrue();
        if (ingest.exitValue() != 0) {
            String log = Files.readString(tmp.resolve("ingest.log"));
            System.err.println(log.substring(Math.max(0, log.length() - 6000)));
        }
        return ingest.exitValue();
    }
}
