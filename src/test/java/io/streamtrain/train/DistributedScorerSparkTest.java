package io.streamtrain.train;

import io.streamtrain.model.Architecture;
import io.streamtrain.model.DistributedScorer;

import io.streamtrain.testing.SparkLocalTest;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerBlockUpdated;
import org.apache.spark.storage.RDDInfo;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.datasets.iterator.IteratorDataSetIterator;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.junit.Test;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Spark local with about 13 MB of storage memory: scoring and evaluating on cached data several times larger than
 * that, the condition under which Spark evicted and closed dl4j-spark's broadcast parameters (issue 17).
 */
public class DistributedScorerSparkTest extends SparkLocalTest {

    private static final int FEATURES = 200;
    private static final int CLASSES = 3;
    private static final int BATCH = 32;

    /**
     * Storage memory of (128 MiB - 0 reserved) x 0.1 = 12.8 MiB, so a few tens of MB of cached minibatches spill and
     * every pass over them evicts blocks (Spark honours {@code spark.testing.*} in local mode).
     */
    @Override
    public SparkConf conf() {
        return super.conf()
                .set("spark.testing.memory", String.valueOf(128L << 20))
                .set("spark.testing.reservedMemory", "0")
                .set("spark.memory.fraction", "0.1");
    }

    /** {@code count} minibatches of {@link #BATCH} examples, three Gaussian classes over {@link #FEATURES} features. */
    static List<CachedMinibatch> minibatches(int count, long seed) {
        Random random = new Random(seed);
        List<CachedMinibatch> out = new ArrayList<>();
        for (int b = 0; b < count; b++) {
            float[] x = new float[BATCH * FEATURES];
            float[] y = new float[BATCH * CLASSES];
            for (int r = 0; r < BATCH; r++) {
                int label = random.nextInt(CLASSES);
                y[r * CLASSES + label] = 1;
                for (int c = 0; c < FEATURES; c++) {
                    x[r * FEATURES + c] = (float) (random.nextGaussian() + (c % CLASSES == label ? 0.3 : 0));
                }
            }
            out.add(new CachedMinibatch(x, new long[]{BATCH, FEATURES}, y, new long[]{BATCH, CLASSES}));
        }
        return out;
    }

    static TrainSettings settings(int averagingFrequency, int epochs) {
        return new TrainSettings(List.of(16), "tanh", 0, 0, 0, TrainSettings.Init.XAVIER,
                Optimizer.constant(Optimizer.Updater.SGD, 0.05), BATCH, epochs, 12345, 0, Architecture.mlp(),
                Distribution.averaging(averagingFrequency, 2), false, 0);
    }

    /**
     * The loss per example of {@code network} over {@code data}, in one JVM, DL4J's definition, in forward passes of
     * {@link DistributedScorer#BATCH_SIZE} (the loss is summed in floats: other batch sizes differ by about 1e-8).
     */
    private static double singleJvmLoss(MultiLayerNetwork network, List<CachedMinibatch> data) {
        IteratorDataSetIterator batches = new IteratorDataSetIterator(
                data.stream().map(CachedMinibatch::toDataSet).iterator(), DistributedScorer.BATCH_SIZE);
        double sum = 0;
        long examples = 0;
        while (batches.hasNext()) {
            DataSet d = batches.next();
            sum += network.score(d, false) * d.numExamples();
            examples += d.numExamples();
        }
        return sum / examples;
    }

    private static Evaluation singleJvmEvaluation(MultiLayerNetwork network, List<CachedMinibatch> data) {
        Evaluation evaluation = new Evaluation();
        network.doEvaluation(new IteratorDataSetIterator(data.stream().map(CachedMinibatch::toDataSet).iterator(),
                DistributedScorer.BATCH_SIZE), evaluation);
        return evaluation;
    }

    private static long[][] counts(Evaluation e) {
        long[][] counts = new long[CLASSES][CLASSES];
        for (int a = 0; a < CLASSES; a++) {
            for (int p = 0; p < CLASSES; p++) {
                counts[a][p] = e.getConfusion().getCount(a, p);
            }
        }
        return counts;
    }

    @Test
    public void lossAndEvaluationEqualDl4jSparksOwnAndASingleJvmComputation() {
        lossAndEvaluationEqualDl4jSparksOwnAndASingleJvmComputation(settings(5, 1));
    }

    @Test
    public void lossAndEvaluationOfTheAttentionModelEqualDl4jSparksOwnAndASingleJvmComputation() {
        // The 200 features as a 10 x 20 image: 10 row tokens.
        Architecture attention = new Architecture(Architecture.Kind.ATTENTION, 10, 20, 1, Architecture.Cnn.LENET,
                128, new Architecture.Attention(Architecture.Tokens.ROWS, 1, 8, 2, 1, 16, 0));
        TrainSettings mlp = settings(5, 1);
        lossAndEvaluationEqualDl4jSparksOwnAndASingleJvmComputation(new TrainSettings(mlp.hiddenLayers(),
                mlp.activation(), 0, 0, 0, mlp.weightInit(), mlp.optimizer(), BATCH, 1, 12345, 0, attention,
                mlp.distribution(), false, 0));
    }

    private void lossAndEvaluationEqualDl4jSparksOwnAndASingleJvmComputation(TrainSettings s) {
        List<CachedMinibatch> data = minibatches(24, 3);
        MultiLayerNetwork network = Models.network(s, FEATURES, CLASSES);
        INDArray params = network.params().dup();
        JavaRDD<DataSet> rdd = jsc().parallelize(data, 3).map(CachedMinibatch::toDataSet);

        double loss = DistributedScorer.meanLoss(jsc(), network, rdd);
        Evaluation evaluation = DistributedScorer.evaluate(jsc(), network, rdd);

        // dl4j-spark's on a copy: Spark closes the parameters it broadcasts (see Dl4jBroadcastEvictionCrashTest).
        SparkDl4jMultiLayer dl4j = new SparkDl4jMultiLayer(jsc(), network.clone(), null);
        assertThat(loss).isCloseTo(dl4j.calculateScore(rdd, true), within(1e-12));
        assertThat(loss).isCloseTo(singleJvmLoss(network, data), within(1e-12));
        Evaluation theirs = new SparkDl4jMultiLayer(jsc(), network.clone(), null).evaluate(rdd);
        assertThat(counts(evaluation)).isEqualTo(counts(theirs)).isEqualTo(counts(singleJvmEvaluation(network, data)));
        assertThat(evaluation.accuracy()).isEqualTo(theirs.accuracy());
        assertThat(evaluation.getNumRowCounter()).isEqualTo(24 * BATCH);
        assertThat(network.params()).as("scoring leaves the network as it was").isEqualTo(params);
        assertThat(network.params().wasClosed()).isFalse();
    }

    @Test
    public void scoresRepeatedlyOnCachedDataThatSpillsToDisk() {
        // 1,600 minibatches of 32 x 200 floats: 41 MB cached in 8 partitions, three times the storage memory.
        List<CachedMinibatch> data = minibatches(1600, 5);
        JavaRDD<CachedMinibatch> cached = jsc().parallelize(data, 8).persist(StorageLevel.MEMORY_AND_DISK());
        try {
            assertThat(cached.count()).isEqualTo(1600);
            RDDInfo info = Arrays.stream(jsc().sc().getRDDStorageInfo()).filter(i -> i.id() == cached.id())
                    .findFirst().orElseThrow();
            assertThat(info.diskSize()).as("partitions spilled to disk").isGreaterThan(0);
            MultiLayerNetwork network = Models.network(settings(5, 1), FEATURES, CLASSES);
            double expectedLoss = singleJvmLoss(network, data);
            long[][] expectedCounts = counts(singleJvmEvaluation(network, data));
            // Each pass reads spilled partitions back and caches them, evicting whatever else is in memory: with
            // dl4j-spark's calculateScore that could be the broadcast parameters, and the JVM died (issue 17).
            for (int pass = 0; pass < 5; pass++) {
                MultiLayerNetwork scored = network.clone();
                double loss = DistributedScorer.meanLoss(jsc(), scored, cached.map(CachedMinibatch::toDataSet));
                assertThat(loss).as("pass %d", pass).isFinite().isCloseTo(expectedLoss, within(1e-12));
                Evaluation evaluation = DistributedScorer.evaluate(jsc(), scored,
                        cached.map(CachedMinibatch::toDataSet));
                assertThat(counts(evaluation)).as("pass %d", pass).isEqualTo(expectedCounts);
                assertThat(scored.params().wasClosed()).isFalse();
            }
        } finally {
            cached.unpersist();
        }
    }

    @Test
    public void trainsScoresAndEvaluatesOnDataSeveralTimesTheStorageMemory() {
        // 26 MB of training minibatches in 10 partitions of 100 (one averaging round per pair), 4 MB of validation.
        List<CachedMinibatch> train = minibatches(1000, 11);
        List<CachedMinibatch> validation = minibatches(150, 12);
        TrainSettings s = settings(100, 2);
        SparkTrainer trainer = new SparkTrainer(jsc(), s);
        MultiLayerNetwork network = Models.network(s, FEATURES, CLASSES);
        List<INDArray> epochEnds = new ArrayList<>();
        AtomicLong blocksToDisk = new AtomicLong();
        SparkListener spills = new SparkListener() {
            @Override
            public void onBlockUpdated(SparkListenerBlockUpdated update) {
                if (update.blockUpdatedInfo().blockId().isRDD() && update.blockUpdatedInfo().diskSize() > 0) {
                    blocksToDisk.incrementAndGet();
                }
            }
        };
        jsc().sc().addSparkListener(spills);
        TrainingState end;
        try {
            end = trainer.fit(network, jsc().parallelize(train, trainer.partitionsFor(1000 * BATCH))
                            .map(CachedMinibatch::toDataSet),
                    jsc().parallelize(validation, 2).map(CachedMinibatch::toDataSet), TrainingState.start(),
                    (net, state) -> epochEnds.add(net.params().dup()));
            jsc().sc().listenerBus().waitUntilEmpty(10_000);
        } catch (TimeoutException e) {
            throw new AssertionError("Spark's listener bus did not drain", e);
        } finally {
            jsc().sc().removeSparkListener(spills);
        }

        assertThat(blocksToDisk.get()).as("cached training blocks written to disk").isPositive();

        assertThat(end.history()).hasSize(2);
        for (int e = 0; e < 2; e++) {
            EpochStats stats = end.history().get(e);
            assertThat(stats.loss()).as("epoch %d loss", e + 1).isFinite().isPositive();
            MultiLayerNetwork atEpochEnd = Models.network(s, FEATURES, CLASSES);
            atEpochEnd.setParams(epochEnds.get(e));
            assertThat(stats.validationAccuracy()).as("epoch %d validation accuracy", e + 1)
                    .isEqualTo(singleJvmEvaluation(atEpochEnd, validation).accuracy());
        }
        assertThat(end.history().get(1).validationAccuracy()).as("it learnt").isGreaterThan(0.6);
        assertThat(network.params().wasClosed()).isFalse();
    }
}
