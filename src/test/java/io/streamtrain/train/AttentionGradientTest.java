package io.streamtrain.train;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The gradients DL4J's updater receives from {@link TokenEmbedding} and {@link TransformerBlock} against central
 * finite differences of the loss, in double precision, and the two DL4J 1.0.0-M2 faults that {@link ExactGradientLayer}
 * and {@link Segment} work around. The last two tests pin those faults down: when an upgrade of DL4J makes one of them
 * fail, the fault is fixed and its workaround can go.
 */
class AttentionGradientTest {

    @Test
    void attentionGradientsMatchFiniteDifferences() {
        List<Check> checks = checks(new TokenEmbedding(4, 6, 1, 2, 3, 8), new TransformerBlock(8, 2, 12, false),
                new TransformerBlock(8, 2, 12, true), new GlobalPoolingLayer.Builder(PoolingType.AVG).build());
        assertThat(checks).as("parameters checked").hasSizeGreaterThan(60);
        assertThat(checks.stream().filter(c -> c.key().startsWith("1_Wq") && c.numeric() != 0))
                .as("the attention's query projection matters to the loss").isNotEmpty();
        assertThat(checks.stream().filter(c -> !c.agrees()).map(Check::toString))
                .as("parameters whose gradient differs from the finite difference").isEmpty();
    }

    @Test
    void dl4jsOwnSameDiffLayerDoublesEveryGradient() {
        List<Check> checks = checks(new PlainDense(24, 8));
        assertThat(checks.stream().filter(c -> c.key().startsWith("0_")))
                .as("x W + b through DL4J's SameDiffLayer: twice the finite difference")
                .isNotEmpty()
                .allSatisfy(c -> assertThat(c.analytic()).isCloseTo(2 * c.numeric(), within(1e-6)));
    }

    /** deeplearning4j issue 9655: the gradient of a value that feeds two operations is wrong. */
    @Test
    void sameDiffLosesTheGradientOfAValueThatFeedsTwoOperations() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, -1, 4);
        SDVariable w = sd.var("w", Nd4j.linspace(DataType.DOUBLE, 1, 12, 1).reshape(4, 3).divi(10));
        SDVariable hidden = sd.mmul(x, w);
        // hidden + 2 * hidden: d(sum)/dw = 3 * x^T 1.
        sd.setLossVariables(hidden.add(hidden.mul(2.0)).sum());
        INDArray input = Nd4j.linspace(DataType.DOUBLE, 1, 8, 1).reshape(2, 4);
        INDArray gradient = sd.calculateGradients(Map.of("x", input), "w").get("w");
        INDArray expected = input.sum(0).reshape(4, 1).repeat(1, 3).muli(3);
        // M2 gives 4 x^T 1 here; in a transformer block the attention's projections got 0.
        assertThat(gradient.equalsWithEps(expected, 1e-6)).as("gradient %s, true %s", gradient, expected).isFalse();
    }

    /** A gradient entry: DL4J's against the central finite difference of the loss. */
    private record Check(String key, double analytic, double numeric) {
        boolean agrees() {
            return Math.abs(analytic - numeric) <= 1e-6 + 1e-3 * Math.max(Math.abs(analytic), Math.abs(numeric));
        }

        @Override
        public String toString() {
            return key + " analytic " + analytic + " numeric " + numeric;
        }
    }

    /** A few entries of every parameter of a network of these layers and a softmax output. */
    private static List<Check> checks(Layer... hidden) {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            NeuralNetConfiguration.ListBuilder layers = new NeuralNetConfiguration.Builder()
                    .dataType(DataType.DOUBLE).seed(5).updater(new NoOp()).list();
            for (Layer layer : hidden) {
                layers.layer(layer);
            }
            MultiLayerNetwork net = new MultiLayerNetwork(layers
                    .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                            .activation(Activation.SOFTMAX).build())
                    .setInputType(InputType.feedForward(24))
                    .build());
            net.init();
            INDArray x = Nd4j.rand(DataType.DOUBLE, 5, 24);
            INDArray y = Nd4j.zeros(DataType.DOUBLE, 5, 3);
            for (int i = 0; i < 5; i++) {
                y.putScalar(i, i % 3, 1);
            }
            DataSet batch = new DataSet(x, y);
            net.setInput(x);
            net.setLabels(y);
            net.computeGradientAndScore();
            // DL4J's gradient is summed over the minibatch (its updater divides); the score is the mean.
            INDArray analytic = net.getFlattenedGradients().div(x.rows());
            INDArray flat = net.params();
            List<Check> checks = new ArrayList<>();
            long start = 0;
            for (Map.Entry<String, INDArray> param : net.paramTable().entrySet()) {
                long length = param.getValue().length();
                // A few entries of every parameter: each costs two forward passes.
                for (long i = start; i < start + length; i += Math.max(1, length / 5)) {
                    double original = flat.getDouble(i);
                    flat.putScalar(i, original + 1e-6);
                    double plus = net.score(batch, false);
                    flat.putScalar(i, original - 1e-6);
                    double minus = net.score(batch, false);
                    flat.putScalar(i, original);
                    checks.add(new Check(param.getKey() + "[" + (i - start) + "]", analytic.getDouble(i),
                            (plus - minus) / 2e-6));
                }
                start += length;
            }
            assertThat(start).as("the parameter table covers the flat parameters").isEqualTo(flat.length());
            return checks;
        } finally {
            Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        }
    }

    /** {@code x W + b}, nothing else: the smallest SameDiff layer with parameters. */
    public static class PlainDense extends SameDiffLayer {
        private int nIn;
        private int nOut;

        public PlainDense() {
        }

        PlainDense(int nIn, int nOut) {
            this.nIn = nIn;
            this.nOut = nOut;
        }

        @Override
        public InputType getOutputType(int layerIndex, InputType inputType) {
            return InputType.feedForward(nOut);
        }

        @Override
        public void setNIn(InputType inputType, boolean override) {
        }

        @Override
        public org.deeplearning4j.nn.conf.InputPreProcessor getPreProcessorForInputType(InputType inputType) {
            return null;
        }

        @Override
        public void defineParameters(SDLayerParams params) {
            params.clear();
            params.addWeightParam("W", nIn, nOut);
            params.addBiasParam("b", 1, nOut);
        }

        @Override
        public void initializeParameters(Map<String, INDArray> params) {
            params.get("W").assign(Nd4j.randn(DataType.DOUBLE, nIn, nOut).muli(0.3));
            params.get("b").assign(0.1);
        }

        @Override
        public SDVariable defineLayer(SameDiff sd, SDVariable input, Map<String, SDVariable> params,
                                      SDVariable mask) {
            return sd.mmul(input, params.get("W")).add(params.get("b"));
        }

        public int getNIn() {
            return nIn;
        }

        public void setNIn(int nIn) {
            this.nIn = nIn;
        }

        public int getNOut() {
            return nOut;
        }

        public void setNOut(int nOut) {
            this.nOut = nOut;
        }
    }
}
