package io.streamtrain.modelops;

import io.streamtrain.model.Networks;
import io.streamtrain.ingest.FashionMnistIdx;
import io.streamtrain.testing.Fixtures;
import io.streamtrain.model.Minibatches;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Unit: attributions on hand-built and real networks, and the model-randomisation sanity check on a model trained
 * on real Fashion-MNIST images (the test slice) and on an explainer that ignores the model.
 */
class AttributionsTest {

    private static float[][] images;
    private static int[] labels;
    private static MultiLayerNetwork trained;

    @BeforeAll
    static void trainSmallMlp() {
        List<FashionMnistIdx.Image> all = FashionMnistIdx.readImages(
                Fixtures.fashionSlice().resolve("train-images-idx3-ubyte.gz"),
                Fixtures.fashionSlice().resolve("train-labels-idx1-ubyte.gz"));
        int n = Math.min(2000, all.size());
        images = new float[n][784];
        labels = new int[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 784; j++) {
                images[i][j] = all.get(i).pixels()[j] / 255f;
            }
            labels[i] = all.get(i).label();
        }
        trained = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(42).updater(new Adam(1e-3))
                .weightInit(WeightInit.XAVIER).list()
                .layer(new DenseLayer.Builder().nOut(64).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(784)).build());
        trained.init();
        INDArray x = Nd4j.create(images);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, 10);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, labels[i], 1f);
        }
        DataSet data = new DataSet(x, y);
        for (int epoch = 0; epoch < 5; epoch++) {
            for (DataSet batch : data.batchBy(64)) {
                trained.fit(batch);
            }
        }
    }

    @Test
    void saliencyOfALinearModelIsItsWeights() {
        MultiLayerNetwork linear = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().list()
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(5).nOut(3)
                        .activation(Activation.SOFTMAX).build()).build());
        linear.init();
        float[][] w = {{1, -2, 0.5f}, {0, 3, -1}, {2, 2, 2}, {-0.25f, 0, 1}, {4, -4, 0}};
        linear.setParam("0_W", Nd4j.create(w));
        linear.setParam("0_b", Nd4j.create(new float[][]{{0.1f, -0.2f, 0.3f}}));
        float[][] x = {{1, 2, 3, 4, 5}, {-1, 0, 1, 0, -1}, {0.5f, 0.5f, 0.5f, 0.5f, 0.5f}};
        int[] classes = {0, 1, 2};
        float[][] s = Attributions.saliency(linear, x, classes);
        float[] baseline = {0, 0, 0, 0, 0};
        float[][] ig = Attributions.integratedGradients(linear, x, baseline, classes, 4);
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < 5; j++) {
                assertThat(s[i][j]).as("row %d feature %d", i, j).isCloseTo(w[j][classes[i]], within(1e-6f));
                // Integrated gradients of a linear logit: (x - baseline) times the weight, exactly.
                assertThat(ig[i][j]).isCloseTo(x[i][j] * w[j][classes[i]], within(1e-5f));
            }
        }
    }

    @Test
    void saliencyMatchesFiniteDifferencesThroughBatchNormalisationDropoutAndLstm() {
        for (MultiLayerNetwork net : new MultiLayerNetwork[]{cnnWithBatchNorm(), lstm()}) {
            float[][] x = {Arrays.copyOf(images[0], 784), Arrays.copyOf(images[1], 784)};
            int[] classes = {labels[0], labels[1]};
            float[][] s = Attributions.saliency(net, x, classes);
            // The same call again: no dropout, no minibatch statistics, so the same maps.
            assertThat(Attributions.saliency(net, x, classes)).isDeepEqualTo(s);
            MultiLayerNetwork twin = Attributions.logitTwin(net, Attributions.rows(x));
            double h = 1e-2;
            for (int j : new int[]{100, 300, 406, 500, 650}) {
                float[][] up = {x[0].clone()};
                float[][] down = {x[0].clone()};
                up[0][j] += h;
                down[0][j] -= h;
                double numeric = (Attributions.logits(twin, up, new int[]{classes[0]})[0]
                        - Attributions.logits(twin, down, new int[]{classes[0]})[0]) / (2 * h);
                assertThat(s[0][j]).as("feature %d", j).isCloseTo((float) numeric,
                        within((float) (2e-2 * Math.max(1, Math.abs(numeric)))));
            }
            float largest = 0;
            for (float v : s[0]) {
                largest = Math.max(largest, Math.abs(v));
            }
            assertThat(largest).isGreaterThan(0f);
        }
    }

    @Test
    void integratedGradientsAddUpToTheLogitDifference() {
        float[][] x = {images[2], images[3]};
        int[] classes = {labels[2], labels[3]};
        float[] black = new float[784];
        float[][] ig = Attributions.integratedGradients(trained, x, black, classes, 64);
        MultiLayerNetwork twin = Attributions.logitTwin(trained, Attributions.rows(x));
        double[] at = Attributions.logits(twin, x, classes);
        double[] base = Attributions.logits(twin, new float[][]{black, black}, classes);
        for (int i = 0; i < 2; i++) {
            double sum = 0;
            for (float v : ig[i]) {
                sum += v;
            }
            assertThat(sum).isCloseTo(at[i] - base[i], within(0.05 * Math.max(1, Math.abs(at[i] - base[i]))));
        }
    }

    @Test
    void sanityCheckPassesOnATrainedModelAndFailsOnExplanationsThatIgnoreIt() {
        float[][] x = new float[20][];
        int[] classes = new int[20];
        for (int i = 0; i < 20; i++) {
            x[i] = images[1000 + i];
            classes[i] = labels[1000 + i];
        }
        MultiLayerNetwork randomised = Attributions.randomised(trained, 1234);
        assertThat(randomised.params()).isNotEqualTo(trained.params());
        SanityCheck.Result saliency = SanityCheck.check(Attributions::saliency, trained, randomised, x, classes, 0.5);
        assertThat(saliency.passed()).as("mean rank correlation %s", saliency.mean()).isTrue();

        SanityCheck.Explainer constant = (net, xs, cs) -> {
            float[][] out = new float[xs.length][xs[0].length];
            for (float[] row : out) {
                Arrays.fill(row, 1f);
            }
            return out;
        };
        SanityCheck.Result c = SanityCheck.check(constant, trained, randomised, x, classes, 0.5);
        assertThat(c.mean()).isEqualTo(1.0);
        assertThat(c.passed()).isFalse();
        // An edge detector's map: it depends on the image only, never on the model.
        SanityCheck.Explainer inputOnly = (net, xs, cs) -> Arrays.stream(xs).map(float[]::clone)
                .toArray(float[][]::new);
        assertThat(SanityCheck.check(inputOnly, trained, randomised, x, classes, 0.5).passed()).isFalse();
    }

    @Test
    void spearmanOnHandComputedRanks() {
        assertThat(SanityCheck.spearman(new double[]{1, 2, 3, 4}, new double[]{10, 20, 30, 40})).isEqualTo(1.0);
        assertThat(SanityCheck.spearman(new double[]{1, 2, 3, 4}, new double[]{4, 3, 2, 1})).isEqualTo(-1.0);
        // Ranks with ties: a = 1, 2.5, 2.5, 4; b = 1, 2, 3, 4 -> 0.9486832980505138 (sqrt(0.9)).
        assertThat(SanityCheck.spearman(new double[]{1, 5, 5, 9}, new double[]{1, 2, 3, 4}))
                .isCloseTo(Math.sqrt(0.9), within(1e-12));
        assertThat(SanityCheck.spearman(new double[]{2, 2, 2}, new double[]{7, 7, 7})).isEqualTo(1.0);
        assertThat(SanityCheck.spearman(new double[]{2, 2, 2}, new double[]{1, 2, 3})).isEqualTo(0.0);
    }

    private static MultiLayerNetwork cnnWithBatchNorm() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(5)
                .weightInit(WeightInit.RELU).list()
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(4).activation(Activation.IDENTITY).build())
                .layer(new BatchNormalization.Builder().activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                        .build())
                .layer(new DenseLayer.Builder().nOut(16).activation(Activation.RELU).dropOut(0.5).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1)).build());
        net.init();
        // Running statistics far from a minibatch's, so that training-mode normalisation would show.
        Random r = new Random(1);
        INDArray mean = net.getLayer(1).getParam("mean");
        for (int c = 0; c < mean.length(); c++) {
            mean.putScalar(c, 0.3 * r.nextGaussian());
        }
        net.getLayer(1).getParam("gamma").assign(1.7);
        return net;
    }

    private static MultiLayerNetwork lstm() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(7)
                .weightInit(WeightInit.XAVIER).list()
                .layer(new LastTimeStep(new LSTM.Builder().nOut(12).activation(Activation.TANH).dropOut(0.7)
                        .build()))
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.recurrent(28, 28)).build());
        net.init();
        assertThat(Networks.timeSteps(net, 784)).isEqualTo(28);
        assertThat(Minibatches.shape(Nd4j.zeros(DataType.FLOAT, 1, 784), 28).shape()).containsExactly(1, 28, 28);
        return net;
    }
}
