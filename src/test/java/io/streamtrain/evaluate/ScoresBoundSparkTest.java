package io.streamtrain.evaluate;

import io.streamtrain.core.metrics.Replicates;
import io.streamtrain.core.metrics.ScoreMetrics;
import io.streamtrain.testing.SparkLocalTest;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.junit.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What evaluate's statistics send to the driver is bounded by the settings, not by the data: at 4 million records
 * the statistics of 41 landing batches, sent once per task, passed {@code spark.driver.maxResultSize}.
 */
public class ScoresBoundSparkTest extends SparkLocalTest {

    private static final int CLASSES = 10;
    private static final List<String> LABELS = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
    private static final StructType PREDICTIONS = SeededPredictions.SCHEMA;

    @Test
    public void theDriverReceivesAboutOneBootstrapWhateverTheBatchesAndPartitions() throws Exception {
        EvaluateSettings settings = settings(50, 200);
        long oneBootstrap = serializedSize(new Replicates(CLASSES, 10, 50, 7));
        for (int partitions : new int[]{4, 12}) {
            // 40 batches in every partition: before, each task sent 41 full bootstraps (82 MB here).
            Dataset<Row> rows = spark().createDataFrame(predictions(4000, 40), PREDICTIONS).repartition(partitions);
            AtomicLong received = new AtomicLong();
            SparkListener results = new SparkListener() {
                @Override
                public void onTaskEnd(SparkListenerTaskEnd end) {
                    if (end.taskMetrics() != null) {
                        received.addAndGet(end.taskMetrics().resultSize());
                    }
                }
            };
            spark().sparkContext().addSparkListener(results);
            try {
                Map<String, Replicates> bySlice = Scores.bySlice(rows, CLASSES, settings, "batch");
                assertThat(bySlice).hasSize(41);
            } finally {
                spark().sparkContext().listenerBus().waitUntilEmpty();
                spark().sparkContext().removeSparkListener(results);
            }
            // All rows with histograms in every replicate, 40 slices with them in their sample only.
            assertThat(received.get()).as("bytes the driver received, %d partitions", partitions)
                    .isLessThan(3 * oneBootstrap);
        }
    }

    @Test
    public void valuesPastTheLimitShareOneSlice() {
        List<Row> rows = predictions(1200, 12);
        Map<String, Replicates> bySlice = Scores.bySlice(spark().createDataFrame(rows, PREDICTIONS).repartition(3),
                CLASSES, settings(20, 3), "batch");

        // Batch ids b00..b11 sort by time: the newest three keep their own slice.
        assertThat(bySlice.keySet()).containsExactly(Scores.ALL, "batch=" + Scores.OTHER, "batch=b09", "batch=b10",
                "batch=b11");
        assertThat(bySlice.get("batch=" + Scores.OTHER).sample().examples()).isEqualTo(900);
        assertThat(bySlice.get("batch=b10").sample().examples()).isEqualTo(100);
        assertThat(bySlice.get(Scores.ALL).sample().examples()).isEqualTo(1200);
    }

    @Test
    public void anyPartitioningGivesTheSameBits() {
        Dataset<Row> rows = spark().createDataFrame(predictions(3000, 5), PREDICTIONS);
        EvaluateSettings settings = settings(30, 100);
        Map<String, Replicates> two = Scores.bySlice(rows.repartition(2), CLASSES, settings, "batch");
        Map<String, Replicates> seven = Scores.bySlice(rows.repartition(7), CLASSES, settings, "batch");

        assertThat(seven.keySet()).isEqualTo(two.keySet());
        for (String slice : two.keySet()) {
            for (int r = 1; r <= 30; r++) {
                assertThat(ScoreMetrics.logLoss(seven.get(slice).replicate(r)))
                        .isEqualTo(ScoreMetrics.logLoss(two.get(slice).replicate(r)));
                assertThat(ScoreMetrics.expectedCalibrationError(seven.get(slice).replicate(r)))
                        .isEqualTo(ScoreMetrics.expectedCalibrationError(two.get(slice).replicate(r)));
                assertThat(seven.get(slice).replicate(r).confusion(LABELS))
                        .isEqualTo(two.get(slice).replicate(r).confusion(LABELS));
            }
        }
    }

    private static EvaluateSettings settings(int replicates, int sliceLimit) {
        return new EvaluateSettings(replicates, 7, 0.95, 10, "batch", sliceLimit,
                new EvaluateSettings.GateSettings(false, GateMetric.ACCURACY, 0, 0.02, 0.05));
    }

    /** Seeded predictions spread evenly over {@code batches} batches b00, b01, ... */
    private static List<Row> predictions(int n, int batches) {
        return SeededPredictions.of(n, CLASSES, 11, IntStream.range(0, batches)
                .mapToObj(b -> String.format("b%02d", b)).toArray(String[]::new));
    }

    private static long serializedSize(Object o) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        }
        return bytes.size();
    }
}
