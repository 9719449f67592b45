package io.streamtrain.modelops;

import io.streamtrain.model.Networks;
import io.streamtrain.model.Minibatches;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.wrapper.BaseWrapperLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.List;
import java.util.Map;

/**
 * Input attributions of any {@link MultiLayerNetwork} that ends in an output layer (MLP, CNN, LSTM, attention):
 * saliency, the gradient of the target class's logit (the softmax's input) with respect to the input features, and
 * integrated gradients (Sundararajan et al., 2017) from a baseline.
 *
 * <p>DL4J computes input gradients only through a training-mode forward pass ({@code calculateGradients}), where
 * dropout is active and batch normalisation uses the minibatch's statistics. So gradients are taken on an
 * <em>inference twin</em> of the network: the same parameters, no dropout or weight noise, every batch normalisation
 * replaced by the per-channel affine map it computes at inference (a 1x1 convolution or a dense layer with a diagonal
 * kernel), and an output layer with the identity activation and a loss whose gradient is minus the
 * one-hot target, so the input gradient is the target logit's. The twin is checked against the network's own
 * inference outputs before it is used.
 */
public final class Attributions {

    private Attributions() {
    }

    /** The inference twin of {@code network}, checked on {@code sample} (flat rows of features). */
    public static MultiLayerNetwork logitTwin(MultiLayerNetwork network, INDArray sample) {
        int steps = Networks.timeSteps(network, (int) sample.size(1));
        INDArray shaped = Minibatches.shape(sample, steps);
        INDArray expected = network.output(shaped, false).castTo(DataType.DOUBLE);
        // DL4J 1.0.0-M2's BatchNormalization layer does not apply the activation it is configured with (its output
        // keeps negative values under "relu"); the twin follows what the network computes, and would follow a
        // version that applies it.
        MultiLayerNetwork twin = logitTwinUnchecked(network, sample, false);
        double gap = gap(twin, shaped, expected);
        if (gap > 1e-3) {
            MultiLayerNetwork activated = logitTwinUnchecked(network, sample, true);
            double other = gap(activated, shaped, expected);
            if (other < gap) {
                twin = activated;
                gap = other;
            }
        }
        if (gap > 1e-3) {
            throw new IllegalStateException("the inference twin's probabilities differ from the network's by " + gap
                    + ": a layer of this network behaves differently in training mode");
        }
        return twin;
    }

    private static double gap(MultiLayerNetwork twin, INDArray shaped, INDArray expected) {
        INDArray probabilities = Transforms.softmax(twin.output(shaped, false).castTo(DataType.DOUBLE), true);
        return Transforms.abs(probabilities.sub(expected)).maxNumber().doubleValue();
    }

    static MultiLayerNetwork logitTwinUnchecked(MultiLayerNetwork network, INDArray sample,
                                                boolean normalisationActivation) {
        int steps = Networks.timeSteps(network, (int) sample.size(1));
        INDArray shaped = Minibatches.shape(sample, steps);
        List<INDArray> activations = network.feedForward(shaped, false);
        MultiLayerConfiguration conf = network.getLayerWiseConfigurations().clone();
        int n = conf.getConfs().size();
        for (int i = 0; i < n; i++) {
            NeuralNetConfiguration c = conf.getConf(i);
            Layer layer = c.getLayer();
            strip(layer);
            if (layer instanceof BatchNormalization bn) {
                long channels = network.getLayer(i).getParam("beta") != null
                        ? network.getLayer(i).getParam("beta").length() : activations.get(i).size(1);
                IActivation act = normalisationActivation ? bn.getActivationFn() : new ActivationIdentity();
                Layer affine = activations.get(i).rank() == 4
                        ? new ConvolutionLayer.Builder(1, 1).nIn(channels).nOut(channels).stride(1, 1)
                        .dataFormat(bn.getCnn2DFormat()).activation(act).weightInit(WeightInit.XAVIER).build()
                        : new DenseLayer.Builder().nIn(channels).nOut(channels).activation(act)
                        .weightInit(WeightInit.XAVIER).build();
                affine.setLayerName(bn.getLayerName());
                c.setLayer(affine);
            }
        }
        Layer last = conf.getConf(n - 1).getLayer();
        if (!(last instanceof BaseOutputLayer output)) {
            throw new IllegalArgumentException("cannot explain a network whose last layer is "
                    + last.getClass().getSimpleName() + ", not an output layer");
        }
        output.setActivationFn(new ActivationIdentity());
        output.setLossFn(new NegativeTargetLogit());
        MultiLayerNetwork twin = new MultiLayerNetwork(conf);
        twin.init();
        for (int i = 0; i < n; i++) {
            Model original = network.getLayer(i);
            if (original.conf().getLayer() instanceof BatchNormalization bn) {
                setAffine(twin.getLayer(i), original, bn, activations.get(i).rank() == 4);
            } else {
                for (Map.Entry<String, INDArray> p : original.paramTable().entrySet()) {
                    twin.getLayer(i).setParam(p.getKey(), p.getValue());
                }
            }
        }
        return twin;
    }

    /** Gradients of each row's target logit with respect to its features, as flat rows. */
    public static float[][] saliency(MultiLayerNetwork network, float[][] x, int[] classes) {
        return logitGradients(logitTwin(network, rows(x)), x, classes);
    }

    /**
     * Integrated gradients: {@code (x - baseline) * mean over k = 1..steps of the gradient at baseline + k/steps *
     * (x - baseline)}; their sum approaches the target logit at x minus at the baseline.
     */
    public static float[][] integratedGradients(MultiLayerNetwork network, float[][] x, float[] baseline,
                                                int[] classes, int steps) {
        MultiLayerNetwork twin = logitTwin(network, rows(x));
        int d = baseline.length;
        float[][] out = new float[x.length][d];
        for (int i = 0; i < x.length; i++) {
            float[][] path = new float[steps][d];
            int[] target = new int[steps];
            for (int k = 0; k < steps; k++) {
                float alpha = (k + 1f) / steps;
                for (int j = 0; j < d; j++) {
                    path[k][j] = baseline[j] + alpha * (x[i][j] - baseline[j]);
                }
                target[k] = classes[i];
            }
            float[][] g = logitGradients(twin, path, target);
            for (int j = 0; j < d; j++) {
                double sum = 0;
                for (int k = 0; k < steps; k++) {
                    sum += g[k][j];
                }
                out[i][j] = (float) ((x[i][j] - baseline[j]) * sum / steps);
            }
        }
        return out;
    }

    /** The target logits of a twin at each row. */
    public static double[] logits(MultiLayerNetwork twin, float[][] x, int[] classes) {
        int steps = Networks.timeSteps(twin, x[0].length);
        INDArray z = twin.output(Minibatches.shape(rows(x), steps), false).castTo(DataType.DOUBLE);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = z.getDouble(i, classes[i]);
        }
        return out;
    }

    /**
     * The same network freshly initialised with the model's own weight initialisation and another seed: Adebayo et
     * al.'s cascading randomisation taken to the input layer.
     */
    public static MultiLayerNetwork randomised(MultiLayerNetwork network, long seed) {
        MultiLayerConfiguration conf = network.getLayerWiseConfigurations().clone();
        for (int i = 0; i < conf.getConfs().size(); i++) {
            conf.getConf(i).setSeed(seed);
        }
        MultiLayerNetwork fresh = new MultiLayerNetwork(conf);
        fresh.init();
        return fresh;
    }

    static float[][] logitGradients(MultiLayerNetwork twin, float[][] x, int[] classes) {
        int n = x.length;
        int d = x[0].length;
        int steps = Networks.timeSteps(twin, d);
        long outputs = twin.layerSize(twin.getnLayers() - 1);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, n, outputs);
        for (int i = 0; i < n; i++) {
            labels.putScalar(i, classes[i], 1f);
        }
        Pair<Gradient, INDArray> p = twin.calculateGradients(Minibatches.shape(rows(x), steps), labels, null, null);
        INDArray g = p.getSecond();
        if (steps > 0) {
            g = g.permute(0, 2, 1).dup('c').reshape(n, d);
        }
        float[][] out = g.castTo(DataType.FLOAT).reshape(n, d).toFloatMatrix();
        for (float[] row : out) {
            for (int j = 0; j < d; j++) {
                row[j] = -row[j]; // the loss is minus the target logit
            }
        }
        return out;
    }

    static INDArray rows(float[][] x) {
        return Nd4j.create(x).castTo(DataType.FLOAT);
    }

    private static void strip(Layer layer) {
        layer.setIDropout(null);
        if (layer instanceof BaseLayer base) {
            base.setWeightNoise(null);
        }
        if (layer instanceof BaseWrapperLayer wrapper) {
            strip(wrapper.getUnderlying());
        }
    }

    /** Inference batch normalisation as {@code y = act(x * gamma / std + (beta - mean * gamma / std))}. */
    private static void setAffine(Model twin, Model original, BatchNormalization bn, boolean convolution) {
        INDArray mean = original.getParam("mean").castTo(DataType.DOUBLE).reshape(-1);
        long c = mean.length();
        INDArray std = bn.isUseLogStd()
                ? Transforms.pow(Nd4j.valueArrayOf(new long[]{c}, 10.0, DataType.DOUBLE),
                original.getParam("log10stdev").castTo(DataType.DOUBLE).reshape(-1))
                : Transforms.sqrt(original.getParam("var").castTo(DataType.DOUBLE).reshape(-1).add(bn.getEps()));
        INDArray gamma = original.getParam("gamma") != null ? original.getParam("gamma").castTo(DataType.DOUBLE)
                .reshape(-1) : Nd4j.valueArrayOf(new long[]{c}, bn.getGamma(), DataType.DOUBLE);
        INDArray beta = original.getParam("beta") != null ? original.getParam("beta").castTo(DataType.DOUBLE)
                .reshape(-1) : Nd4j.valueArrayOf(new long[]{c}, bn.getBeta(), DataType.DOUBLE);
        INDArray factor = gamma.div(std);
        INDArray shift = beta.sub(mean.mul(factor));
        INDArray kernel = Nd4j.diag(factor);
        INDArray w = convolution ? kernel.reshape(c, c, 1, 1) : kernel;
        DataType type = twin.getParam("W").dataType();
        twin.setParam("W", w.castTo(type));
        twin.setParam("b", shift.reshape(1, c).castTo(type));
    }

    /**
     * A loss equal to minus the target class's output, summed over the minibatch: with the identity activation its
     * gradient with respect to the logits is minus the one-hot target, so backpropagation yields the target logit's
     * input gradient (negated).
     */
    public static final class NegativeTargetLogit implements ILossFunction {

        @Override
        public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
                                   boolean average) {
            double sum = computeScoreArray(labels, preOutput, activationFn, mask).sumNumber().doubleValue();
            return average ? sum / preOutput.size(0) : sum;
        }

        @Override
        public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn,
                                          INDArray mask) {
            return labels.castTo(preOutput.dataType()).mul(preOutput).sum(true, 1).negi();
        }

        @Override
        public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
            INDArray g = labels.castTo(preOutput.dataType()).neg();
            return mask == null ? g : g.muliColumnVector(mask.castTo(g.dataType()));
        }

        @Override
        public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput,
                                                              IActivation activationFn, INDArray mask,
                                                              boolean average) {
            return new Pair<>(computeScore(labels, preOutput, activationFn, mask, average),
                    computeGradient(labels, preOutput, activationFn, mask));
        }

        @Override
        public String name() {
            return "NegativeTargetLogit";
        }
    }
}
