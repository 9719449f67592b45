package io.streamtrain.train;

import io.streamtrain.model.TokenEmbedding;
import io.streamtrain.model.TransformerBlock;
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
        for (String projection : List.of("1_Wq", "1_Wk", "1_Wv", "1_Wo", "2_Wq", "2_Wk", "2_Wv", "2_Wo")) {
            // A zero gradient agrees with a finite difference near zero: only entries that clearly matter count.
            assertThat(checks.stream().filter(c -> c.key().startsWith(projection + "[")
                            && Math.abs(c.numeric()) > 1e-4))
                    .as("entries of %s that clearly move the loss", projection).isNotEmpty();
        }
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

    /**
     * The training forward pass keeps what the backward pass needs; a backward pass without it (after an inference
     * forward pass) computes it again. Both give the same gradients, in float, as in training.
     */
    @Test
    void backpropAfterAnInferencePassEqualsBackpropAfterATrainingPass() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(3).list()
                .layer(new TokenEmbedding(28, 28, 1, 1, 28, 16))
                .layer(new TransformerBlock(16, 2, 32, true))
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(784)).build());
        net.init();
        // The gradient views a fit would set up.
        net.initGradientsView();
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 784);
        org.deeplearning4j.nn.api.Layer block = net.getLayer(1);
        INDArray tokens = net.feedForward(x, false).get(1);
        INDArray epsilon = Nd4j.rand(DataType.FLOAT, 4, 16, 28);
        org.deeplearning4j.nn.workspace.LayerWorkspaceMgr none =
                org.deeplearning4j.nn.workspace.LayerWorkspaceMgr.noWorkspaces();

        block.setInput(tokens, none);
        block.activate(false, none);
        INDArray recomputedInput = block.backpropGradient(epsilon, none).getSecond().dup();
        INDArray recomputed = block.getGradientsViewArray().dup();

        block.setInput(tokens, none);
        block.activate(true, none);
        INDArray cachedInput = block.backpropGradient(epsilon, none).getSecond().dup();
        assertThat(block.getGradientsViewArray().equalsWithEps(recomputed, 1e-6)).isTrue();
        assertThat(cachedInput.equalsWithEps(recomputedInput, 1e-6)).isTrue();
        assertThat(recomputed.amaxNumber().doubleValue()).as("gradients that are not all zero").isPositive();
    }

    /** deeplearning4j issue 9655: SameDiff mis-sums the gradient of a value that feeds two operations. */
    @Test
    void sameDiffMisSumsTheGradientOfAValueThatFeedsTwoOperations() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, -1, 4);
        SDVariable w = sd.var("w", Nd4j.linspace(DataType.DOUBLE, 1, 12, 1).reshape(4, 3).divi(10));
        SDVariable hidden = sd.mmul(x, w);
        // hidden + 2 * hidden: d(sum)/dw = 3 * x^T 1.
        sd.setLossVariables(hidden.add(hidden.mul(2.0)).sum());
        INDArray input = Nd4j.linspace(DataType.DOUBLE, 1, 8, 1).reshape(2, 4);
        INDArray gradient = sd.calculateGradients(Map.of("x", input), "w").get("w");
        INDArray expected = input.sum(0).reshape(4, 1).repeat(1, 3).muli(3);
        assertThat(gradient.equalsWithEps(expected.mul(4.0 / 3), 1e-6))
                .as("M2's gradient %s: 4 x^T 1, not the true 3 x^T 1", gradient).isTrue();
    }

    /** The same fault in a whole transformer block, differentiated by SameDiff alone: its attention gets nothing. */
    @Test
    void sameDiffGivesATransformerBlocksAttentionNoGradientAtAll() {
        TransformerBlock block = new TransformerBlock(8, 2, 12, false);
        block.setNIn(InputType.recurrent(8, 4), true);
        SDLayerParams shapes = new SDLayerParams();
        block.defineParameters(shapes);
        SameDiff sd = SameDiff.create();
        Nd4j.getRandom().setSeed(1);
        Map<String, SDVariable> params = new java.util.LinkedHashMap<>();
        shapes.getParamShapes().forEach((name, shape) ->
                params.put(name, sd.var(name, Nd4j.randn(DataType.DOUBLE, shape).muli(0.5))));
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, -1, 8, 4);
        SDVariable epsilon = sd.placeHolder("epsilon", DataType.DOUBLE, -1, 8, 4);
        sd.setLossVariables(block.defineLayer(sd, x, params, null).mul(epsilon).sum());
        Map<String, INDArray> gradients = sd.calculateGradients(Map.of("x", Nd4j.randn(DataType.DOUBLE, 3, 8, 4),
                "epsilon", Nd4j.randn(DataType.DOUBLE, 3, 8, 4)), new ArrayList<>(params.keySet()));
        for (String name : List.of("Wq", "Wk", "Wv", "Wo", "ln1g", "ln1b")) {
            assertThat(gradients.get(name).amaxNumber().doubleValue()).as(name).isZero();
        }
        assertThat(gradients.get("W1").amaxNumber().doubleValue()).as("the feed-forward branch's W1").isPositive();
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
