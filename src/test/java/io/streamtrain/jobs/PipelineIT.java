package io.streamtrain.jobs;

import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.table.Table;
import io.streamtrain.core.Warehouse;
import io.streamtrain.testing.Fixtures;
import io.streamtrain.testing.LocalRuns;
import io.streamtrain.model.Lineage;
import io.streamtrain.model.ModelBundle;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole pipeline through the command line, with a real in-process Kafka broker and Spark local mode, on 4,000
 * real Fashion-MNIST images plus hand-made bad and duplicate records: every record is accounted for exactly once,
 * and the model is far better than chance.
 */
class PipelineIT {

    @TempDir
    Path tmp;

    private String[] command(String subcommand, String... args) {
        return LocalRuns.command(tmp.resolve("warehouse"), "pipeline-it", subcommand, args);
    }

    @Test
    void everyRecordIsAccountedForAndTheModelLearns() throws IOException {
        Path bad = tmp.resolve("bad.jsonl");
        Files.writeString(bad, String.join("\n",
                "{\"id\":\"broken\"",
                "{\"id\":\"short\",\"ts\":1,\"label\":0,\"features\":[1,2,3]}",
                "{\"id\":\"bright\",\"ts\":1,\"label\":0,\"features\":[" + "300,".repeat(783) + "300]}",
                "{\"id\":\"nolabel\",\"ts\":1,\"features\":[" + "0,".repeat(783) + "0]}",
                "{\"id\":\"cat\",\"ts\":1,\"label\":\"Cat\",\"features\":[" + "0,".repeat(783) + "0]}",
                // A valid record re-sent under an id that already exists: landed, then quarantined as a duplicate.
                "{\"id\":\"fmnist-train-00000\",\"ts\":1,\"label\":9,\"features\":[" + "0,".repeat(783) + "0]}"));

        assertThat(StreamTrain.execute(command("produce", "--input", Fixtures.fashionSlice().toString(),
                "--format", "idx"))).isZero();
        assertThat(StreamTrain.execute(command("produce", "--input", bad.toString(), "--format", "jsonl"))).isZero();
        assertThat(StreamTrain.execute(command("pipeline", "--stages", "ingest,preprocess,train,evaluate",
                "--run-id", "it-1", "--set", "train.epochs=6", "--set", "train.early-stopping-patience=0"))).isZero();
        // A second scheduled run finds nothing new and must not add a row.
        assertThat(StreamTrain.execute(command("ingest"))).isZero();

        long published = 4000 + 6;
        long curatedTrain;
        Warehouse warehouse = new Warehouse(tmp.resolve("warehouse").toString());
        SparkSession spark = LocalRuns.session();
        try {
            Dataset<Row> landing = spark.read().parquet(warehouse.table(Table.LANDING));
            Dataset<Row> quarantine = spark.read().parquet(warehouse.table(Table.QUARANTINE));
            Dataset<Row> atDoor = quarantine.where(col("stage").equalTo("ingest"));
            long landed = landing.count();
            assertThat(landed + atDoor.count()).isEqualTo(published);
            assertThat(landing.select("topic", "partition", "offset")
                    .union(atDoor.select("topic", "partition", "offset")).distinct().count()).isEqualTo(published);
            assertThat(atDoor.select("reason").as(org.apache.spark.sql.Encoders.STRING()).collectAsList())
                    .containsExactlyInAnyOrder("MALFORMED_JSON", "WRONG_VECTOR_LENGTH", "OUT_OF_RANGE",
                            "MISSING_FIELD", "UNKNOWN_LABEL");

            Dataset<Row> audit = spark.read().parquet(warehouse.table(Table.INGEST_AUDIT));
            Row sums = audit.selectExpr("sum(read)", "sum(landed)", "sum(quarantined)").first();
            assertThat(sums.getLong(0)).isEqualTo(published);
            assertThat(sums.getLong(1)).isEqualTo(landed);

            Dataset<Row> curated = spark.read().parquet(warehouse.table(Table.CURATED));
            Dataset<Row> duplicates = quarantine.where(col("reason").equalTo("DUPLICATE_ID"));
            assertThat(duplicates.count()).isEqualTo(1);
            assertThat(curated.count() + duplicates.count()).isEqualTo(landed);
            assertThat(curated.select("id").distinct().count()).isEqualTo(curated.count());
            assertThat(curated.where("split = 'test'").count()).isEqualTo(1000);
            curatedTrain = curated.where("split = 'train'").count();
            assertThat(curated.where("split = 'test' AND id NOT LIKE 'fmnist-test-%'").count()).isZero();

            List<String> csv = Files.readAllLines(tmp.resolve("warehouse/reports/it-1/metrics.csv"));
            String accuracyLine = csv.stream().filter(l -> l.startsWith("all,overall,accuracy,none,")).findFirst()
                    .orElseThrow();
            double accuracy = Double.parseDouble(accuracyLine.split(",")[4]);
            assertThat(accuracy).as("test accuracy on 10 classes (chance 0.1)").isGreaterThan(0.6);
            Dataset<Row> evaluation = spark.read().parquet(warehouse.table(Table.EVALUATION))
                    .where("run_id = 'it-1'");
            Row fromTable = evaluation.where("metric = 'accuracy' AND slice = 'all'").first();
            assertThat(fromTable.<Double>getAs("value")).isEqualTo(accuracy);
            assertThat(fromTable.<Double>getAs("ci_low")).isLessThan(accuracy);
            assertThat(fromTable.<Double>getAs("ci_high")).isGreaterThan(accuracy);
            assertThat(fromTable.<String>getAs("model_id")).isEqualTo("it-1");
            assertThat(fromTable.<String>getAs("split")).isEqualTo("test");
            // By landing batch: this run landed one.
            assertThat(evaluation.where("metric = 'accuracy' AND slice = 'batch=stream-0'").count()).isEqualTo(1);
            assertThat(evaluation.where("metric = 'roc_auc' AND averaging = 'macro' AND slice = 'all'").first()
                    .<Double>getAs("value")).isGreaterThan(0.8);
            Dataset<Row> predictions = spark.read().parquet(warehouse.table(Table.PREDICTIONS))
                    .where("run_id = 'it-1'");
            assertThat(predictions.count()).isEqualTo(1000);
            assertThat(predictions.where("label = predicted").count() / 1000.0).isEqualTo(accuracy);
            assertThat(predictions.where("size(probabilities) = 10 AND model_id = 'it-1'").count()).isEqualTo(1000);
            assertThat(spark.read().parquet(warehouse.table(Table.CONFUSION_MATRIX)).where("run_id = 'it-1'")
                    .selectExpr("sum(count)").first().getLong(0)).isEqualTo(1000);
            Path report = tmp.resolve("warehouse/reports/it-1");
            for (String plot : List.of("confusion.png", "f1.png", "learning-curve.png", "reliability.png")) {
                assertThat(report.resolve(plot)).isNotEmptyFile();
            }
            assertThat(Files.readString(report.resolve("index.html"))).contains("data:image/png;base64,", "Trouser");
            assertThat(tmp.resolve("warehouse/models/it-1/model.zip")).exists();
            assertThat(Files.readString(tmp.resolve("warehouse/models/latest")).trim()).isEqualTo("it-1");
            Dataset<Row> history = spark.read().parquet(warehouse.table(Table.TRAINING_HISTORY))
                    .where("run_id = 'it-1'");
            assertThat(history.count()).isEqualTo(6);
            // Validation is scored every epoch; the kept model is the best epoch's, so test accuracy is close to it.
            double bestValidation = history.selectExpr("max(validation_accuracy)").first().getDouble(0);
            assertThat(bestValidation).isGreaterThan(0.6);
            assertThat(accuracy).isCloseTo(bestValidation, org.assertj.core.api.Assertions.within(0.1));
        } finally {
            spark.stop();
        }
        assertThat(StreamTrain.execute(command("sql",
                "SELECT class, metric, value FROM evaluation WHERE metric = 'accuracy'"))).isZero();
        scoringTheLandingTableGivesEvaluatesPredictions(warehouse);

        warmStartLearnsOnlyFromBatchesTheModelHasNotSeen(warehouse, curatedTrain);
    }

    /** New events arrive; a warm start fine-tunes it-1 on them alone, and its lineage says exactly that. */
    private void warmStartLearnsOnlyFromBatchesTheModelHasNotSeen(Warehouse warehouse, long firstCuratedTrain)
            throws IOException {
        HadoopFiles files = new HadoopFiles(new org.apache.hadoop.conf.Configuration());
        Lineage first = ModelBundle.lineage(files, warehouse, "it-1");
        assertThat(first.warmStartOf()).isNull();
        assertThat(first.landingBatches()).containsExactly("stream-0");
        assertThat(first.landingFiles()).isNotEmpty().allMatch(f -> f.contains("/batch=stream-0/"));
        // The lineage accounts for every curated training row, as the curated table itself counts them.
        long firstTrained = first.kafka().stream().mapToLong(Lineage.KafkaRange::records).sum();
        assertThat(firstTrained).isEqualTo(firstCuratedTrain);
        assertThat(first.curatedRows()).containsEntry("train", firstCuratedTrain).containsKey("validation");

        assertThat(StreamTrain.execute(command("produce", "--synthetic", "400",
                "--set", "produce.synthetic.malformed-rate=0", "--set", "produce.synthetic.duplicate-rate=0"))).isZero();
        assertThat(StreamTrain.execute(command("pipeline", "--stages", "ingest,preprocess"))).isZero();
        // Fine-tuned with the other training master: gradient sharing is a change of configuration only.
        assertThat(StreamTrain.execute(command("train", "--run-id", "it-2", "--warm-start", "latest",
                "--set", "train.epochs=1", "--set", "train.master=sharing", "--set", "train.sharing.port=40457")))
                .isZero();

        Lineage second = ModelBundle.lineage(files, warehouse, "it-2");
        assertThat(second.warmStartOf()).isEqualTo("it-1");
        assertThat(second.landingBatches()).containsExactly("stream-0", "stream-1");
        assertThat(second.landingFiles()).isNotEmpty().allMatch(f -> f.contains("/batch=stream-1/"));
        long newTrained = second.kafka().stream().mapToLong(Lineage.KafkaRange::records).sum();
        SparkSession spark = LocalRuns.session();
        try {
            long newCuratedTrain = spark.read().parquet(warehouse.table(Table.CURATED))
                    .where("split = 'train' AND batch = 'stream-1'").count();
            assertThat(newTrained).isEqualTo(newCuratedTrain).isBetween(200L, 400L);
        } finally {
            spark.stop();
        }
        for (Lineage.KafkaRange range : second.kafka()) {
            long firstEnd = first.kafka().stream().filter(r -> r.partition() == range.partition())
                    .mapToLong(Lineage.KafkaRange::toOffset).max().orElse(-1);
            assertThat(range.fromOffset()).as("only records after it-1's").isGreaterThan(firstEnd);
        }
        assertThat(Files.readString(tmp.resolve("warehouse/models/latest")).trim()).isEqualTo("it-2");
        gateKeepsTheChampionUnlessTheCandidateIsBetter(warehouse);

        // Nothing newer than it-2: a scheduled warm start succeeds and leaves latest alone.
        assertThat(StreamTrain.execute(command("train", "--run-id", "it-3", "--warm-start", "it-2"))).isZero();
        assertThat(tmp.resolve("warehouse/models/it-3/model.zip")).doesNotExist();
        assertThat(Files.readString(tmp.resolve("warehouse/models/latest")).trim()).isEqualTo("it-2");

        // More events arrive; resuming it-2 (its one epoch is done, so nothing is left to train) keeps its parent and
        // the data it began with: the bundle's lineage is unchanged.
        assertThat(StreamTrain.execute(command("produce", "--synthetic", "100"))).isZero();
        assertThat(StreamTrain.execute(command("pipeline", "--stages", "ingest,preprocess"))).isZero();
        assertThat(StreamTrain.execute(command("train", "--run-id", "it-2", "--resume", "--set", "train.epochs=1")))
                .isZero();
        assertThat(ModelBundle.lineage(files, warehouse, "it-2")).isEqualTo(second);
        // A scheduler's retry, with the options that began it-2 as a warm start, resumes its checkpoint instead of
        // starting over on the newer data.
        assertThat(StreamTrain.execute(command("train", "--run-id", "it-2", "--resume-if-checkpointed",
                "--warm-start", "it-1", "--set", "train.epochs=1"))).isZero();
        assertThat(ModelBundle.lineage(files, warehouse, "it-2")).isEqualTo(second);
    }

    /** score applies it-1 with its own scaler to raw landed rows: on the test ids it predicts what evaluate did. */
    private void scoringTheLandingTableGivesEvaluatesPredictions(Warehouse warehouse) {
        assertThat(StreamTrain.execute(command("score", "--model", "it-1", "--input", "landing", "--run-id",
                "score-1"))).isZero();
        SparkSession spark = LocalRuns.session();
        try {
            Dataset<Row> scores = spark.read().parquet(warehouse.table(Table.SCORES)).where("run_id = 'score-1'");
            assertThat(scores.count()).isEqualTo(spark.read().parquet(warehouse.table(Table.LANDING)).count());
            Dataset<Row> evaluated = spark.read().parquet(warehouse.table(Table.PREDICTIONS))
                    .where("run_id = 'it-1'").select(col("id"), col("predicted").as("evaluated"));
            Dataset<Row> both = scores.join(evaluated, "id");
            assertThat(both.count()).isEqualTo(1000);
            assertThat(both.where("predicted = evaluated AND model_id = 'it-1'").count()).isEqualTo(1000);
        } finally {
            spark.stop();
        }
    }

    /**
     * The first gated model becomes champion; a candidate that must beat it by an impossible margin is rejected with
     * exit code 3, the pointer stays, and re-running the same run id replaces its rows instead of adding to them.
     */
    private void gateKeepsTheChampionUnlessTheCandidateIsBetter(Warehouse warehouse) throws IOException {
        Path champion = tmp.resolve("warehouse/models/champion");
        assertThat(StreamTrain.execute(command("evaluate", "--run-id", "gate-1", "--model", "it-1", "--gate")))
                .isZero();
        assertThat(Files.readString(champion).trim()).isEqualTo("it-1");
        String[] reject = command("evaluate", "--run-id", "gate-2", "--model", "it-2", "--gate",
                "--set", "evaluate.gate.margin=0.5");
        assertThat(StreamTrain.execute(reject)).isEqualTo(StreamTrain.REJECTED);
        assertThat(Files.readString(champion).trim()).isEqualTo("it-1");
        assertThat(tmp.resolve("warehouse/reports/gate-2/champion-vs-candidate.png")).isNotEmptyFile();
        SparkSession spark = LocalRuns.session();
        long rows;
        try {
            Dataset<Row> decisions = spark.read().parquet(warehouse.table(Table.DECISIONS));
            assertThat(decisions.where("run_id = 'gate-1'").first().<String>getAs("outcome")).isEqualTo("promoted");
            Row rejected = decisions.where("run_id = 'gate-2'").first();
            assertThat(rejected.<String>getAs("outcome")).isEqualTo("rejected");
            assertThat(rejected.<String>getAs("champion_model_id")).isEqualTo("it-1");
            assertThat(rejected.getList(rejected.fieldIndex("reasons")).toString()).contains("does not improve enough");
            rows = spark.read().parquet(warehouse.table(Table.EVALUATION)).where("run_id = 'gate-2'").count();
            assertThat(rows).isPositive();
        } finally {
            spark.stop();
        }
        assertThat(StreamTrain.execute(reject)).isEqualTo(StreamTrain.REJECTED);
        spark = LocalRuns.session();
        try {
            assertThat(spark.read().parquet(warehouse.table(Table.EVALUATION)).where("run_id = 'gate-2'").count())
                    .isEqualTo(rows);
            assertThat(spark.read().parquet(warehouse.table(Table.DECISIONS)).where("run_id = 'gate-2'").count())
                    .isEqualTo(1);
            assertThat(spark.read().parquet(warehouse.table(Table.PREDICTIONS)).where("run_id = 'gate-2'").count())
                    .isEqualTo(1000);
        } finally {
            spark.stop();
        }
    }

    @Test
    void badConfigurationFailsWithExitCodeTwoBeforeAnythingStarts() {
        assertThat(StreamTrain.execute(command("pipeline", "--set", "train.batch-size=0"))).isEqualTo(2);
        assertThat(StreamTrain.execute(command("pipeline", "--stages", "ingest,fly"))).isEqualTo(2);
        assertThat(StreamTrain.execute("no-such-command")).isEqualTo(2);
        assertThat(StreamTrain.execute(command("train", "--resume"))).as("--resume needs --run-id").isEqualTo(2);
        assertThat(StreamTrain.execute(command("train", "--run-id", "x", "--resume", "--warm-start", "latest")))
                .as("--resume and --warm-start exclude each other").isEqualTo(2);
        assertThat(tmp.resolve("warehouse")).doesNotExist();
    }
}
