package io.streamtrain.jobs;

import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.Warehouse;
import io.streamtrain.core.kafka.KafkaSettings;
import io.streamtrain.core.table.CuratedTable;
import io.streamtrain.core.table.Ledger;
import io.streamtrain.core.table.Table;
import io.streamtrain.ingest.FashionMnistIdx;
import io.streamtrain.testing.ChildJvm;
import io.streamtrain.testing.DagCommands;
import io.streamtrain.testing.ExternalKafka;
import io.streamtrain.testing.Fixtures;
import io.streamtrain.testing.Folders;
import io.streamtrain.testing.LocalRuns;
import io.streamtrain.testing.Stderr;
import io.streamtrain.testing.WarehouseSnapshot;
import org.apache.hadoop.conf.Configuration;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fault matrix: four scheduled days run with the Airflow DAG's own command lines against an external broker (two
 * good days, a drifted day the data gate refuses, and a good day whose broker is killed in the middle of ingest). The
 * reference runs every task once, in order, then the first day's tasks and the refused day's again (a scheduler's
 * clear of earlier dates), which must change nothing. The killed order, on a warehouse of its own, kills a command
 * with SIGKILL inside each stage and right after each stage committed (the first two days) and retries it, runs every
 * other task twice (a retry after success), and loses the broker mid-batch on the last day. After it the warehouse
 * equals the reference's, table for table and file for file ({@link WarehouseSnapshot}); every command ends as it did
 * in the reference and within its limit; the curated table never holds a row of the refused day.
 */
class FaultMatrixIT {

    private static final String TOPIC = "fault-matrix";
    /** Small and quick: 500 images a good day, an MLP of 32 units, two epochs. */
    private static final int GOOD_TRAIN = 400;
    private static final int GOOD_TEST = 100;
    private static final int DRIFTED = 200;
    /** How much brighter the drifted day's images are (pixels capped at 255): a PSI far above 0.25. */
    private static final int BRIGHTER = 90;
    /** What any one command may take here, kills and lost brokers included. */
    private static final long LIMIT_SECONDS = 150;
    /** Bytes a second the broker serves a consumer on the day it is lost: ingest's read outlasts the kill. */
    private static final double THROTTLED = 150_000;
    /** How long a read waits on a silent broker here; a lost broker ends ingest after about twice this. */
    private static final int READ_TIMEOUT_SECONDS = 3;

    @TempDir
    Path tmp;

    @Test
    void everyOrderOfRetriesReRunsAndKillsLeavesTheTablesOfTheDaysRunOnceInOrder() throws Exception {
        List<Day> days = days();

        Order reference = new Order("reference", days);
        Map<String, Integer> exits = new HashMap<>();
        WarehouseSnapshot[] expected = new WarehouseSnapshot[1];
        reference.run(() -> {
            for (Day day : days) {
                reference.produce(day);
                for (List<String> task : day.tasks()) {
                    int exit = reference.run(task);
                    exits.put(key(task), exit);
                    if (exit == StreamTrain.DATA_GATE) {
                        break;
                    }
                }
            }
            expected[0] = reference.snapshot();
            // A scheduler's clear of earlier dates: the first day's tasks and the refused day's, after the last day.
            for (Day day : List.of(days.get(0), days.get(2))) {
                for (List<String> task : day.tasks()) {
                    reference.expect(task, exits, reference.run(task));
                    if (exits.get(key(task)) == StreamTrain.DATA_GATE) {
                        break;
                    }
                }
            }
            assertThat(reference.snapshot().differences(expected[0])).as("earlier dates run again after the last")
                    .isEmpty();
        });
        assertThat(exits).as("the drifted day is refused").containsEntry(key(days.get(2).tasks().get(1)),
                StreamTrain.DATA_GATE);
        assertThat(exits.get(key(days.get(0).tasks().get(3)))).as("the first model is promoted").isZero();
        Order killed = new Order("killed", days);
        killed.run(() -> {
            Map<String, KillPoint> kills = killPoints(days, killed.warehouse);
            for (Day day : days) {
                killed.produce(day);
                for (List<String> task : day.tasks()) {
                    KillPoint kill = kills.get(key(task));
                    if (kill != null) {
                        killed.kill(task, kill);
                    } else if (day == days.get(3) && task.get(0).equals("ingest")) {
                        killed.loseBrokerDuring(task);
                    } else {
                        // A retry after success: what the last two days' other tasks go through.
                        killed.expect(task, exits, killed.run(task));
                    }
                    killed.expect(task, exits, killed.run(task));
                    if (exits.get(key(task)) == StreamTrain.DATA_GATE) {
                        break;
                    }
                }
            }
        });
        assertThat(killed.snapshot().differences(expected[0])).as("killed order against the reference").isEmpty();
    }

    /**
     * Where the killed order sends SIGKILL: inside each stage (its tasks are writing) on the first two days, and
     * right after each stage committed, before its command returned.
     */
    private static Map<String, KillPoint> killPoints(List<Day> days, Path root) {
        Warehouse w = new Warehouse(root.toString());
        List<String> first = days.get(0).tasks().stream().map(FaultMatrixIT::key).toList();
        List<String> second = days.get(1).tasks().stream().map(FaultMatrixIT::key).toList();
        String id1 = days.get(0).runId();
        String id2 = days.get(1).runId();
        Map<String, KillPoint> kills = new HashMap<>();
        kills.put(first.get(0), new KillPoint("inside ingest", () -> Folders.writing(Path.of(w.table(Table.LANDING)))));
        kills.put(first.get(1), new KillPoint("after preprocess committed", () -> committedPreprocess(w, id1)));
        kills.put(first.get(2), new KillPoint("inside train", () -> Folders.holds(
                Path.of(w.table(Table.TRAINING_HISTORY), "run_id=" + id1), FaultMatrixIT::isParquet)));
        kills.put(first.get(3), new KillPoint("after evaluate committed", () -> Folders.holds(
                Path.of(w.table(Table.DECISIONS), "run_id=" + id1), FaultMatrixIT::isParquet)));
        kills.put(second.get(0), new KillPoint("after ingest committed", () -> contains(
                w.internal("ingest/ranges") + "/" + id2 + ".json", "\"committed\":true")));
        kills.put(second.get(1), new KillPoint("inside preprocess", () -> Folders.writing(Path.of(w.table(Table.CURATED)))));
        kills.put(second.get(2), new KillPoint("after train committed", () -> Files.exists(
                Path.of(w.root(), "models", id2, "model.zip"))));
        kills.put(second.get(3), new KillPoint("inside evaluate", () -> Folders.writing(Path.of(w.root(), "metrics"))));
        return kills;
    }

    /** A moment in a command's life, seen from outside: a file that appears once the command got that far. */
    private record KillPoint(String name, BooleanSupplier reached) {
    }

    /** One scheduled day: its date, its records (a JSON-lines file) and the DAG's four tasks for that date. */
    private record Day(String name, Path input, List<List<String>> tasks) {
        String runId() {
            return DagCommands.runId(tasks.get(0));
        }
    }

    /**
     * Four days from the Fashion-MNIST slice, each its own images (official test images keep their ids, so they stay
     * in the test split): good, good, drifted (brighter), good.
     */
    private List<Day> days() throws IOException, InterruptedException {
        Path slice = Fixtures.fashionSlice();
        List<FashionMnistIdx.Image> train = FashionMnistIdx.readImages(slice.resolve("train-images-idx3-ubyte.gz"),
                slice.resolve("train-labels-idx1-ubyte.gz"));
        List<FashionMnistIdx.Image> test = FashionMnistIdx.readImages(slice.resolve("t10k-images-idx3-ubyte.gz"),
                slice.resolve("t10k-labels-idx1-ubyte.gz"));
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        List<Day> days = new ArrayList<>();
        int trainAt = 0;
        int testAt = 0;
        for (int d = 0; d < 4; d++) {
            boolean drifted = d == 2;
            int trainCount = drifted ? DRIFTED : GOOD_TRAIN;
            int testCount = drifted ? 0 : GOOD_TEST;
            Path input = tmp.resolve("day" + (d + 1) + ".jsonl");
            try (OutputStream out = Files.newOutputStream(input)) {
                for (int i = trainAt; i < trainAt + trainCount; i++) {
                    write(out, "fmnist-train-%05d".formatted(i), train.get(i), drifted ? BRIGHTER : 0);
                }
                for (int i = testAt; i < testAt + testCount; i++) {
                    write(out, "fmnist-test-%05d".formatted(i), test.get(i), 0);
                }
            }
            trainAt += trainCount;
            testAt += testCount;
            days.add(new Day("day" + (d + 1), input, DagCommands.of(today.plusDays(d))));
        }
        return days;
    }

    private static void write(OutputStream out, String id, FashionMnistIdx.Image image, int brighter)
            throws IOException {
        int[] pixels = image.pixels().clone();
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = Math.min(255, pixels[i] + brighter);
        }
        out.write(FashionMnistIdx.toJson(id, 0, image.label(), pixels));
        out.write('\n');
    }

    private static String key(List<String> task) {
        return task.get(0) + " " + DagCommands.runId(task);
    }

    /** One order's warehouse and broker, and how it runs, kills and retries the DAG's commands. */
    private final class Order {

        private final String name;
        private final Path warehouse;
        private final String firstRunId;
        private ExternalKafka kafka;
        /** Whether the first day is done: its tasks and their retries ran with the settings it began with. */
        private boolean gated;

        Order(String name, List<Day> days) {
            this.name = name;
            this.warehouse = tmp.resolve(name).resolve("warehouse");
            this.firstRunId = days.get(0).runId();
        }

        /** Runs {@code days} with a broker of this order's own, then checks what no order may ever do. */
        void run(ThrowingRunnable days) throws Exception {
            kafka = ExternalKafka.start(tmp.resolve(name).resolve("kafka"));
            try {
                days.run();
            } finally {
                kafka.close();
            }
            assertNoRefusedRowCurated();
        }

        void produce(Day day) {
            gated = !day.runId().equals(firstRunId);
            assertThat(StreamTrain.execute(command(List.of("produce", "--run-id", day.name(), "--input",
                    day.input().toString(), "--format", "jsonl")))).as("%s: produce %s", name, day.name()).isZero();
        }

        /** Runs {@code task} in this JVM; returns its exit code. */
        int run(List<String> task) {
            long start = System.nanoTime();
            int exit = StreamTrain.execute(command(DagCommands.withoutConf(task)));
            assertThat((System.nanoTime() - start) / 1e9).as("%s: %s within its limit", name, key(task))
                    .isLessThan(LIMIT_SECONDS);
            return exit;
        }

        void expect(List<String> task, Map<String, Integer> exits, int exit) {
            assertThat(exit).as("%s: %s ends as in the reference", name, key(task)).isEqualTo(exits.get(key(task)));
        }

        /** Starts {@code task} in a JVM of its own and kills it with SIGKILL once it reaches {@code point}. */
        void kill(List<String> task, KillPoint point) throws Exception {
            Path out = tmp.resolve(name).resolve(task.get(0) + ".out");
            Path err = tmp.resolve(name).resolve(task.get(0) + ".err");
            Process child = ChildJvm.start(List.of(command(DagCommands.withoutConf(task))), out, err);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(LIMIT_SECONDS);
            while (child.isAlive() && !point.reached().getAsBoolean() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(child.isAlive()).as("%s: %s still running when %s: %s", name, key(task), point.name(),
                    Files.exists(err) ? Files.readString(err) : "").isTrue();
            child.destroyForcibly().waitFor();
        }

        /**
         * Runs {@code task} (an ingest) with a throttled broker that is killed with SIGKILL once ingest's tasks write:
         * the command ends with one line naming the broker and the command that continues, within about twice the
         * read timeout of the kill; the broker then comes back on its port.
         */
        void loseBrokerDuring(List<String> task) throws Exception {
            throttle(THROTTLED);
            Path landing = Path.of(new Warehouse(warehouse.toString()).table(Table.LANDING));
            long[] killedAt = new long[1];
            Thread killer = new Thread(() -> {
                try {
                    while (!Folders.writing(landing)) {
                        Thread.sleep(20);
                    }
                    kafka.kill();
                    killedAt[0] = System.nanoTime();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "broker-killer");
            killer.start();
            Stderr lost = Stderr.of(() -> run(task));
            double seconds = (System.nanoTime() - killedAt[0]) / 1e9;
            killer.join(TimeUnit.SECONDS.toMillis(LIMIT_SECONDS));
            assertThat(lost.exit()).as("%s: %s with its broker lost: %s", name, key(task), lost.stderr())
                    .isEqualTo(StreamTrain.FAILED);
            List<String> ours = lost.lines("streamtrain ingest:");
            assertThat(ours).as(lost.stderr()).hasSize(1);
            assertThat(ours.get(0)).contains("Kafka at " + kafka.bootstrapServers() + " stopped answering",
                    "to continue:", "--run-id " + DagCommands.runId(task)).doesNotContain("internal error");
            assertThat(seconds).as("seconds from the broker's kill to the end of ingest")
                    .isLessThan(4 * READ_TIMEOUT_SECONDS + 20);
            kafka.restart();
            throttle(null);
        }

        private void throttle(Double bytesPerSecond) throws Exception {
            try (Admin admin = Admin.create(kafka.adminProperties())) {
                ClientQuotaEntity everyClient = new ClientQuotaEntity(
                        Collections.singletonMap(ClientQuotaEntity.CLIENT_ID, null));
                admin.alterClientQuotas(List.of(new ClientQuotaAlteration(everyClient,
                        List.of(new ClientQuotaAlteration.Op("consumer_byte_rate", bytesPerSecond))))).all().get();
            }
        }

        WarehouseSnapshot snapshot() {
            return WarehouseSnapshot.of(warehouse, Map.of(kafka.bootstrapServers(), "<broker>"));
        }

        /** The drifted day's ids never reach the curated table: the gate refused them and nobody accepted them. */
        private void assertNoRefusedRowCurated() {
            SparkSession spark = LocalRuns.session();
            try {
                Set<String> curated = spark.read().parquet(new Warehouse(warehouse.toString()).table(Table.CURATED))
                        .select("id").collectAsList().stream().map(r -> r.getString(0)).collect(Collectors.toSet());
                Set<String> refused = new java.util.HashSet<>();
                for (int i = GOOD_TRAIN * 2; i < GOOD_TRAIN * 2 + DRIFTED; i++) {
                    refused.add("fmnist-train-%05d".formatted(i));
                }
                curated.retainAll(refused);
                assertThat(curated).as("%s: refused rows in curated", name).isEmpty();
            } finally {
                spark.stop();
            }
        }

        /**
         * The command on this order's warehouse and broker. The data gate is switched on after the first day, as the
         * docs recommend: its reference is the scaler of that day's preprocess run, checked by hand (as it were).
         */
        private String[] command(List<String> args) {
            List<String> all = new ArrayList<>(List.of(LocalRuns.command(warehouse, TOPIC, args.get(0),
                    args.subList(1, args.size()).toArray(String[]::new))));
            all.addAll(List.of("--set", KafkaSettings.BOOTSTRAP_SERVERS + "=\"" + kafka.bootstrapServers() + "\"",
                    "--set", KafkaSettings.READ_TIMEOUT + "=" + READ_TIMEOUT_SECONDS + "s",
                    "--set", "train.epochs=2", "--set", "train.mlp.hidden-layers=[32]"));
            if (gated) {
                Path reference = Path.of(CuratedTable.scalerPath(new Warehouse(warehouse.toString()), firstRunId));
                all.addAll(List.of("--set", "preprocess.gate.max-feature-psi=0.25",
                        "--set", "preprocess.gate.reference=\"" + reference + "\""));
            }
            return all.toArray(String[]::new);
        }
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    private static boolean committedPreprocess(Warehouse w, String runId) {
        try {
            return Ledger.load(new HadoopFiles(new Configuration()), w.table(Table.CURATED)).runs().stream()
                    .anyMatch(r -> r.runId().equals(runId));
        } catch (RuntimeException e) {
            // The ledger being replaced while read.
            return false;
        }
    }

    private static boolean contains(String file, String text) {
        try {
            return Files.exists(Path.of(file)) && Files.readString(Path.of(file)).replace(" ", "").contains(text);
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean isParquet(Path file) {
        return file.toString().endsWith(".parquet");
    }
}
