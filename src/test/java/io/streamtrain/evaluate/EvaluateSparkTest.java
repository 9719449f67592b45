package io.streamtrain.evaluate;

import io.streamtrain.modelops.ScoreJob;
import io.streamtrain.core.metrics.Confusion;
import io.streamtrain.core.metrics.ConfusionMetrics;
import io.streamtrain.core.metrics.Metric;
import io.streamtrain.core.metrics.Replicates;
import io.streamtrain.core.metrics.ScoreMetrics;
import io.streamtrain.testing.SparkLocalTest;
import io.streamtrain.model.Architecture;
import io.streamtrain.train.Distribution;
import io.streamtrain.train.Models;
import io.streamtrain.train.Optimizer;
import io.streamtrain.model.Predictor;
import io.streamtrain.train.TrainSettings;
import org.apache.spark.mllib.evaluation.BinaryClassificationMetrics;
import org.apache.spark.mllib.evaluation.MulticlassMetrics;
import org.apache.spark.mllib.linalg.Matrix;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import scala.Tuple2;
import scala.Tuple4;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.apache.spark.sql.types.DataTypes.createStructField;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The distributed path: predictions made on the executors equal the network's own output; the statistics the
 * executors gather equal those of the same rows fed to {@link Replicates} in plain Java, whatever the partitioning;
 * and the metrics agree with Spark MLlib's {@code MulticlassMetrics} and {@code BinaryClassificationMetrics}.
 */
public class EvaluateSparkTest extends SparkLocalTest {

    private static final int CLASSES = 4;
    private static final int ROWS = 1200;
    private static final List<String> LABELS = List.of("a", "b", "c", "d");
    private static final StructType PREDICTIONS = SeededPredictions.SCHEMA;

    /** Seeded predictions: mostly right, over three landing batches. */
    private static List<Row> predictions() {
        return SeededPredictions.of(ROWS, CLASSES, 42, "b0", "b1", "b2");
    }

    private static double[] array(Row row) {
        return Scores.probabilities(row, 3);
    }

    @Test
    public void executorsGatherWhatPlainJavaGathersFromTheSameRows() {
        List<Row> rows = predictions();
        EvaluateSettings settings = new EvaluateSettings(100, 7, 0.95, 10, "batch", 100,
                new EvaluateSettings.GateSettings(false, GateMetric.ACCURACY, 0, 0.02, 0.05));
        Dataset<Row> df = spark().createDataFrame(rows, PREDICTIONS).repartition(5);
        Map<String, Replicates> distributed = Scores.bySlice(df, CLASSES, settings, "batch");

        Replicates local = new Replicates(CLASSES, 10, 100, 7);
        // A slice keeps ROC AUC's histograms in its sample only: a value and no interval.
        Replicates b1 = Replicates.withoutAucIntervals(CLASSES, 10, 100, 7);
        for (Row row : rows) {
            local.add(Replicates.key(row.getString(0)), row.getInt(1), array(row));
            if (row.getString(2).equals("b1")) {
                b1.add(Replicates.key(row.getString(0)), row.getInt(1), array(row));
            }
        }
        assertThat(distributed.keySet()).containsExactly(Scores.ALL, "batch=b0", "batch=b1", "batch=b2");
        Replicates all = distributed.get(Scores.ALL);
        assertThat(all.sample().confusion(LABELS)).isEqualTo(local.sample().confusion(LABELS));
        assertThat(all.sample().examples()).isEqualTo(ROWS);
        for (int r = 1; r <= 100; r++) {
            assertThat(all.replicate(r).confusion(LABELS)).isEqualTo(local.replicate(r).confusion(LABELS));
            assertThat(ScoreMetrics.logLoss(all.replicate(r))).isEqualTo(ScoreMetrics.logLoss(local.replicate(r)));
        }
        assertThat(distributed.get("batch=b1").sample().confusion(LABELS)).isEqualTo(b1.sample().confusion(LABELS));
        List<MetricRow> fromSpark = MetricTable.rows("batch=b1", distributed.get("batch=b1"), LABELS, 0.95);
        List<MetricRow> fromJava = MetricTable.rows("batch=b1", b1, LABELS, 0.95);
        assertThat(fromSpark).hasSameSizeAs(fromJava);
        for (int i = 0; i < fromJava.size(); i++) {
            // Sums of log loss and confidence are exact: added in another order, they give the same bits.
            assertThat(fromSpark.get(i).value()).as(fromJava.get(i).toString()).isEqualTo(fromJava.get(i).value());
            double low = fromJava.get(i).ciLow();
            if (Double.isNaN(low)) {
                assertThat(fromSpark.get(i).ciLow()).isNaN();
            } else {
                assertThat(fromSpark.get(i).ciLow()).as(fromJava.get(i).toString()).isEqualTo(low);
            }
        }
    }

    @Test
    public void metricsEqualSparkMllibsOnTheSamePredictions() {
        List<Row> rows = predictions();
        Replicates ours = new Replicates(CLASSES, 10, 0, 1);
        List<Tuple4<Double, Double, Double, double[]>> tuples = new ArrayList<>();
        for (Row row : rows) {
            double[] p = array(row);
            ours.add(Replicates.key(row.getString(0)), row.getInt(1), p);
            tuples.add(new Tuple4<>((double) io.streamtrain.core.metrics.ScoreStats.argmax(p), (double) row.getInt(1),
                    1.0, p));
        }
        MulticlassMetrics mllib = new MulticlassMetrics(jsc().parallelize(tuples, 3).rdd());
        Confusion m = ours.sample().confusion(LABELS);
        Matrix theirs = mllib.confusionMatrix();
        for (int a = 0; a < CLASSES; a++) {
            for (int q = 0; q < CLASSES; q++) {
                assertThat((double) m.count(a, q)).isEqualTo(theirs.apply(a, q));
            }
            assertThat(ConfusionMetrics.precision(m, a)).isCloseTo(mllib.precision(a), within(1e-12));
            assertThat(ConfusionMetrics.recall(m, a)).isCloseTo(mllib.recall(a), within(1e-12));
            assertThat(ConfusionMetrics.f1(m, a)).isCloseTo(mllib.fMeasure(a), within(1e-12));
        }
        assertThat(ConfusionMetrics.accuracy(m)).isCloseTo(mllib.accuracy(), within(1e-12));
        assertThat(ConfusionMetrics.weighted(m, Metric.PRECISION)).isCloseTo(mllib.weightedPrecision(), within(1e-12));
        assertThat(ConfusionMetrics.weighted(m, Metric.RECALL)).isCloseTo(mllib.weightedRecall(), within(1e-12));
        assertThat(ConfusionMetrics.weighted(m, Metric.F1)).isCloseTo(mllib.weightedFMeasure(), within(1e-12));
        assertThat(ScoreMetrics.logLoss(ours.sample())).isCloseTo(mllib.logLoss(1e-15), within(1e-9));

        for (int k = 0; k < CLASSES; k++) {
            int c = k;
            List<Tuple2<Object, Object>> scored = new ArrayList<>();
            for (Row row : rows) {
                scored.add(new Tuple2<>(array(row)[c], row.getInt(1) == c ? 1.0 : 0.0));
            }
            double exact = new BinaryClassificationMetrics(jsc().parallelize(scored, 2).rdd(), 0).areaUnderROC();
            assertThat(ScoreMetrics.rocAuc(ours.sample(), k, LABELS.get(k))).as("class %d", k)
                    .isCloseTo(exact, within(0.002));
        }
    }

    @Test
    public void scoringUnpacksLandedFeaturesAndAppliesTheBundlesScaler() {
        StructType landed = new StructType(new org.apache.spark.sql.types.StructField[]{
                createStructField("id", DataTypes.StringType, false),
                createStructField("label", DataTypes.IntegerType, false),
                createStructField(io.streamtrain.core.table.PackedFeatures.COLUMN, DataTypes.BinaryType, false),
        });
        Dataset<Row> rows = spark().createDataFrame(List.of(
                RowFactory.create("x", 1, io.streamtrain.core.table.PackedFeatures.pack(new float[]{1, 2, 3}))), landed);
        io.streamtrain.model.Scaler scaler = new io.streamtrain.model.Scaler(new double[]{1, 1, 1},
                new double[]{1, 2, 4});
        io.streamtrain.ingest.IngestRules rules = new io.streamtrain.ingest.IngestRules(
                new io.streamtrain.core.RecordSchema(3, 0, 255, List.of("a", "b", "c")), 4096, 8, 64);
        Row scaled = ScoreJob.scaled(ScoreJob.accepted(ScoreJob.check(ScoreJob.candidates(rows, 3), rules)), scaler)
                .first();
        assertThat(scaled.<String>getAs("id")).isEqualTo("x");
        assertThat(scaled.<Integer>getAs("label")).isEqualTo(1);
        assertThat(scaled.<Object>getAs("topic")).isNull();
        assertThat(scaled.<Float>getList(scaled.fieldIndex("features"))).containsExactly(0f, 0.5f, 0.5f);

        Dataset<Row> noId = rows.drop("id");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ScoreJob.candidates(noId, 3))
                .isInstanceOf(io.streamtrain.core.UserException.class).hasMessageContaining("no 'id' column");
        Dataset<Row> noFeatures = rows.drop(io.streamtrain.core.table.PackedFeatures.COLUMN);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ScoreJob.candidates(noFeatures, 3))
                .isInstanceOf(io.streamtrain.core.UserException.class).hasMessageContaining("neither 'features'");
    }

    @Test
    public void scoringQuarantinesWhatTheDoorWouldRejectWithIngestsReasons() {
        StructType input = new StructType()
                .add("id", DataTypes.StringType, true)
                .add("label", DataTypes.IntegerType, true)
                .add("features", DataTypes.createArrayType(DataTypes.DoubleType, true), true);
        Dataset<Row> rows = spark().createDataFrame(List.of(
                RowFactory.create("ok", 0, List.of(0.0, 1.0, 255.0)),
                RowFactory.create("unlabelled", null, List.of(0.0, 1.0, 2.0)),
                RowFactory.create("short", 0, List.of(1.0, 2.0)),
                RowFactory.create("nan", 0, java.util.Arrays.asList(1.0, Double.NaN, 2.0)),
                RowFactory.create("huge", 0, List.of(1.0, 1e300, 2.0)),
                RowFactory.create("hot", 0, List.of(1.0, 256.0, 2.0)),
                RowFactory.create("label", 3, List.of(1.0, 2.0, 3.0)),
                RowFactory.create("", 0, List.of(1.0, 2.0, 3.0)),
                RowFactory.create("nofeatures", 0, null),
                RowFactory.create("hole", 0, java.util.Arrays.asList(1.0, null, 2.0)),
                RowFactory.create(null, 0, List.of(1.0, 2.0, 3.0))), input);
        io.streamtrain.ingest.IngestRules rules = new io.streamtrain.ingest.IngestRules(
                new io.streamtrain.core.RecordSchema(3, 0, 255, List.of("a", "b", "c")), 4096, 8, 64);
        Dataset<Row> checked = ScoreJob.check(ScoreJob.candidates(rows, 3), rules);
        java.util.Map<String, String> reasons = new java.util.HashMap<>();
        ScoreJob.rejected(checked, "score-r").collectAsList()
                .forEach(r -> reasons.put(String.valueOf(r.<String>getAs("id")), r.getAs("reason")));
        assertThat(reasons).containsExactlyInAnyOrderEntriesOf(java.util.Map.of("short", "WRONG_VECTOR_LENGTH",
                "nan", "NON_FINITE", "huge", "NON_FINITE", "hot", "OUT_OF_RANGE", "label", "UNKNOWN_LABEL",
                "", "INVALID_ID", "nofeatures", "MISSING_FIELD", "null", "MISSING_FIELD", "hole", "WRONG_TYPE"));
        assertThat(ScoreJob.accepted(checked).select("id").as(org.apache.spark.sql.Encoders.STRING())
                .collectAsList()).containsExactlyInAnyOrder("ok", "unlabelled");
        assertThat(ScoreJob.rejected(checked, "score-r").where("message IS NULL OR stage <> 'score'").count())
                .isZero();
    }

    @Test
    public void predictionsOnTheExecutorsEqualTheNetworksOwnOutput() {
        int features = 12;
        MultiLayerNetwork network = smallNetwork(8, "tanh", 12345, features);
        Random random = new Random(3);
        List<Row> rows = new ArrayList<>();
        // Two partitions of about 650 rows: each is scored in more than one minibatch of 512.
        float[][] x = new float[1300][features];
        for (int i = 0; i < x.length; i++) {
            List<Float> f = new ArrayList<>();
            for (int c = 0; c < features; c++) {
                x[i][c] = (float) random.nextGaussian();
                f.add(x[i][c]);
            }
            rows.add(RowFactory.create("id-" + i, i % CLASSES, f));
        }
        StructType schema = new StructType(new org.apache.spark.sql.types.StructField[]{
                createStructField("id", DataTypes.StringType, false),
                createStructField("label", DataTypes.IntegerType, false),
                createStructField("features", DataTypes.createArrayType(DataTypes.FloatType, false), false),
        });
        double[][] expected = network.output(Nd4j.createFromArray(x), false).castTo(DataType.DOUBLE)
                .toDoubleMatrix();
        List<Row> out;
        try (Predictor predictor = Predictor.of(jsc(), network, features)) {
            Dataset<Row> predicted = predictor.predict(spark().createDataFrame(rows, schema).repartition(2));
            assertThat(predicted.columns()).containsExactly("id", "label", Predictor.PREDICTED,
                    Predictor.PROBABILITIES);
            out = predicted.collectAsList();
        }
        assertThat(out).hasSize(1300);
        assertThat(out.stream().map(r -> r.getString(0)).distinct().count()).as("each row once").isEqualTo(1300);
        for (Row row : out) {
            int i = Integer.parseInt(row.getString(0).substring(3));
            double[] p = Scores.probabilities(row, 3);
            assertThat(row.getInt(1)).isEqualTo(i % CLASSES);
            assertThat(p).containsExactly(expected[i], within(1e-6));
            assertThat(row.getInt(2)).isEqualTo(io.streamtrain.core.metrics.ScoreStats.argmax(p));
            assertThat(Arrays.stream(p).sum()).isCloseTo(1.0, within(1e-5));
        }
    }

    @Test
    public void theOnePassScoresEachModelWithItsOwnScalerAndGathersWhatPlainJavaGathers() {
        int features = 6;
        MultiLayerNetwork candidate = smallNetwork(8, "tanh", 12345, features);
        MultiLayerNetwork champion = smallNetwork(5, "relu", 7, features);
        io.streamtrain.model.Scaler ours = new io.streamtrain.model.Scaler(
                new double[]{100, 90, 80, 70, 60, 50}, new double[]{50, 60, 70, 80, 90, 100});
        io.streamtrain.model.Scaler theirs = new io.streamtrain.model.Scaler(
                new double[]{0, 0, 0, 0, 0, 0}, new double[]{255, 255, 255, 255, 255, 255});
        StructType curated = new StructType()
                .add("id", DataTypes.StringType, false)
                .add("label", DataTypes.IntegerType, false)
                .add(io.streamtrain.core.table.CompactFeatures.U8, DataTypes.BinaryType, true)
                .add(io.streamtrain.core.table.CompactFeatures.F32, DataTypes.createArrayType(DataTypes.FloatType,
                        false), true)
                .add("batch", DataTypes.StringType, false);
        Random random = new Random(11);
        List<Row> rows = new ArrayList<>();
        float[][] x = new float[300][features];
        for (int i = 0; i < x.length; i++) {
            byte[] u8 = new byte[features];
            List<Float> f32 = new ArrayList<>();
            for (int c = 0; c < features; c++) {
                // Every fifth row is not whole pixels: curated keeps it as floats.
                x[i][c] = i % 5 == 0 ? random.nextFloat() * 255 : random.nextInt(256);
                u8[c] = (byte) x[i][c];
                f32.add(x[i][c]);
            }
            rows.add(i % 5 == 0 ? RowFactory.create("id-" + i, i % CLASSES, null, f32, "b" + i % 2)
                    : RowFactory.create("id-" + i, i % CLASSES, u8, null, "b" + i % 2));
        }
        EvaluateSettings settings = new EvaluateSettings(40, 5, 0.95, 10, "batch", 100,
                new EvaluateSettings.GateSettings(true, GateMetric.ACCURACY, 0, 0.02, 0.05));
        Dataset<Row> df = spark().createDataFrame(rows, curated);
        // Four partitions and an empty fifth: every partition's statistics must come back, the empty one's too.
        Dataset<Row> test = df.repartition(4).union(df.limit(0).repartition(1));

        Replicates mine = new Replicates(CLASSES, 10, 40, 5);
        Replicates b1 = new Replicates(CLASSES, 10, 40, 5);
        Replicates other = new Replicates(CLASSES, 10, 40, 5);
        double[][] p = candidate.output(Nd4j.createFromArray(scaled(x, ours)), false).castTo(DataType.DOUBLE)
                .toDoubleMatrix();
        double[][] q = champion.output(Nd4j.createFromArray(scaled(x, theirs)), false).castTo(DataType.DOUBLE)
                .toDoubleMatrix();
        long onlyMine = 0;
        long onlyTheirs = 0;
        for (int i = 0; i < x.length; i++) {
            long key = Replicates.key("id-" + i);
            mine.add(key, i % CLASSES, p[i]);
            other.add(key, i % CLASSES, q[i]);
            if (i % 2 == 1) {
                b1.add(key, i % CLASSES, p[i]);
            }
            boolean right = io.streamtrain.core.metrics.ScoreStats.argmax(p[i]) == i % CLASSES;
            boolean theirsRight = io.streamtrain.core.metrics.ScoreStats.argmax(q[i]) == i % CLASSES;
            onlyMine += right && !theirsRight ? 1 : 0;
            onlyTheirs += theirsRight && !right ? 1 : 0;
        }

        List<Row> predicted;
        Scores.Outcome outcome;
        try (Predictor a = Predictor.of(jsc(), candidate, features);
             Predictor b = Predictor.of(jsc(), champion, features)) {
            TestPass pass = TestPass.of(spark(), test, new TestPass.Model(a, ours), new TestPass.Model(b, theirs),
                    settings, "batch", CLASSES, 2);
            List<List<Row>> collected = new ArrayList<>();
            outcome = pass.run(predictions -> collected.add(predictions.collectAsList()));
            predicted = collected.get(0);
        }
        assertThat(predicted).hasSize(300);
        for (Row row : predicted) {
            int i = Integer.parseInt(row.getString(0).substring(3));
            assertThat(Scores.probabilities(row, 3)).containsExactly(p[i], within(1e-6));
            assertThat(row.getInt(2)).isEqualTo(io.streamtrain.core.metrics.ScoreStats.argmax(p[i]));
        }
        assertThat(outcome.bySlice().keySet()).containsExactly(Scores.ALL, "batch=b0", "batch=b1");
        assertThat(outcome.paired().onlyCandidate()).isEqualTo(onlyMine).isPositive();
        assertThat(outcome.paired().onlyChampion()).isEqualTo(onlyTheirs).isPositive();
        assertThat(outcome.bySlice().get("batch=b1").sample().confusion(LABELS))
                .isEqualTo(b1.sample().confusion(LABELS));
        for (int r = 1; r <= 40; r++) {
            assertThat(outcome.bySlice().get(Scores.ALL).replicate(r).confusion(LABELS))
                    .isEqualTo(mine.replicate(r).confusion(LABELS));
            assertThat(outcome.paired().champion().replicate(r).confusion(LABELS))
                    .isEqualTo(other.replicate(r).confusion(LABELS));
        }

        // Fewer input partitions than cores asked for: spread first, same statistics.
        try (Predictor a = Predictor.of(jsc(), candidate, features)) {
            TestPass pass = TestPass.of(spark(), df.coalesce(1), new TestPass.Model(a, ours), null, settings, null,
                    CLASSES, 3);
            Scores.Outcome alone = pass.run(predictions -> {
                assertThat(predictions.rdd().getNumPartitions()).isEqualTo(3);
                assertThat(predictions.count()).isEqualTo(300);
            });
            assertThat(alone.paired()).isNull();
            assertThat(alone.bySlice().keySet()).containsExactly(Scores.ALL);
            assertThat(alone.bySlice().get(Scores.ALL).replicate(7).confusion(LABELS))
                    .isEqualTo(mine.replicate(7).confusion(LABELS));
        }
    }

    /** An untrained MLP with one hidden layer: what is tested is how it is applied, not what it learnt. */
    private static MultiLayerNetwork smallNetwork(int hidden, String activation, long seed, int features) {
        TrainSettings s = new TrainSettings(List.of(hidden), activation, 0, 0, 0, TrainSettings.Init.XAVIER,
                Optimizer.constant(Optimizer.Updater.SGD, 0.05), 16, 1, seed, 0, Architecture.mlp(),
                Distribution.averaging(10, 2), false, 0);
        return Models.network(s, features, CLASSES);
    }

    private static float[][] scaled(float[][] x, io.streamtrain.model.Scaler scaler) {
        float[][] out = new float[x.length][];
        for (int i = 0; i < x.length; i++) {
            out[i] = scaler.apply(x[i]);
        }
        return out;
    }
}
