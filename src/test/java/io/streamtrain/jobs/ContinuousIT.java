package io.streamtrain.jobs;

import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.Warehouse;
import io.streamtrain.core.table.Table;
import io.streamtrain.ingest.FashionMnistIdx;
import io.streamtrain.ingest.FashionMnistIdx.Image;
import io.streamtrain.model.ModelBundle;
import io.streamtrain.testing.Fixtures;
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

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.sum;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code streamtrain continuous} through the command line with a real in-process broker and Spark local mode: the
 * first cycle trains and promotes the first champion, records published while the command runs start a second cycle
 * that warm-starts the champion and is judged by the non-inferiority gate, and every record is landed once.
 */
class ContinuousIT {

    private static final String TOPIC = "continuous-it";

    @TempDir
    Path tmp;

    @Test
    void cyclesRetrainOnWhatStreamsInAndTheGateJudgesEachAgainstTheChampion() throws Exception {
        Path root = tmp.resolve("warehouse");
        Warehouse warehouse = new Warehouse(root.toString());
        assertThat(StreamTrain.execute(LocalRuns.command(root, TOPIC, "produce", "--input",
                Fixtures.fashionSlice().toString()))).isZero();
        int port = Fixtures.freePort();
        ExecutorService runner = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> continuous = runner.submit(() -> StreamTrain.execute(LocalRuns.command(root, TOPIC,
                    "continuous", "--cycles", "2",
                    "--set", "continuous.retrain-records=3000",
                    "--set", "kafka.embedded-port=" + port,
                    "--set", "ingest.trigger-seconds=1", "--set", "score.trigger-seconds=1")));
            Path champion = Path.of(warehouse.championModelPointer());
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
            while (!Files.exists(champion)) {
                assertThat(continuous.isDone()).as("continuous ended before its first promotion").isFalse();
                assertThat(System.nanoTime()).as("no promotion within 4 minutes").isLessThan(deadline);
                Thread.sleep(500);
            }
            publishLater("localhost:" + port, 3000);
            assertThat(continuous.get(5, TimeUnit.MINUTES)).isZero();
        } finally {
            runner.shutdownNow();
        }

        SparkSession spark = LocalRuns.session();
        try {
            Dataset<Row> landing = spark.read().parquet(warehouse.table(Table.LANDING));
            assertThat(landing.count()).isEqualTo(Fixtures.SLICE_IMAGES + 3000)
                    .isEqualTo(landing.select("id").distinct().count());
            List<Row> decisions = spark.read().parquet(warehouse.table(Table.DECISIONS))
                    .orderBy("decided_at").collectAsList();
            assertThat(decisions).hasSize(2);
            String first = decisions.get(0).getAs("candidate_model_id");
            assertThat((String) decisions.get(0).getAs("outcome")).isEqualTo("promoted");
            assertThat((String) decisions.get(1).getAs("champion_model_id")).isEqualTo(first);
            Row second = decisions.get(1);
            List<String> reasons = second.getList(second.fieldIndex("reasons"));
            assertThat(reasons.get(0)).contains("non-inferiority margin");
            assertThat(reasons).anyMatch(r -> r.contains("the first champion's"));
            // The second cycle trained on the records that streamed in: curated holds them.
            assertThat(spark.read().parquet(warehouse.table(Table.CURATED)).where(col("id").startsWith("late-"))
                    .count()).isPositive();
            // The scorer followed the champion: each scored record once, by a model the gate promoted.
            Dataset<Row> scores = spark.read().parquet(warehouse.table(Table.SCORES))
                    .where(col("run_id").equalTo(ContinuousLoop.SCORER_RUN_ID));
            assertThat(scores.count()).isPositive().isEqualTo(scores.select("id").distinct().count());
            List<String> promoted = decisions.stream().filter(d -> "promoted".equals(d.getAs("outcome")))
                    .map(d -> (String) d.getAs("candidate_model_id")).toList();
            assertThat(scores.select("model_id").distinct().as(Encoders.STRING()).collectAsList())
                    .isSubsetOf(promoted);
            // The freshness table: one row per cycle with its phases, the scorer's latencies, the champion's staleness.
            Dataset<Row> freshness = spark.read().parquet(warehouse.table(Table.FRESHNESS));
            // The second cycle's outcome is the gate's to decide (its per-class F1 rule may reject it on 1,000 rows).
            assertThat(freshness.where("kind = 'cycle' AND preprocess_s > 0 AND train_s > 0 AND evaluate_s > 0"
                    + " AND cycle_s >= train_s").select("outcome").as(Encoders.STRING()).collectAsList())
                    .containsExactlyInAnyOrder("promoted", decisions.get(1).getAs("outcome"));
            assertThat(freshness.where("kind = 'scoring'").agg(sum("records"))
                    .first().getLong(0)).isEqualTo(scores.count());
            assertThat(freshness.where("kind = 'scoring' AND latency_p50_s <= latency_p95_s"
                    + " AND latency_p95_s <= latency_max_s").count())
                    .isEqualTo(freshness.where("kind = 'scoring'").count());
            Row stale = freshness.where("kind = 'staleness'").orderBy(col("measured_at").desc()).first();
            assertThat(stale.<Double>getAs("staleness_s")).isPositive();
            assertThat(promoted).contains(stale.<String>getAs("model_id"));
            assertThat(ModelBundle.champion(new HadoopFiles(spark.sparkContext()
                    .hadoopConfiguration()), warehouse)).isIn(promoted);
        } finally {
            spark.stop();
        }
    }

    /** {@code n} Fashion-MNIST records with ids never published before, to the running command's broker. */
    private static void publishLater(String bootstrap, int n) {
        Path slice = Fixtures.fashionSlice();
        List<Image> images = FashionMnistIdx.readImages(slice.resolve("train-images-idx3-ubyte.gz"),
                slice.resolve("train-labels-idx1-ubyte.gz"));
        Map<String, Object> props = Map.of("bootstrap.servers", bootstrap, "acks", "all");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(),
                new ByteArraySerializer())) {
            long ts = System.currentTimeMillis();
            for (int i = 0; i < n; i++) {
                Image im = images.get(i % images.size());
                String id = "late-" + i;
                producer.send(new ProducerRecord<>(TOPIC, id, FashionMnistIdx.toJson(id, ts, im.label(),
                        im.pixels())));
            }
            producer.flush();
        }
    }
}
