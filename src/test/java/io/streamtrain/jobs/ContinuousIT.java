package io.streamtrain.jobs;

import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.Warehouse;
import io.streamtrain.core.table.CuratedTable;
import io.streamtrain.core.table.Ledger;
import io.streamtrain.core.table.Table;
import io.streamtrain.ingest.FashionMnistIdx;
import io.streamtrain.ingest.FashionMnistIdx.Image;
import io.streamtrain.model.ModelBundle;
import io.streamtrain.testing.Fixtures;
import io.streamtrain.testing.HeadlessBrowser;
import io.streamtrain.testing.LocalRuns;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.sum;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code streamtrain continuous} through the command line with a real in-process broker and Spark local mode, fed
 * while it runs, after a scheduled-style pipeline run made the first champion: a drifted stretch is refused by the
 * data gate while ingest and scoring go on; the next healthy records start a cycle that warm-starts the champion and
 * is judged by the non-inferiority gate. Every record is landed once, scored by promoted models only, the refused never trained on;
 * the freshness table and the status page (read in headless Chromium) say what happened.
 */
class ContinuousIT {

    private static final String TOPIC = "continuous-it";

    @TempDir
    Path tmp;

    @Test
    void cyclesTrainOnWhatStreamsInRefuseADriftedStretchAndTheGateJudgesEachAgainstTheChampion() throws Exception {
        Path root = tmp.resolve("warehouse");
        Warehouse warehouse = new Warehouse(root.toString());
        // The first champion, and the training reference the drift check compares with, from a scheduled-style run.
        assertThat(StreamTrain.execute(LocalRuns.command(root, TOPIC, "pipeline", "--input",
                Fixtures.fashionSlice().toString(), "--set", "evaluate.gate.enabled=true", "--set",
                "train.epochs=2", "--run-id", "day-0"))).isZero();
        String first = Files.readString(Path.of(warehouse.championModelPointer())).trim();
        int port = Fixtures.freePort();
        ExecutorService runner = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> continuous = runner.submit(() -> StreamTrain.execute(LocalRuns.command(root, TOPIC,
                    "continuous", "--cycles", "2",
                    "--set", "continuous.retrain-records=3000",
                    "--set", "preprocess.gate.max-feature-psi=0.5",
                    "--set", "kafka.embedded-port=" + port,
                    "--set", "ingest.trigger-seconds=1", "--set", "score.trigger-seconds=1")));
            awaitBroker(port, continuous);
            publishLater("localhost:" + port, 3000, "drift-", true);
            awaitRefusal(Path.of(warehouse.root(), "reports"), continuous);
            assertThat(Files.readString(Path.of(warehouse.championModelPointer())).trim()).isEqualTo(first);
            publishLater("localhost:" + port, 3000, "late-", false);
            assertThat(continuous.get(5, TimeUnit.MINUTES)).isZero();
        } finally {
            runner.shutdownNow();
        }

        SparkSession spark = LocalRuns.session();
        try {
            HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
            Dataset<Row> landing = spark.read().parquet(warehouse.table(Table.LANDING));
            assertThat(landing.count()).isEqualTo(Fixtures.SLICE_IMAGES + 6000)
                    .isEqualTo(landing.select("id").distinct().count());
            List<Row> decisions = spark.read().parquet(warehouse.table(Table.DECISIONS))
                    .orderBy("decided_at").collectAsList();
            // The refused cycle decided nothing: day-0's decision, then the healthy cycle's against that champion.
            assertThat(decisions).hasSize(2);
            assertThat((String) decisions.get(0).getAs("candidate_model_id")).isEqualTo(first);
            Row second = decisions.get(1);
            assertThat(second.<String>getAs("champion_model_id")).isEqualTo(first);
            List<String> reasons = second.getList(second.fieldIndex("reasons"));
            assertThat(reasons.get(0)).contains("non-inferiority margin");
            assertThat(reasons).anyMatch(r -> r.contains("the first champion's"));
            List<String> promoted = decisions.stream().filter(d -> "promoted".equals(d.getAs("outcome")))
                    .map(d -> (String) d.getAs("candidate_model_id")).toList();

            // The drifted stretch: landed, set aside, scored with the champion, never curated or trained on.
            List<String> waiting = Ledger.load(files, warehouse.table(Table.CURATED)).waiting();
            assertThat(waiting).isNotEmpty();
            assertThat(landing.where(col("batch").isin(waiting.toArray())).where(not(col("id").startsWith("drift-")))
                    .count()).as("only the drifted records are set aside").isZero();
            assertThat(landing.where(col("id").startsWith("drift-")).count()).isEqualTo(3000);
            Dataset<Row> curated = spark.read().parquet(warehouse.table(Table.CURATED));
            assertThat(curated.where(col("id").startsWith("drift-")).count()).isZero();
            assertThat(curated.where(col("id").startsWith("late-")).count()).isPositive();
            assertThat(ModelBundle.lineage(files, warehouse, second.getAs("candidate_model_id")).landingBatches())
                    .doesNotContainAnyElementsOf(waiting);
            heldOutShareIsScoredForBoth(spark, warehouse, curated, second);
            Dataset<Row> scores = spark.read().parquet(warehouse.table(Table.SCORES))
                    .where(col("run_id").equalTo(ContinuousLoop.SCORER_RUN_ID));
            assertThat(scores.count()).isPositive().isEqualTo(scores.select("id").distinct().count());
            assertThat(scores.where(col("id").startsWith("drift-")).count()).isPositive();
            assertThat(scores.select("model_id").distinct().as(Encoders.STRING()).collectAsList())
                    .isSubsetOf(promoted);

            // The freshness table: each cycle with its outcome (phases where they ran), latencies, staleness.
            Dataset<Row> freshness = spark.read().parquet(warehouse.table(Table.FRESHNESS));
            List<String> outcomes = freshness.where("kind = 'cycle'").orderBy("measured_at").select("outcome")
                    .as(Encoders.STRING()).collectAsList();
            assertThat(outcomes).containsExactly("data_refused", second.getAs("outcome"));
            assertThat(freshness.where("kind = 'cycle' AND outcome != 'data_refused' AND preprocess_s > 0"
                    + " AND train_s > 0 AND evaluate_s > 0 AND cycle_s >= train_s").count()).isEqualTo(1);
            assertThat(freshness.where("kind = 'scoring'").agg(sum("records")).first().getLong(0))
                    .isEqualTo(scores.count());
            assertThat(freshness.where("kind = 'scoring' AND latency_p50_s <= latency_p95_s"
                    + " AND latency_p95_s <= latency_max_s").count())
                    .isEqualTo(freshness.where("kind = 'scoring'").count());
            Row stale = freshness.where("kind = 'staleness'").orderBy(col("measured_at").desc()).first();
            assertThat(stale.<Double>getAs("staleness_s")).isPositive();
            assertThat(promoted).contains(stale.<String>getAs("model_id"));
            statusPageReads(warehouse, decisions.subList(1, 2), promoted);
            assertThat(ModelBundle.champion(files, warehouse)).isIn(promoted);
        } finally {
            spark.stop();
        }
    }

    /**
     * The healthy cycle held out about continuous.holdout-fraction (0.05) of its new records by the id hash, curated
     * them as split holdout (day-0's run held out none), and its evaluation scored candidate and champion on them.
     */
    private static void heldOutShareIsScoredForBoth(SparkSession spark, Warehouse warehouse, Dataset<Row> curated,
                                                    Row decision) {
        String cycle = decision.getAs("run_id");
        Dataset<Row> heldOut = curated.where(col(CuratedTable.SPLIT).equalTo("holdout"));
        long rows = heldOut.count();
        assertThat(rows).isBetween(90L, 220L);
        assertThat(heldOut.where(col(CuratedTable.RUN).notEqual(cycle)).count()).isZero();
        assertThat(heldOut.where(not(col("id").startsWith("late-"))).count()).isZero();
        List<Row> accuracy = spark.read().parquet(warehouse.table(Table.EVALUATION))
                .where(col("run_id").equalTo(cycle).and(col("split").equalTo("holdout"))
                        .and(col("class").equalTo("overall")).and(col("slice").equalTo("all")))
                .where(col("metric").isin("accuracy", "support")).collectAsList();
        assertThat(accuracy.stream().filter(r -> "accuracy".equals(r.getAs("metric")))
                .map(r -> (String) r.getAs("model_id")).toList())
                .containsExactlyInAnyOrder(decision.<String>getAs("candidate_model_id"),
                        decision.<String>getAs("champion_model_id"));
        assertThat(accuracy.stream().filter(r -> "support".equals(r.getAs("metric")))
                .map(r -> r.<Double>getAs("value"))).containsOnly((double) rows);
        assertThat(accuracy.stream().filter(r -> "accuracy".equals(r.getAs("metric"))))
                .allMatch(r -> r.<Double>getAs("ci_low") <= r.<Double>getAs("value")
                        && r.<Double>getAs("value") <= r.<Double>getAs("ci_high"));
    }

    /**
     * The status page as a person reads it in a real browser: the champion and its staleness, the cycles with their
     * outcomes (the decided ones with the candidate's accuracy and interval), the throughput, both plots drawn.
     */
    private void statusPageReads(Warehouse warehouse, List<Row> decisions, List<String> promoted) throws Exception {
        Path page = Path.of(warehouse.report("continuous"), "index.html");
        String dom = HeadlessBrowser.dumpDom(page);
        String champion = Files.readString(Path.of(warehouse.championModelPointer())).trim();
        assertThat(promoted).contains(champion);
        assertThat(dom).contains("<h2>Champion</h2>").contains("Model <b>" + champion + "</b>, stale by ");
        assertThat(dom).containsPattern("<p id=\"throughput\">\\d+\\.\\d records scored per second");
        for (Row d : decisions) {
            String run = d.getAs("run_id");
            assertThat(dom).containsPattern("<td>" + Pattern.quote(run) + "</td><td>\\d+</td><td>" + d.getAs("outcome")
                    + "</td><td>0\\.\\d{4} \\[0\\.\\d+, 0\\.\\d+\\]</td>");
            // After the champion's accuracy and the paired difference: both models on the held-out share.
            assertThat(dom).containsPattern("<td>" + Pattern.quote(run) + "</td>(<td>[^<]*</td>){5}<td>0\\.\\d{4}"
                    + " \\[0\\.\\d+, 0\\.\\d+\\]</td><td>0\\.\\d+</td>");
        }
        assertThat(dom).containsPattern("<td>\\d+</td><td>data_refused</td>");
        assertThat(dom).contains("alt=\"Staleness of the champion\" src=\"data:image/png;base64,")
                .contains("alt=\"Event-to-score latency\" src=\"data:image/png;base64,");
        Path png = tmp.resolve("status.png");
        HeadlessBrowser.screenshot(page, png, 1200, 1600);
        assertThat(Files.size(png)).as("a screenshot with the page drawn").isGreaterThan(20_000);
    }

    /** Waits until the command's embedded broker accepts connections on {@code port}. */
    private static void awaitBroker(int port, Future<Integer> command) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (true) {
            try (Socket s = new Socket("localhost", port)) {
                return;
            } catch (IOException e) {
                assertThat(command.isDone()).as("the command ended before its broker was up").isFalse();
                assertThat(System.nanoTime()).as("a broker on " + port + " within 2 minutes").isLessThan(deadline);
                Thread.sleep(200);
            }
        }
    }

    /** Waits for a preprocess report whose data gate failed. */
    private static void awaitRefusal(Path reports, Future<Integer> command) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        while (true) {
            try (Stream<Path> files = Files.walk(reports)) {
                if (files.filter(f -> f.getFileName().toString().equals("data.md")).anyMatch(f -> read(f)
                        .contains("**Failed**"))) {
                    return;
                }
            }
            assertThat(command.isDone()).as("the command ended before the data gate refused").isFalse();
            assertThat(System.nanoTime()).as("a refusal within 4 minutes").isLessThan(deadline);
            Thread.sleep(500);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * {@code n} Fashion-MNIST records with ids {@code prefix<i>}, never published before, to the running command's
     * broker; {@code inverted}: every pixel p as 255 - p, a drifted stretch.
     */
    private static void publishLater(String bootstrap, int n, String prefix, boolean inverted) {
        Path slice = Fixtures.fashionSlice();
        List<Image> images = FashionMnistIdx.readImages(slice.resolve("train-images-idx3-ubyte.gz"),
                slice.resolve("train-labels-idx1-ubyte.gz"));
        Map<String, Object> props = Map.of("bootstrap.servers", bootstrap, "acks", "all");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(),
                new ByteArraySerializer())) {
            long ts = System.currentTimeMillis();
            for (int i = 0; i < n; i++) {
                Image im = images.get(i % images.size());
                String id = prefix + i;
                int[] pixels = inverted ? Arrays.stream(im.pixels()).map(p -> 255 - p).toArray() : im.pixels();
                producer.send(new ProducerRecord<>(TOPIC, id, FashionMnistIdx.toJson(id, ts, im.label(), pixels)));
            }
            producer.flush();
        }
    }
}
