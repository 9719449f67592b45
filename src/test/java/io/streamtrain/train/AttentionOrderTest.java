package io.streamtrain.train;

import io.streamtrain.model.TokenEmbedding;
import io.streamtrain.core.ConfigLoader;
import io.streamtrain.jobs.AppConfig;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A task only order can solve: each 6x4 "image" holds a marker row A and a marker row B among noise rows, and the
 * label says whether A lies above B. An example and its copy with A and B swapped hold the same rows, so a model that
 * sees the rows as a set (the attention model without positions) cannot tell them apart; with learned positions the
 * same small model learns the task.
 */
class AttentionOrderTest {

    private static final int ROWS = 6;
    private static final int COLUMNS = 4;
    private static final float[] A = {1, 1, 0, 0};
    private static final float[] B = {0, 0, 1, 1};

    private static TrainSettings settings() {
        return AppConfig.from(ConfigLoader.load(null, List.of("train.model=attention",
                "train.image.height=" + ROWS, "train.image.width=" + COLUMNS, "schema.feature-count=" + ROWS * COLUMNS,
                "schema.labels=[b-above, a-above]", "train.attention.width=16", "train.attention.heads=2",
                "train.attention.depth=1",
                "train.attention.feed-forward=32", "train.attention.dropout=0", "train.mlp.hidden-layers=[16]",
                "train.mlp.dropout=0", "train.learning-rate=0.01", "train.seed=3"))).train();
    }

    /** {@code pairs} examples and, after each, its twin with A and B swapped and the opposite label. */
    private static DataSet pairs(int pairs, long seed) {
        Random random = new Random(seed);
        int n = 2 * pairs;
        float[] x = new float[n * ROWS * COLUMNS];
        float[] y = new float[n * 2];
        for (int p = 0; p < pairs; p++) {
            int a = random.nextInt(ROWS);
            int b = (a + 1 + random.nextInt(ROWS - 1)) % ROWS;
            float[] noise = new float[ROWS * COLUMNS];
            for (int i = 0; i < noise.length; i++) {
                noise[i] = (float) (0.1 * random.nextGaussian());
            }
            int first = 2 * p * ROWS * COLUMNS;
            System.arraycopy(noise, 0, x, first, noise.length);
            for (int c = 0; c < COLUMNS; c++) {
                x[first + a * COLUMNS + c] += A[c];
                x[first + b * COLUMNS + c] += B[c];
            }
            y[2 * p * 2 + (a < b ? 1 : 0)] = 1;
            // The twin: the same image with rows a and b swapped, so the same rows in another order.
            int twin = first + ROWS * COLUMNS;
            System.arraycopy(x, first, x, twin, ROWS * COLUMNS);
            System.arraycopy(x, first + a * COLUMNS, x, twin + b * COLUMNS, COLUMNS);
            System.arraycopy(x, first + b * COLUMNS, x, twin + a * COLUMNS, COLUMNS);
            y[(2 * p + 1) * 2 + (a < b ? 0 : 1)] = 1;
        }
        return new DataSet(Nd4j.create(x, new long[]{n, ROWS * COLUMNS}, DataType.FLOAT),
                Nd4j.create(y, new long[]{n, 2}, DataType.FLOAT));
    }

    private static MultiLayerNetwork trained(boolean positions, DataSet train) {
        MultiLayerConfiguration conf = Models.build(settings(), ROWS * COLUMNS, 2);
        ((TokenEmbedding) conf.getConf(0).getLayer()).setPositions(positions);
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        List<DataSet> batches = train.batchBy(32);
        for (int epoch = 0; epoch < 15; epoch++) {
            for (DataSet batch : batches) {
                net.fit(batch);
            }
        }
        return net;
    }

    private static double accuracy(MultiLayerNetwork net, DataSet data) {
        org.nd4j.evaluation.classification.Evaluation e = net.evaluate(
                new org.deeplearning4j.datasets.iterator.ExistingDataSetIterator(data.batchBy(64)));
        return e.accuracy();
    }

    @Test
    void positionsLetTheAttentionModelLearnWhatAnOrderBlindOneCannot() {
        DataSet train = pairs(256, 1);
        DataSet test = pairs(128, 2);

        MultiLayerNetwork ordered = trained(true, train);
        assertThat(accuracy(ordered, test)).as("held-out accuracy with learned positions").isGreaterThan(0.95);

        MultiLayerNetwork orderBlind = trained(false, train);
        INDArray p = orderBlind.output(test.getFeatures());
        // Twins (rows 2k and 2k + 1) hold the same rows in another order: the set model gives them one answer.
        INDArray first = p.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 2, p.rows()),
                org.nd4j.linalg.indexing.NDArrayIndex.all());
        INDArray second = p.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 2, p.rows()),
                org.nd4j.linalg.indexing.NDArrayIndex.all());
        assertThat(first.sub(second).amaxNumber().doubleValue()).as("max |p(x) - p(twin of x)|").isLessThan(1e-4);
        assertThat(accuracy(orderBlind, test)).as("so it gets one of each pair right")
                .isCloseTo(0.5, org.assertj.core.api.Assertions.within(0.02));
        assertThat(accuracy(orderBlind, train)).as("even on its training data")
                .isCloseTo(0.5, org.assertj.core.api.Assertions.within(0.02));
    }
}
