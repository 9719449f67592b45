package io.streamtrain.model;

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
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.ByteArrayOutputStream;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Unit: the compressed copies' encodings, their error bounds, sparsity and sizes, on any kind of network. */
class ModelCopiesTest {

    @Test
    void int8ErrorIsAtMostHalfAScaleStepPerChannel() {
        // A [in = 3, out = 2] dense kernel: column 0 is large, column 1 small.
        float[] w = {1.0f, 0.001f, -0.5f, 0.002f, 0.25f, -0.004f};
        long[] shape = {3, 2};
        ModelCopies.Int8 perChannel = ModelCopies.Int8.quantise(w, shape, ModelCopies.Granularity.PER_CHANNEL);
        ModelCopies.Int8 perLayer = ModelCopies.Int8.quantise(w, shape, ModelCopies.Granularity.PER_LAYER);
        assertThat(perChannel.scales()).containsExactly(1.0f / 127, 0.004f / 127);
        assertThat(perLayer.scales()).containsExactly(1.0f / 127);
        float[] c = perChannel.dequantise();
        float[] l = perLayer.dequantise();
        for (int i = 0; i < w.length; i++) {
            float scale = perChannel.scales()[i % 2];
            assertThat(Math.abs(c[i] - w[i])).as("element %d", i).isLessThanOrEqualTo(scale / 2 + 1e-7f);
            assertThat(Math.abs(l[i] - w[i])).isLessThanOrEqualTo(1.0f / 127 / 2 + 1e-7f);
        }
        // The largest value of each channel is exact; per layer the small column collapses to zero.
        assertThat(c[0]).isEqualTo(1.0f);
        assertThat(c[5]).isCloseTo(-0.004f, within(1e-9f));
        assertThat(l[1]).isZero();
        assertThat(l[3]).isZero();
    }

    @Test
    void int8ChannelsOfAConvolutionKernelRunAlongItsFirstAxis() {
        // [out = 2, in = 1, 2, 2]: filter 0 spans 4.0, filter 1 spans 0.1.
        float[] w = {4f, -2f, 1f, 0.5f, 0.1f, -0.05f, 0.025f, 0f};
        ModelCopies.Int8 q = ModelCopies.Int8.quantise(w, new long[]{2, 1, 2, 2}, ModelCopies.Granularity.PER_CHANNEL);
        assertThat(q.scales()).containsExactly(4f / 127, 0.1f / 127);
        float[] back = q.dequantise();
        for (int i = 0; i < w.length; i++) {
            assertThat(Math.abs(back[i] - w[i])).isLessThanOrEqualTo(q.scales()[i / 4] / 2 + 1e-7f);
        }
        assertThat(back[7]).isZero();
    }

    @Test
    void halfPrecisionRoundTripsKnownValues() {
        assertThat(ModelCopies.toHalf(1.0f)).isEqualTo((short) 0x3C00);
        assertThat(ModelCopies.toHalf(-2.0f)).isEqualTo((short) 0xC000);
        assertThat(ModelCopies.toHalf(65504f)).isEqualTo((short) 0x7BFF);
        assertThat(ModelCopies.toHalf(1e6f)).isEqualTo((short) 0x7C00);
        assertThat(ModelCopies.fromHalf((short) 0x0001)).isEqualTo(0x1p-24f);
        assertThat(ModelCopies.fromHalf(ModelCopies.toHalf(0x1p-24f))).isEqualTo(0x1p-24f);
        for (float v : new float[]{1f / 3, -0.0123f, 3.14159f, 1234.5f, 1e-3f}) {
            float back = ModelCopies.fromHalf(ModelCopies.toHalf(v));
            assertThat(Math.abs(back - v)).as("%s", v).isLessThanOrEqualTo(Math.abs(v) * 0x1p-11f);
        }
    }

    @Test
    void prunedCopyHasTheConfiguredSparsityInEveryWeightTensor() {
        MultiLayerNetwork net = mlp();
        for (double sparsity : new double[]{0.5, 0.8}) {
            MultiLayerNetwork pruned = ModelCopies.read(ModelCopies.write(net,
                    new ModelCopies.Spec(ModelCopies.Kind.PRUNED, ModelCopies.Granularity.PER_CHANNEL, sparsity)));
            for (Map.Entry<String, INDArray> p : pruned.paramTable().entrySet()) {
                INDArray original = net.paramTable().get(p.getKey());
                long zeros = p.getValue().length() - p.getValue().neq(0).castTo(
                        org.nd4j.linalg.api.buffer.DataType.INT32).sumNumber().longValue();
                if (ModelCopies.isWeight(p.getValue().shape())) {
                    assertThat(zeros).as("%s at %s", p.getKey(), sparsity)
                            .isEqualTo((long) Math.floor(sparsity * p.getValue().length()));
                    // What is kept is the largest magnitudes, unchanged.
                    float[] after = p.getValue().dup('c').data().asFloat();
                    float[] before = original.dup('c').data().asFloat();
                    float smallestKept = Float.MAX_VALUE;
                    float largestDropped = 0;
                    for (int i = 0; i < after.length; i++) {
                        if (after[i] != 0) {
                            assertThat(after[i]).isEqualTo(before[i]);
                            smallestKept = Math.min(smallestKept, Math.abs(before[i]));
                        } else {
                            largestDropped = Math.max(largestDropped, Math.abs(before[i]));
                        }
                    }
                    assertThat(smallestKept).isGreaterThanOrEqualTo(largestDropped);
                } else {
                    assertThat(p.getValue()).isEqualTo(original);
                }
            }
            assertThat(ModelCopies.weightSparsity(pruned)).isCloseTo(sparsity, within(1e-3));
        }
    }

    @Test
    void int8CopyOfTheDefaultMlpIsOverThreeAndAHalfTimesSmallerAndPredictsAlike() throws Exception {
        MultiLayerNetwork net = mlp();
        ByteArrayOutputStream original = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, original, false);
        byte[] int8 = ModelCopies.write(net, new ModelCopies.Spec(ModelCopies.Kind.INT8,
                ModelCopies.Granularity.PER_CHANNEL, 0));
        byte[] fp16 = ModelCopies.write(net, new ModelCopies.Spec(ModelCopies.Kind.FP16,
                ModelCopies.Granularity.PER_CHANNEL, 0));
        assertThat((double) original.size() / int8.length).isGreaterThan(3.5);
        assertThat((double) original.size() / fp16.length).isGreaterThan(1.8);
        INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 64, 784);
        INDArray expected = net.output(x, false);
        assertThat(Transforms.maxAbsDiff(ModelCopies.read(int8).output(x, false), expected)).isLessThan(0.02);
        assertThat(Transforms.maxAbsDiff(ModelCopies.read(fp16).output(x, false), expected)).isLessThan(0.002);
    }

    @Test
    void everyKindOfCopyRebuildsConvolutionalRecurrentAndAttentionNetworks() {
        for (MultiLayerNetwork net : new MultiLayerNetwork[]{cnn(), lstm(), attention()}) {
            // Away from the initialisation a rebuilt copy starts from, so that only copied values can match.
            net.params().addi(Nd4j.randn(net.params().dataType(), net.params().shape()).muli(0.05));
            INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 8, 784);
            int steps = Networks.timeSteps(net, 784);
            INDArray in = Minibatches.shape(x, steps);
            INDArray expected = net.output(in, false);
            for (ModelCopies.Kind kind : ModelCopies.Kind.values()) {
                MultiLayerNetwork copy = ModelCopies.read(ModelCopies.write(net, new ModelCopies.Spec(kind,
                        ModelCopies.Granularity.PER_CHANNEL, 0.1)));
                assertThat(copy.paramTable().keySet()).isEqualTo(net.paramTable().keySet());
                if (kind != ModelCopies.Kind.PRUNED) {
                    // Half precision and 8 bits per channel keep every value within 1% of the largest.
                    double largest = net.params().amaxNumber().doubleValue();
                    assertThat(Transforms.maxAbsDiff(copy.params(), net.params())).as("%s parameters", kind)
                            .isLessThan(0.01 * largest);
                }
                assertThat(Transforms.maxAbsDiff(copy.output(in, false), expected)).as("%s", kind).isLessThan(0.1);
            }
        }
    }

    /** The default MLP's shape, 784-256-128-10. */
    static MultiLayerNetwork mlp() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(3)
                .weightInit(WeightInit.XAVIER).list()
                .layer(new DenseLayer.Builder().nOut(256).activation(Activation.RELU).dropOut(0.8).build())
                .layer(new DenseLayer.Builder().nOut(128).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(784)).build());
        net.init();
        return net;
    }

    static MultiLayerNetwork cnn() {
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
        return net;
    }

    /** Row tokens of width 16, one block, mean pooling: SameDiff layers, whose parameters DL4J M2 did not set. */
    static MultiLayerNetwork attention() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(9)
                .weightInit(WeightInit.XAVIER).list()
                .layer(new TokenEmbedding(28, 28, 1, 1, 28, 16))
                .layer(new TransformerBlock(16, 2, 32, true))
                .layer(new org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer.Builder(
                        org.deeplearning4j.nn.conf.layers.PoolingType.AVG).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(784)).build());
        net.init();
        return net;
    }

    static MultiLayerNetwork lstm() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(7)
                .weightInit(WeightInit.XAVIER).list()
                .layer(new LastTimeStep(new LSTM.Builder().nOut(12).activation(Activation.TANH).build()))
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.recurrent(28, 28)).build());
        net.init();
        return net;
    }

    /** Small helpers over ND4J's transforms. */
    static final class Transforms {
        static double maxAbsDiff(INDArray a, INDArray b) {
            return org.nd4j.linalg.ops.transforms.Transforms.abs(a.sub(b)).maxNumber().doubleValue();
        }
    }
}
