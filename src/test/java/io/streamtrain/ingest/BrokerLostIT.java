package io.streamtrain.ingest;

import io.streamtrain.core.Warehouse;
import io.streamtrain.core.kafka.KafkaSettings;
import io.streamtrain.core.table.Table;
import io.streamtrain.jobs.StreamTrain;
import io.streamtrain.testing.ChildJvm;
import io.streamtrain.testing.ExternalKafka;
import io.streamtrain.testing.Fixtures;
import io.streamtrain.testing.LocalRuns;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An external broker that disappears while ingest reads from it: the command ends within its limit with one line that
 * names the broker and the command that continues, and once the broker is back that command lands every record once.
 */
class BrokerLostIT {

    private static final String TOPIC = "broker-lost-it";
    /** Bytes a second the broker serves each consumer: the read takes long enough to be cut in the middle. */
    private static final double CONSUMER_BYTE_RATE = 150_000;

    @TempDir
    Path tmp;

    @Test
    void aBrokerKilledMidIngestEndsTheCommandWithOneLineAndTheContinuationLandsEveryRecordOnce() throws Exception {
        Path warehouse = tmp.resolve("warehouse");
        ExternalKafka kafka = ExternalKafka.start(tmp.resolve("kafka"));
        try {
            assertThat(StreamTrain.execute(command(kafka, warehouse, "produce", "--input",
                    Fixtures.fashionSlice().toString(), "--format", "idx"))).isZero();
            throttleConsumers(kafka, CONSUMER_BYTE_RATE);

            // A read waits on a silent broker up to twice the timeout: for the next poll, then for its position.
            String[] ingest = command(kafka, warehouse, "ingest", "--mode", "range", "--run-id", "d1",
                    "--set", KafkaSettings.READ_TIMEOUT + "=15s");
            Path out = tmp.resolve("ingest.out");
            Path err = tmp.resolve("ingest.err");
            Process child = ChildJvm.start(List.of(ingest), out, err);
            // Mid-batch: the tasks that read the range have begun to write it.
            awaitWriting(child, warehouse.resolve("landing"), err);
            kafka.kill();
            long killed = System.nanoTime();
            boolean ended = child.waitFor(3, TimeUnit.MINUTES);
            double seconds = (System.nanoTime() - killed) / 1e9;
            if (!ended) {
                child.destroyForcibly().waitFor();
            }
            String stderr = Files.readString(err);
            assertThat(ended).as("ingest ended after its broker was killed: %s", stderr).isTrue();
            List<String> ours = stderr.lines().filter(l -> l.startsWith("streamtrain ingest:")).toList();
            assertThat(ours).as(stderr).hasSize(1);
            assertThat(ours.get(0)).contains(kafka.bootstrapServers(), "to continue:", "--run-id d1");
            assertThat(ours.get(0)).doesNotContain("internal error");
            assertThat(child.exitValue()).isEqualTo(1);
            assertThat(seconds).as("seconds from the kill to the end of the command").isLessThan(90);

            kafka.restart();
            throttleConsumers(kafka, null);
            assertThat(StreamTrain.execute(ingest)).isZero();
        } finally {
            kafka.close();
        }
        SparkSession spark = LocalRuns.session();
        try {
            Dataset<Row> landing = spark.read().parquet(new Warehouse(warehouse.toString()).table(Table.LANDING));
            assertThat(landing.count()).isEqualTo(Fixtures.SLICE_IMAGES);
            assertThat(landing.select("id").distinct().count()).isEqualTo(Fixtures.SLICE_IMAGES);
        } finally {
            spark.stop();
        }
    }

    private static String[] command(ExternalKafka kafka, Path warehouse, String subcommand, String... args) {
        List<String> all = new ArrayList<>(List.of(LocalRuns.command(warehouse, TOPIC, subcommand, args)));
        all.addAll(List.of("--set", "kafka.bootstrap-servers=\"" + kafka.bootstrapServers() + "\""));
        return all.toArray(String[]::new);
    }

    /**
     * A default quota for every client id, or none for null: the broker delays its fetch responses to keep under the
     * rate.
     */
    private static void throttleConsumers(ExternalKafka kafka, Double bytesPerSecond) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            ClientQuotaEntity everyClient = new ClientQuotaEntity(
                    Collections.singletonMap(ClientQuotaEntity.CLIENT_ID, null));
            admin.alterClientQuotas(List.of(new ClientQuotaAlteration(everyClient,
                    List.of(new ClientQuotaAlteration.Op("consumer_byte_rate", bytesPerSecond))))).all().get();
        }
    }

    private static void awaitWriting(Process child, Path table, Path err) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (!writing(table)) {
            assertThat(child.isAlive()).as("ingest still running: %s", Files.readString(err)).isTrue();
            assertThat(System.nanoTime()).as("tasks writing within 2 minutes").isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private static boolean writing(Path table) {
        if (!Files.isDirectory(table)) {
            return false;
        }
        try (Stream<Path> files = Files.walk(table)) {
            return files.anyMatch(f -> f.toString().contains("_temporary"));
        } catch (IOException | UncheckedIOException e) {
            // A folder removed while listed.
            return false;
        }
    }
}
