package io.streamtrain.evaluate;

import io.streamtrain.modelops.ScoreJob;
import io.streamtrain.core.ConfigLoader;
import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.table.Table;
import io.streamtrain.core.Warehouse;
import io.streamtrain.jobs.AppConfig;
import io.streamtrain.jobs.StreamTrain;
import io.streamtrain.model.Scaler;
import io.streamtrain.testing.Fixtures;
import io.streamtrain.testing.LocalRuns;
import io.streamtrain.model.Lineage;
import io.streamtrain.model.ModelBundle;
import io.streamtrain.train.Models;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.apache.spark.sql.functions.countDistinct;

/**
 * {@code score} through the command line with a real in-process Kafka broker and Spark local mode: every record of a
 * topic is either scored or quarantined with the door's reason, exactly once across re-runs and new publications;
 * a Parquet input's rows that fail the door are quarantined instead of failing the run.
 */
class ScoreIT {

    private static final String TOPIC = "score-it";
    private static final String MODEL = "m-1";

    @TempDir
    Path tmp;

    private Path warehousePath() {
        return tmp.resolve("warehouse");
    }

    private String[] command(String subcommand, String... args) {
        return LocalRuns.command(warehousePath(), TOPIC, subcommand, args);
    }

    /**
     * An untrained network of the default MLP and a hand-made scaler saved as bundle {@link #MODEL}: what is tested
     * is how score applies a bundle, not what the bundle learnt.
     */
    private void saveBundle() {
        saveBundle(MODEL);
    }

    private void saveBundle(String id) {
        AppConfig config = AppConfig.from(ConfigLoader.load(Path.of(LocalRuns.LOCAL),
                List.of("warehouse=" + warehousePath())));
        int n = config.schema().featureCount();
        double[] mean = new double[n];
        double[] std = new double[n];
        Arrays.fill(mean, 127.5);
        Arrays.fill(std, 64.0);
        new ModelBundle(id, Models.network(config.train(), n, config.schema().classCount()), new Scaler(mean, std))
                .save(HadoopFiles.beforeSpark(config.spark()), config.warehouse(), config.render(),
                        new Lineage(null, Map.of(), List.of(), List.of(), List.of()));
    }

    private static String pixels(Random random, int n) {
        return random.ints(n, 0, 256).mapToObj(Integer::toString).collect(Collectors.joining(","));
    }

    private static String record(String id, int label, String features) {
        return "{\"id\":\"" + id + "\",\"ts\":1,\"label\":" + label + ",\"features\":[" + features + "]}";
    }

    /** {@code good} valid records with ids {@code prefix-i}, then one record of each bad kind. */
    private Path events(String name, String prefix, int good, long seed) throws IOException {
        Random random = new Random(seed);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < good; i++) {
            // Every fifth has no label yet, as new data to score usually has none.
            lines.add(i % 5 == 4 ? "{\"id\":\"" + prefix + "-" + i + "\",\"ts\":1,\"features\":[" + pixels(random, 784)
                    + "]}" : record(prefix + "-" + i, i % 10, pixels(random, 784)));
        }
        lines.add("{\"id\":\"" + prefix + "-broken\"");
        lines.add(record(prefix + "-short", 1, pixels(random, 3)));
        lines.add(record(prefix + "-bright", 1, "300," + pixels(random, 783)));
        lines.add(record(prefix + "-cat", 11, pixels(random, 784)));
        Path file = tmp.resolve(name);
        Files.writeString(file, String.join("\n", lines) + "\n");
        return file;
    }

    private static final List<String> BAD_REASONS = List.of("MALFORMED_JSON", "WRONG_VECTOR_LENGTH", "OUT_OF_RANGE",
            "UNKNOWN_LABEL");

    @Test
    void everyRecordOfATopicIsScoredOrQuarantinedExactlyOnce() throws IOException {
        saveBundle();
        int good = 300;
        assertThat(StreamTrain.execute(command("produce", "--format", "jsonl", "--input",
                events("day1.jsonl", "d1", good, 1).toString()))).isZero();
        assertThat(StreamTrain.execute(command("score", "--model", MODEL, "--input", "kafka", "--run-id", "s-1",
                "--dry-run"))).isZero();
        assertThat(StreamTrain.execute(command("score", "--model", MODEL, "--input", "kafka", "--run-id", "s-1",
                "--set", "score.max-offsets-per-trigger=120"))).isZero();
        Warehouse warehouse = new Warehouse(warehousePath().toString());
        checkTopicRun(warehouse, good + BAD_REASONS.size(), List.of("d1"));

        // A second available-now run of the same id finds nothing new and adds nothing.
        assertThat(StreamTrain.execute(command("score", "--model", MODEL, "--input", "kafka", "--run-id", "s-1",
                "--mode", "available-now"))).isZero();
        checkTopicRun(warehouse, good + BAD_REASONS.size(), List.of("d1"));

        // What is published after that is scored exactly once by the next run.
        assertThat(StreamTrain.execute(command("produce", "--format", "jsonl", "--input",
                events("day2.jsonl", "d2", 50, 2).toString()))).isZero();
        assertThat(StreamTrain.execute(command("score", "--model", MODEL, "--input", "kafka", "--run-id",
                "s-1"))).isZero();
        checkTopicRun(warehouse, good + 50 + 2L * BAD_REASONS.size(), List.of("d1", "d2"));

        // A topic that does not exist is refused with the one-line user error.
        assertThat(StreamTrain.execute(command("score", "--model", MODEL, "--input", "kafka:no-such-topic",
                "--run-id", "s-2"))).isEqualTo(2);
        // --mode belongs to a topic input.
        assertThat(StreamTrain.execute(command("score", "--model", MODEL, "--input", "landing", "--mode",
                "stream"))).isEqualTo(2);
    }

    /**
     * {@code score --model champion --mode stream} switches to a newly promoted model between micro-batches, without a
     * restart: every record is scored once, each micro-batch by one model, and the rows name it.
     */
    @Test
    void aStreamFollowsTheChampionBetweenMicroBatches() throws Exception {
        saveBundle("m-1");
        saveBundle("m-2");
        Warehouse warehouse = new Warehouse(warehousePath().toString());
        HadoopFiles files = HadoopFiles.beforeSpark(AppConfig.from(ConfigLoader.load(Path.of(LocalRuns.LOCAL),
                List.of())).spark());
        // Before any promotion, following the champion is refused with one line.
        assertThat(StreamTrain.execute(command("score", "--model", "champion", "--input", "landing"))).isEqualTo(2);
        files.writeString(warehouse.championModelPointer(), "m-1\n");
        assertThat(StreamTrain.execute(command("produce", "--format", "jsonl", "--input",
                events("before.jsonl", "b", 200, 4).toString()))).isZero();
        // The scorer's embedded broker on a known port: the records after the promotion are published to it.
        int port = Fixtures.freePort();
        ExecutorService runner = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> scoring = runner.submit(() -> StreamTrain.execute(command("score", "--model",
                    "champion", "--input", "kafka", "--mode", "stream", "--run-id", "follow", "--set",
                    "score.trigger-seconds=1", "--set", "kafka.embedded-port=" + port)));
            Path scores = Path.of(warehouse.table(Table.SCORES), "run_id=follow");
            awaitTrue(() -> Files.isDirectory(scores) && Files.list(scores).findAny().isPresent(), scoring);
            files.writeString(warehouse.championModelPointer(), "m-2\n");
            publish("localhost:" + port, Files.readAllLines(events("after.jsonl", "a", 200, 5)));
            awaitTrue(() -> scoredIds(warehouse).contains("a-199"), scoring);
            SparkSession.getDefaultSession().get().streams().active()[0].stop();
            assertThat(scoring.get(60, TimeUnit.SECONDS)).isZero();
        } finally {
            runner.shutdownNow();
        }
        SparkSession spark = LocalRuns.session();
        try {
            Dataset<Row> rows = spark.read().parquet(warehouse.table(Table.SCORES)).where("run_id = 'follow'");
            assertThat(rows.count()).isEqualTo(400).isEqualTo(rows.select("id").distinct().count());
            // One model per micro-batch; the records published after the promotion are all scored by m-2.
            assertThat(rows.groupBy("batch").agg(countDistinct("model_id").as("models")).where("models > 1").count())
                    .isZero();
            assertThat(rows.where(col("id").startsWith("a-")).select("model_id").distinct().as(Encoders.STRING())
                    .collectAsList()).containsExactly("m-2");
            assertThat(rows.where(col("id").startsWith("b-")).select("model_id").distinct().as(Encoders.STRING())
                    .collectAsList()).contains("m-1");
        } finally {
            spark.stop();
        }
    }

    private static void publish(String bootstrap, List<String> lines) {
        Map<String, Object> props = Map.of("bootstrap.servers", bootstrap, "acks", "all");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(),
                new StringSerializer())) {
            lines.forEach(line -> producer.send(new ProducerRecord<>(TOPIC, line)));
            producer.flush();
        }
    }

    private List<String> scoredIds(Warehouse warehouse) {
        Path scores = Path.of(warehouse.table(Table.SCORES));
        if (!Files.isDirectory(scores)) {
            return List.of();
        }
        SparkSession spark = SparkSession.getDefaultSession().get();
        return spark.read().parquet(scores.toString()).where("run_id = 'follow'").select("id")
                .as(Encoders.STRING()).collectAsList();
    }

    /** Waits up to two minutes for {@code condition}, failing early if the command ended. */
    private static void awaitTrue(Callable<Boolean> condition, Future<Integer> command) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (!condition.call()) {
            assertThat(command.isDone()).as("the scoring command ended early").isFalse();
            assertThat(System.nanoTime()).as("waited two minutes").isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    /** Scored plus quarantined equals published, by Kafka coordinates, each once; the scores are well formed. */
    private void checkTopicRun(Warehouse warehouse, long published, List<String> prefixes) {
        SparkSession spark = LocalRuns.session();
        try {
            Dataset<Row> scores = spark.read().parquet(warehouse.table(Table.SCORES)).where("run_id = 's-1'");
            Dataset<Row> quarantine = spark.read().parquet(warehouse.table(Table.QUARANTINE))
                    .where(col("stage").equalTo(ScoreJob.STAGE));
            long scored = scores.count();
            long rejected = quarantine.count();
            assertThat(scored + rejected).isEqualTo(published);
            assertThat(scores.select("topic", "partition", "offset").union(quarantine.select("topic", "partition",
                    "offset")).distinct().count()).isEqualTo(published);
            assertThat(scores.select("id").distinct().count()).isEqualTo(scored);
            List<String> expectedReasons = new ArrayList<>();
            prefixes.forEach(p -> expectedReasons.addAll(BAD_REASONS));
            assertThat(quarantine.select("reason").as(Encoders.STRING()).collectAsList())
                    .containsExactlyInAnyOrderElementsOf(expectedReasons);
            assertThat(quarantine.select("batch").as(Encoders.STRING()).collectAsList())
                    .allMatch(b -> b.startsWith("score-s-1-stream-"));
            assertThat(quarantine.where(col("topic").notEqual(TOPIC)).count()).isZero();
            assertThat(scores.where(col("model_id").notEqual(MODEL).or(col("model_id").isNull())).count()).isZero();
            for (Row r : scores.select("probabilities", "predicted", "label").collectAsList()) {
                List<Double> p = r.getList(0);
                assertThat(p).hasSize(10);
                assertThat(p.stream().mapToDouble(Double::doubleValue).sum()).isCloseTo(1.0, within(1e-5));
                int argmax = 0;
                for (int k = 1; k < p.size(); k++) {
                    argmax = p.get(k) > p.get(argmax) ? k : argmax;
                }
                assertThat(r.getInt(1)).isEqualTo(argmax);
            }
            // The unlabelled records are scored, not quarantined, with a null label; the others keep theirs.
            assertThat(scores.where(col("label").isNull()).select("id").as(Encoders.STRING()).collectAsList())
                    .isNotEmpty().allMatch(id -> Integer.parseInt(id.substring(id.indexOf('-') + 1)) % 5 == 4);
            assertThat(scores.where(col("label").isNotNull()).count()).isEqualTo(scored
                    - scores.where(col("label").isNull()).count());
        } finally {
            spark.stop();
        }
    }

    @Test
    void parquetRowsThatFailTheDoorAreQuarantinedNotFatal() {
        saveBundle();
        Path input = tmp.resolve("new-rows");
        StructType schema = new StructType()
                .add("id", DataTypes.StringType, true)
                .add("features", DataTypes.createArrayType(DataTypes.DoubleType, true), true);
        Random random = new Random(3);
        List<Row> rows = new ArrayList<>();
        int good = 40;
        for (int i = 0; i < good; i++) {
            rows.add(RowFactory.create("p-" + i, random.doubles(784, 0, 255).boxed().toList()));
        }
        List<Double> nan = new ArrayList<>(random.doubles(784, 0, 255).boxed().toList());
        nan.set(5, Double.NaN);
        List<Double> hot = new ArrayList<>(random.doubles(784, 0, 255).boxed().toList());
        hot.set(7, 1000.0);
        rows.add(RowFactory.create("p-short", List.of(1.0, 2.0, 3.0)));
        rows.add(RowFactory.create("p-nan", nan));
        rows.add(RowFactory.create("p-hot", hot));
        rows.add(RowFactory.create("p-none", null));
        rows.add(RowFactory.create(null, random.doubles(784, 0, 255).boxed().toList()));
        SparkSession spark = LocalRuns.session();
        try {
            spark.createDataFrame(rows, schema).coalesce(1).write().parquet(input.toString());
        } finally {
            spark.stop();
        }

        assertThat(StreamTrain.execute(command("score", "--model", MODEL, "--input", input.toString(),
                "--run-id", "p-1"))).isZero();
        // A re-run of the id replaces its rows, in scores and in quarantine.
        assertThat(StreamTrain.execute(command("score", "--model", MODEL, "--input", input.toString(),
                "--run-id", "p-1"))).isZero();

        Warehouse warehouse = new Warehouse(warehousePath().toString());
        spark = LocalRuns.session();
        try {
            Dataset<Row> scores = spark.read().parquet(warehouse.table(Table.SCORES)).where("run_id = 'p-1'");
            Dataset<Row> quarantine = spark.read().parquet(warehouse.table(Table.QUARANTINE))
                    .where(col("batch").equalTo("score-p-1"));
            assertThat(scores.count()).isEqualTo(good);
            assertThat(scores.select("id").as(Encoders.STRING()).collectAsList()).allMatch(id -> id.startsWith("p-")
                    && Character.isDigit(id.charAt(2)));
            assertThat(scores.where(col("label").isNotNull().or(col("topic").isNotNull())).count()).isZero();
            Map<String, String> reasons = quarantine.select("id", "reason").collectAsList().stream()
                    .collect(Collectors.toMap(r -> String.valueOf(r.getString(0)), r -> r.getString(1)));
            assertThat(reasons).containsExactlyInAnyOrderEntriesOf(Map.of("p-short", "WRONG_VECTOR_LENGTH",
                    "p-nan", "NON_FINITE", "p-hot", "OUT_OF_RANGE", "p-none", "MISSING_FIELD",
                    "null", "MISSING_FIELD"));
            assertThat(quarantine.where(col("stage").notEqual(ScoreJob.STAGE)).count()).isZero();
            assertThat(quarantine.where(col("reason").equalTo("WRONG_VECTOR_LENGTH")).select("message")
                    .as(Encoders.STRING()).first()).contains("features has 3 values, expected 784")
                    .contains(".parquet");
        } finally {
            spark.stop();
        }
    }
}
