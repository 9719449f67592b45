package io.streamtrain.ingest;

import io.streamtrain.core.ConfigLoader;
import io.streamtrain.core.kafka.KafkaConnection;
import io.streamtrain.core.table.Table;
import io.streamtrain.core.Warehouse;
import io.streamtrain.jobs.AppConfig;
import io.streamtrain.jobs.StreamTrain;
import io.streamtrain.testing.LocalRuns;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Range mode with a real broker: each run id reads the offsets after the previous run, a re-run of an id rewrites
 * exactly its own output, and mixing modes in one warehouse is refused.
 */
class IngestRangeIT {

    @TempDir
    Path tmp;

    private String[] command(String subcommand, String... args) {
        return LocalRuns.command(tmp.resolve("warehouse"), "range-it", subcommand, args);
    }

    private Path records(String prefix, int count, boolean withBad) throws IOException {
        List<String> lines = new ArrayList<>();
        String zeros = "0,".repeat(783) + "0";
        for (int i = 0; i < count; i++) {
            lines.add("{\"id\":\"" + prefix + i + "\",\"ts\":1,\"label\":" + (i % 10) + ",\"features\":[" + zeros + "]}");
        }
        if (withBad) {
            lines.add("{\"id\":\"" + prefix + "bad\",\"ts\":1,\"label\":1,\"features\":[1]}");
        }
        Path file = tmp.resolve(prefix + ".jsonl");
        Files.write(file, lines);
        return file;
    }

    @Test
    void eachRunReadsItsOwnRangeAndReRunsRewriteIt() throws IOException {
        assertThat(StreamTrain.execute(command("produce", "--format", "jsonl", "--input",
                records("a-", 120, true).toString()))).isZero();
        assertThat(StreamTrain.execute(command("ingest", "--mode", "range", "--run-id", "r1"))).isZero();
        assertThat(StreamTrain.execute(command("produce", "--format", "jsonl", "--input",
                records("b-", 80, false).toString()))).isZero();
        assertThat(StreamTrain.execute(command("ingest", "--mode", "range", "--run-id", "r2"))).isZero();
        // Airflow retries both: nothing may change.
        assertThat(StreamTrain.execute(command("ingest", "--mode", "range", "--run-id", "r1"))).isZero();
        assertThat(StreamTrain.execute(command("ingest", "--mode", "range", "--run-id", "r2"))).isZero();
        // A run with nothing new lands nothing.
        assertThat(StreamTrain.execute(command("ingest", "--mode", "range", "--run-id", "r3"))).isZero();

        Warehouse warehouse = new Warehouse(tmp.resolve("warehouse").toString());
        SparkSession spark = LocalRuns.session();
        try {
            Dataset<Row> landing = spark.read().parquet(warehouse.table(Table.LANDING));
            Dataset<Row> quarantine = spark.read().parquet(warehouse.table(Table.QUARANTINE));
            assertThat(landing.count()).isEqualTo(200);
            assertThat(landing.select("partition", "offset").distinct().count()).isEqualTo(200);
            assertThat(landing.where("batch = 'range-r1'").count()).isEqualTo(120);
            assertThat(landing.where("batch = 'range-r2' AND id LIKE 'b-%'").count()).isEqualTo(80);
            assertThat(quarantine.count()).isEqualTo(1);
            assertThat(quarantine.first().<String>getAs("batch")).isEqualTo("range-r1");
        } finally {
            spark.stop();
        }

        // The streaming modes keep their own offsets: refused on a warehouse that range mode owns, before anything
        // starts (exit 2).
        assertThat(StreamTrain.execute(command("ingest", "--mode", "available-now"))).isEqualTo(2);
    }

    @Test
    void aRunBoundToItsIntervalsEndTakesTheSameRecordsWheneverItRuns() throws Exception {
        assertThat(StreamTrain.execute(command("produce", "--format", "jsonl", "--input",
                records("day1-", 60, false).toString()))).isZero();
        Thread.sleep(50);
        String endOfDay1 = Instant.now().toString();
        Thread.sleep(50);
        assertThat(StreamTrain.execute(command("produce", "--format", "jsonl", "--input",
                records("day2-", 40, false).toString()))).isZero();

        // Day 1 runs after day 2's records arrived (a late or backfilled run), twice (a retry), then day 2 runs.
        assertThat(StreamTrain.execute(command("ingest", "--mode", "range", "--until", endOfDay1,
                "--run-id", "day1"))).isZero();
        assertThat(StreamTrain.execute(command("ingest", "--mode", "range", "--until", endOfDay1,
                "--run-id", "day1"))).isZero();
        assertThat(StreamTrain.execute(command("ingest", "--mode", "range", "--run-id", "day2"))).isZero();
        // A first run of an earlier date after later dates ran: day 1 and day 2 hold its records; it lands nothing.
        assertThat(StreamTrain.execute(command("ingest", "--mode", "range", "--until", endOfDay1,
                "--run-id", "day0"))).isZero();

        Warehouse warehouse = new Warehouse(tmp.resolve("warehouse").toString());
        SparkSession spark = LocalRuns.session();
        try {
            Dataset<Row> landing = spark.read().parquet(warehouse.table(Table.LANDING));
            assertThat(landing.count()).isEqualTo(100);
            assertThat(landing.where("batch = 'range-day1'").count()).isEqualTo(60);
            assertThat(landing.where("batch = 'range-day1' AND id LIKE 'day1-%'").count()).isEqualTo(60);
            assertThat(landing.where("batch = 'range-day2' AND id LIKE 'day2-%'").count()).isEqualTo(40);
            assertThat(landing.where("batch = 'range-day0'").count()).isZero();
        } finally {
            spark.stop();
        }
        assertThat(StreamTrain.execute(command("ingest", "--until", endOfDay1))).as("range mode only").isEqualTo(2);
        assertThat(StreamTrain.execute(command("ingest", "--mode", "range", "--until", "yesterday")))
                .as("not an instant").isEqualTo(2);
    }

    /**
     * Each record in its own transaction puts a commit marker after every record, and a fetch of one byte at most
     * returns one batch: every other fetch holds a marker alone, and a poll over it returns no record although the
     * consumer moved on. A range run must step over those, not take them for a silent broker.
     */
    @Test
    void stepsOverTransactionMarkersThatAFetchReturnsAlone() throws IOException {
        Path root = tmp.resolve("warehouse");
        Path input = records("tx-", 40, true);
        AppConfig config = AppConfig.from(ConfigLoader.load(Path.of(LocalRuns.LOCAL), List.of(
                "warehouse=\"" + root + "\"", "kafka.topic=range-it",
                ProduceSettings.FORMAT + "=jsonl", ProduceSettings.INPUT + "=\"" + input + "\"")));
        try (KafkaConnection kafka = KafkaConnection.open(config.kafka(), config.warehouse())) {
            assertThat(new EventPublisher(kafka, 1).publish(config.produce(), config.schema(), 1L)).isEqualTo(41);
        }

        assertThat(StreamTrain.execute(command("ingest", "--mode", "range", "--run-id", "tx",
                "--set", "kafka.properties.\"max.partition.fetch.bytes\"=1",
                "--set", "kafka.read-timeout=10s"))).isZero();

        SparkSession spark = LocalRuns.session();
        try {
            Warehouse warehouse = new Warehouse(root.toString());
            assertThat(spark.read().parquet(warehouse.table(Table.LANDING)).count()).isEqualTo(40);
            assertThat(spark.read().parquet(warehouse.table(Table.QUARANTINE)).count()).isEqualTo(1);
        } finally {
            spark.stop();
        }
    }
}
