package io.streamtrain.train;

import io.streamtrain.core.table.CuratedTable;
import io.streamtrain.model.Minibatches;
import io.streamtrain.model.ModelBundle;
import io.streamtrain.core.ConfigLoader;
import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.RecordSchema;
import io.streamtrain.core.Sizing;
import io.streamtrain.core.Warehouse;
import io.streamtrain.preprocess.PreprocessJob;
import io.streamtrain.preprocess.PreprocessSettings;
import io.streamtrain.core.table.Split;
import io.streamtrain.testing.Fixtures;
import io.streamtrain.testing.LandingFixtures;
import io.streamtrain.testing.SparkLocalTest;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Spark local: on a skewed training set (the smallest class 3 % of the rows, overlapping the others), class weights
 * and oversampling raise the smallest class's recall on a balanced test split; resampling changes the training rows
 * only, never validation or test.
 */
public class BalancingSparkTest extends SparkLocalTest {

    private static final RecordSchema SCHEMA = Fixtures.tinySchema();
    private static final Sizing SIZING = new Sizing(128L << 20, 512L << 20);
    private static final int[][] CENTRES = {{90, 90, 100}, {150, 90, 100}, {120, 125, 100}};

    /** {@code perClass[k]} examples of class k around its centre, with Gaussian noise of 22 grey levels. */
    private static List<Row> examples(String prefix, int[] perClass, long seed, long firstOffset) {
        Random random = new Random(seed);
        List<Row> rows = new ArrayList<>();
        long offset = firstOffset;
        for (int k = 0; k < perClass.length; k++) {
            for (int i = 0; i < perClass[k]; i++) {
                float[] f = new float[3];
                for (int c = 0; c < 3; c++) {
                    f[c] = (float) Math.max(0, Math.min(255, Math.round(CENTRES[k][c] + random.nextGaussian() * 22)));
                }
                rows.add(LandingFixtures.landed(prefix + k + "-" + i, k, f, (int) (offset % 2), offset, "b0"));
                offset++;
            }
        }
        return rows;
    }

    private static TrainSettings settings(Balance balance) {
        return TrainSettings.from(ConfigLoader.load(null, List.of("train.mlp.hidden-layers=[16]",
                "train.mlp.dropout=0", "train.batch-size=32", "train.epochs=8", "train.learning-rate=0.01",
                "train.learning-rate-schedule.kind=none", "train.early-stopping-patience=0", "train.workers=2",
                "train.averaging-frequency=5", "train.balance=" + balance.name().toLowerCase().replace('_', '-'))));
    }

    /** Recall of each class of model {@code runId} on the test split. */
    private double[] recall(Warehouse w, String runId) {
        ModelBundle bundle = ModelBundle.load(new HadoopFiles(jsc().hadoopConfiguration()), w, runId);
        Dataset<Row> test = CuratedTable.split(spark(), w, Split.TEST);
        long[] hits = new long[3];
        long[] support = new long[3];
        for (DataSet d : Minibatches.of(test, bundle.scaler(), 1000, 3, 1, 0L, 0).collect()) {
            INDArray predicted = bundle.network().output(d.getFeatures(), false).argMax(1);
            INDArray actual = d.getLabels().argMax(1);
            for (int r = 0; r < actual.length(); r++) {
                int a = actual.getInt(r);
                support[a]++;
                hits[a] += predicted.getInt(r) == a ? 1 : 0;
            }
        }
        assertThat(support).as("the test split is never resampled").containsExactly(200, 200, 200);
        return new double[]{(double) hits[0] / support[0], (double) hits[1] / support[1],
                (double) hits[2] / support[2]};
    }

    @Test
    public void classWeightsAndOversamplingRaiseTheSmallestClassesRecall() throws Exception {
        Warehouse w = new Warehouse(Files.createTempDirectory("balance").resolve("warehouse").toString());
        List<Row> rows = new ArrayList<>(examples("id-", new int[]{600, 600, 36}, 1, 0));
        rows.addAll(examples("test-", new int[]{200, 200, 200}, 2, 10_000));
        LandingFixtures.land(spark(), w, rows);
        PreprocessJob.run(spark(), new PreprocessSettings(0.1, 0, Pattern.compile("^test-"), 17, 1e-6), SCHEMA, w,
                SIZING, "p1");

        TrainJob.run(spark(), settings(Balance.NONE), SCHEMA, w, "none", TrainJob.Start.FRESH, "conf", SIZING);
        TrainJob.run(spark(), settings(Balance.CLASS_WEIGHTS), SCHEMA, w, "weights", TrainJob.Start.FRESH, "conf",
                SIZING);
        TrainJob.run(spark(), settings(Balance.OVERSAMPLE), SCHEMA, w, "over", TrainJob.Start.FRESH, "conf", SIZING);
        double none = recall(w, "none")[2];
        double weighted = recall(w, "weights")[2];
        double oversampled = recall(w, "over")[2];
        System.out.printf("smallest class recall: none %.3f, class-weights %.3f, oversample %.3f%n", none, weighted,
                oversampled);
        assertThat(weighted).as("class weights").isGreaterThan(none + 0.2);
        assertThat(oversampled).as("oversampling").isGreaterThan(none + 0.2);

        // The validation split the runs scored on is the curated one, untouched.
        HadoopFiles files = new HadoopFiles(jsc().hadoopConfiguration());
        long validation = CuratedTable.split(spark(), w, Split.VALIDATION).count();
        for (String run : List.of("none", "weights", "over")) {
            assertThat(ModelBundle.lineage(files, w, run).curatedRows()).containsEntry("validation", validation);
        }
    }

    @Test
    public void resamplingEvensOutTheClassesOfTheRowsItIsGiven() {
        Dataset<Row> train = spark().createDataFrame(examples("id-", new int[]{500, 100, 20}, 3, 0),
                io.streamtrain.core.table.IngestTables.LANDING);
        Map<Integer, Long> counts = Map.of(0, 500L, 1, 100L, 2, 20L);
        Map<Integer, Long> over = perClass(Balance.OVERSAMPLE.resample(train, counts, 42));
        Map<Integer, Long> under = perClass(Balance.UNDERSAMPLE.resample(train, counts, 42));
        assertThat(over.get(0)).isEqualTo(500L);
        assertThat((double) over.get(1)).isCloseTo(500, within(60.0));
        assertThat((double) over.get(2)).isCloseTo(500, within(60.0));
        assertThat(under.get(2)).isEqualTo(20L);
        assertThat((double) under.get(0)).isCloseTo(20, within(12.0));
        assertThat(perClass(Balance.OVERSAMPLE.resample(train, counts, 42))).as("seeded").isEqualTo(over);
        assertThat(Balance.weights(counts, 3)).containsExactly(620.0 / 1500, 620.0 / 300, 620.0 / 60);
        assertThat(Balance.CLASS_WEIGHTS.resample(train, counts, 42).count()).isEqualTo(620);
        assertThat(Balance.OVERSAMPLE.expectedRows(counts, 620)).isEqualTo(1500);
        assertThat(Balance.UNDERSAMPLE.expectedRows(counts, 620)).isEqualTo(60);
        assertThat(Balance.CLASS_WEIGHTS.expectedRows(counts, 620)).isEqualTo(620);
    }

    private static Map<Integer, Long> perClass(Dataset<Row> rows) {
        Map<Integer, Long> out = new TreeMap<>();
        for (Row r : rows.groupBy("label").count().collectAsList()) {
            out.put(r.getInt(0), r.getLong(1));
        }
        return out;
    }
}
