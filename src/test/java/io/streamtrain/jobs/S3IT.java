package io.streamtrain.jobs;

import io.streamtrain.core.table.Table;
import io.streamtrain.testing.ExternalKafka;
import io.streamtrain.testing.Fixtures;
import io.streamtrain.testing.S3Server;
import io.streamtrain.testing.LocalRuns;
import org.apache.commons.io.FileUtils;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The warehouse on S3: every stage through {@code jobs/bin/streamtrain} (hadoop-aws and spark-hadoop-cloud on its
 * classpath, not in the jar) against S3Proxy, a real S3 API server that checks request signatures, with the
 * credentials only in the environment. S3Proxy keeps each object as a file, so the test reads what S3 holds from its
 * folder with a plain local session.
 */
class S3IT {

    private static final Path ROOT = Fixtures.projectRoot();
    private static final Path STATE = ROOT.resolve("target/s3-it");
    private static final String BUCKET = "streamtrain";
    private static final String WAREHOUSE = "s3a://" + BUCKET + "/warehouse";
    private static final String ACCESS_KEY = "s3-it-access";
    private static final String SECRET_KEY = "s3-it-secret-5b09e7";
    private static final int KILL_RECORDS = 3000;
    /** Numbers each launch's output files, so that a failure's are still there when the test ends. */
    private static final AtomicInteger LAUNCHES = new AtomicInteger();
    private static ExternalKafka kafka;
    private static S3Server s3;
    private static Path conf;

    /** What one launch printed and returned. */
    private record Launch(int exit, String out, String err) {
    }

    @BeforeAll
    static void startS3AndBroker() throws Exception {
        FileUtils.deleteDirectory(STATE.toFile());
        Files.createDirectories(STATE);
        kafka = ExternalKafka.start(STATE.resolve("kafka"));
        s3 = S3Server.start(STATE.resolve("s3"), ACCESS_KEY, SECRET_KEY, BUCKET);
        List<String> lines = new ArrayList<>(List.of(
                "warehouse = \"" + WAREHOUSE + "\"",
                "kafka.bootstrap-servers = \"" + kafka.bootstrapServers() + "\"",
                "kafka.topic = \"s3-it\"",
                "train.epochs = 2",
                "train.mlp.hidden-layers = [32]",
                "spark.conf {",
                "  \"spark.master\" = \"local[2]\"",
                "  \"spark.ui.enabled\" = \"false\""));
        lines.addAll(s3.sparkSettings());
        lines.add("}");
        conf = STATE.resolve("s3.conf");
        Files.writeString(conf, String.join("\n", lines) + "\n");
    }

    @AfterAll
    static void stop() throws Exception {
        if (kafka != null) {
            kafka.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    /**
     * Produce, ingest, preprocess, train, evaluate twice under one run id with the gate, score from Kafka and compress,
     * on S3: each table is committed by S3A's partitioned staging committer, a re-run replaced its partition instead
     * of adding to it, nothing temporary is left, and the tables have the layout their declarations give.
     */
    @Test
    void everyStageRunsOnAnS3WarehouseAndEveryTableCommitsThroughS3AsPartitionedCommitter() throws Exception {
        Launch pipeline = launch("pipeline", "--input", Fixtures.fashionSlice().toString(), "--format", "idx",
                "--run-id", "s3-1");
        assertThat(pipeline.exit()).as(pipeline.err()).isZero();
        Launch gated = launch("evaluate", "--model", "s3-1", "--run-id", "s3-1", "--gate");
        assertThat(gated.exit()).as(gated.err()).isZero();
        assertThat(gated.out()).contains("gate:       promoted s3-1");
        Launch score = launch("score", "--model", "s3-1", "--input", "kafka", "--run-id", "s3-score");
        assertThat(score.exit()).as(score.err()).isZero();
        Launch compress = launch("compress", "--model", "s3-1");
        assertThat(compress.exit()).as(compress.err()).isZero();

        Path warehouse = s3.objects().resolve(BUCKET).resolve("warehouse");
        assertThat(Files.readString(warehouse.resolve("models/champion")).trim()).isEqualTo("s3-1");
        List<Table> written = List.of(Table.LANDING, Table.INGEST_AUDIT, Table.CURATED, Table.DATA_PROFILE,
                Table.TRAINING_HISTORY, Table.EVALUATION, Table.CONFUSION_MATRIX, Table.PREDICTIONS, Table.DECISIONS,
                Table.SCORES, Table.COMPRESSION, Table.RUNS);
        for (Table table : written) {
            Path folder = warehouse.resolve(table.relativePath());
            // S3A's committers write a JSON _SUCCESS naming themselves; Hadoop's renaming committer an empty one.
            assertThat(Files.readString(folder.resolve("_SUCCESS"))).as(table.viewName())
                    .contains("\"committer\" : \"partitioned\"");
            try (Stream<Path> partitions = Files.list(folder)) {
                // Names starting with _ or . are the table's own bookkeeping (curated's _scalers), which readers skip.
                assertThat(partitions.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                        .filter(name -> !name.startsWith("_") && !name.startsWith(".")))
                        .as(table.viewName()).isNotEmpty()
                        .allMatch(name -> name.startsWith(table.partitioning().get(0) + "="));
            }
        }
        try (Stream<Path> all = Files.walk(warehouse)) {
            assertThat(all.map(p -> p.getFileName().toString())).noneMatch(name -> name.equals("_temporary")
                    || name.startsWith("._tmp-") || name.endsWith(".pending") || name.equals("__magic"));
        }

        SparkSession spark = LocalRuns.session();
        try {
            assertFilled(spark, warehouse);
        } finally {
            spark.stop();
        }
    }

    /** Predictions replaced on a re-run; every record landed, and scored, once. */
    private static void assertFilled(SparkSession spark, Path warehouse) throws IOException {
        Dataset<Row> predictions = spark.read().parquet(warehouse.resolve("metrics/predictions").toString())
                .where(col("run_id").equalTo("s3-1"));
        Dataset<Row> test = spark.read().parquet(warehouse.resolve("curated").toString())
                .where(col("split").equalTo("test"));
        // Evaluated twice under one run id: its partition holds one row per test example, not two.
        assertThat(predictions.count()).isEqualTo(test.count()).isPositive();
        assertThat(offsets(spark, warehouse, Table.LANDING, Table.QUARANTINE)).isEqualTo(
                Map.of("records", Fixtures.SLICE_IMAGES, "distinct", Fixtures.SLICE_IMAGES));
        assertThat(offsets(spark, warehouse, Table.SCORES, Table.QUARANTINE)).isEqualTo(
                Map.of("records", Fixtures.SLICE_IMAGES, "distinct", Fixtures.SLICE_IMAGES));
    }

    /**
     * Ingest killed twice inside its micro-batches, then the newest checkpoint commit deleted (a crash after a batch's
     * output and before its commit): with the checkpoint and the tables on S3, every Kafka offset is in landing or
     * quarantine exactly once.
     */
    @Test
    void ingestKilledInsideMicroBatchesLandsEveryRecordOnceOnS3() throws Exception {
        String warehouseUri = "s3a://" + BUCKET + "/kill-warehouse";
        Launch produce = launch("produce", "--synthetic", Integer.toString(KILL_RECORDS),
                "--set", "kafka.topic=s3-kill", "--set", "warehouse=\"" + warehouseUri + "\"");
        assertThat(produce.exit()).as(produce.err()).isZero();
        Path warehouse = s3.objects().resolve(BUCKET).resolve("kill-warehouse");
        Path commits = warehouse.resolve("_checkpoints/ingest/commits");
        Random random = new Random(20261207);
        for (int kill = 0; kill < 2; kill++) {
            long committed = commitCount(commits);
            Path err = STATE.resolve("kill-ingest-" + kill + ".err");
            Process ingest = start(Map.of(), killIngest(warehouseUri), STATE.resolve("kill-ingest-" + kill + ".out"),
                    err);
            try {
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
                while (ingest.isAlive() && System.nanoTime() < deadline && commitCount(commits) <= committed) {
                    Thread.sleep(100);
                }
                Thread.sleep(random.nextInt(2000));
                assertThat(ingest.isAlive()).as("ingest %d was still in its micro-batches when killed; see %s", kill,
                        err).isTrue();
            } finally {
                ingest.destroyForcibly().waitFor();
            }
        }
        Launch resumed = launch(killIngest(warehouseUri));
        assertThat(resumed.exit()).as(resumed.err()).isZero();
        try (Stream<Path> entries = Files.list(commits)) {
            Path newest = entries.filter(p -> p.getFileName().toString().matches("\\d+"))
                    .max(Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString()))).orElseThrow();
            Files.delete(newest);
        }
        Launch redone = launch(killIngest(warehouseUri));
        assertThat(redone.exit()).as(redone.err()).isZero();

        assertEveryOffsetOnce(warehouse);
    }

    /**
     * Range mode, the Airflow DAG's, on S3: its tasks stage their files in the bucket and the driver moves them in once
     * all have succeeded; a retry of the run id replaces them. Every Kafka offset is in landing or quarantine once, and
     * no staging object is left.
     */
    @Test
    void rangeRunsLandEveryRecordOnceOnS3() throws Exception {
        String warehouseUri = "s3a://" + BUCKET + "/range-warehouse";
        List<String> where = List.of("--set", "kafka.topic=s3-range", "--set", "warehouse=\"" + warehouseUri + "\"");
        List<String> produce = new ArrayList<>(List.of("produce", "--synthetic", Integer.toString(KILL_RECORDS)));
        produce.addAll(where);
        Launch produced = launch(produce);
        assertThat(produced.exit()).as(produced.err()).isZero();
        List<String> ingest = new ArrayList<>(List.of("ingest", "--mode", "range", "--run-id", "r1",
                "--set", "ingest.max-offsets-per-trigger=700"));
        ingest.addAll(where);
        for (int run = 0; run < 2; run++) {
            Launch ingested = launch(ingest);
            assertThat(ingested.exit()).as(ingested.err()).isZero();
        }

        Path warehouse = s3.objects().resolve(BUCKET).resolve("range-warehouse");
        assertEveryOffsetOnce(warehouse);
        try (Stream<Path> all = Files.walk(warehouse)) {
            assertThat(all.map(p -> p.getFileName().toString())).noneMatch(name -> name.startsWith(".streamtrain-"));
        }
    }

    /** Credentials written into the configuration, and a wrong secret in the environment: one line each, exit 2. */
    @Test
    void credentialsInTheConfigurationOrAWrongSecretEndTheCommandInOneLine() throws Exception {
        Launch inFile = launch("ingest", "--set", "spark.conf.\"spark.hadoop.fs.s3a.secret.key\"=\"" + SECRET_KEY
                + "\"");
        assertThat(inFile.exit()).isEqualTo(2);
        assertThat(oneLine(inFile)).contains("spark.conf.\"spark.hadoop.fs.s3a.secret.key\"")
                .contains("AWS_SECRET_ACCESS_KEY");
        assertThat(inFile.out() + inFile.err()).doesNotContain(SECRET_KEY);

        // The AWS SDK retries SignatureDoesNotMatch as a clock skew, 20 times by default (docs/operations.md).
        Launch wrong = launch(Map.of("AWS_SECRET_ACCESS_KEY", "not-" + SECRET_KEY), "preprocess", "--conf",
                conf.toString(), "--set", "warehouse=\"s3a://" + BUCKET + "/other\"",
                "--set", "spark.conf.\"spark.hadoop.fs.s3a.attempts.maximum\"=\"1\"");
        assertThat(wrong.exit()).as(wrong.err()).isEqualTo(2);
        assertThat(oneLine(wrong)).contains("s3a://" + BUCKET + "/other").contains("AccessDenied");
    }

    private static String oneLine(Launch launch) {
        assertThat(launch.err()).doesNotContain("\tat ");
        List<String> lines = launch.err().lines().filter(l -> l.startsWith("streamtrain")).toList();
        assertThat(lines).hasSize(1);
        return lines.get(0);
    }

    /** Each of the topic's {@value #KILL_RECORDS} offsets is in landing or quarantine once. */
    private static void assertEveryOffsetOnce(Path warehouse) throws IOException {
        SparkSession spark = LocalRuns.session();
        try {
            assertThat(offsets(spark, warehouse, Table.LANDING, Table.QUARANTINE))
                    .isEqualTo(Map.of("records", (long) KILL_RECORDS, "distinct", (long) KILL_RECORDS));
        } finally {
            spark.stop();
        }
    }

    /** How many records {@code tables} hold together, and how many distinct Kafka offsets. */
    private static Map<String, Long> offsets(SparkSession spark, Path warehouse, Table... tables)
            throws IOException {
        Dataset<Row> all = null;
        for (Table table : tables) {
            Path folder = warehouse.resolve(table.relativePath());
            if (holdsParquet(folder)) {
                Dataset<Row> rows = spark.read().parquet(folder.toString()).select("partition", "offset");
                all = all == null ? rows : all.union(rows);
            }
        }
        assertThat(all).isNotNull();
        return Map.of("records", all.count(), "distinct", all.distinct().count());
    }

    /** Whether {@code folder} holds a Parquet file at any depth (a write of no rows leaves only _SUCCESS). */
    private static boolean holdsParquet(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return false;
        }
        try (Stream<Path> all = Files.walk(folder)) {
            return all.anyMatch(p -> p.getFileName().toString().endsWith(".parquet"));
        }
    }

    private static long commitCount(Path commits) throws IOException {
        if (!Files.isDirectory(commits)) {
            return 0;
        }
        try (Stream<Path> entries = Files.list(commits)) {
            return entries.filter(p -> p.getFileName().toString().matches("\\d+")).count();
        }
    }

    /** Ingest of topic s3-kill in batches of 150. */
    private static List<String> killIngest(String warehouseUri) {
        return List.of("ingest", "--set", "kafka.topic=s3-kill", "--set", "warehouse=\"" + warehouseUri + "\"",
                "--set", "ingest.max-offsets-per-trigger=150");
    }

    private static Launch launch(String... args) throws IOException, InterruptedException {
        return launch(List.of(args));
    }

    private static Launch launch(List<String> args) throws IOException, InterruptedException {
        return launch(Map.of(), args.toArray(String[]::new));
    }

    /**
     * {@code jobs/bin/streamtrain <args> --conf s3.conf} (unless {@code args} name a configuration), with the S3
     * credentials in the environment and {@code env} over them; waits up to 8 minutes.
     */
    private static Launch launch(Map<String, String> env, String... args) throws IOException, InterruptedException {
        int n = LAUNCHES.incrementAndGet();
        Path out = STATE.resolve("launch-" + n + "-" + args[0] + ".out");
        Path err = STATE.resolve("launch-" + n + "-" + args[0] + ".err");
        Process p = start(env, List.of(args), out, err);
        if (!p.waitFor(8, TimeUnit.MINUTES)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("jobs/bin/streamtrain " + String.join(" ", args) + " ran past 8 minutes; see "
                    + err);
        }
        return new Launch(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    private static Process start(Map<String, String> env, List<String> args, Path out, Path err)
            throws IOException {
        List<String> command = new ArrayList<>(List.of("bash", ROOT.resolve("jobs/bin/streamtrain").toString()));
        command.addAll(args);
        if (!args.contains("--conf")) {
            command.addAll(List.of("--conf", conf.toString()));
        }
        ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("STREAMTRAIN_JAVA_OPTS", "-Xmx2g");
        pb.environment().put("AWS_ACCESS_KEY_ID", ACCESS_KEY);
        pb.environment().put("AWS_SECRET_ACCESS_KEY", SECRET_KEY);
        pb.environment().putAll(env);
        return pb.start();
    }
}
