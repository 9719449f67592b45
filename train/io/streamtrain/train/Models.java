package io.streamtrain.train;

import io.streamtrain.model.Architecture;
import io.streamtrain.model.TokenEmbedding;
import io.streamtrain.model.TransformerBlock;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/** Builds DL4J network configurations from {@link TrainSettings}. */
public final class Models {

    private Models() {
    }

    /**
     * The configured network: MLP, CNN, LSTM or self-attention, then the dense hidden layers, then a softmax over the
     * classes.
     */
    public static MultiLayerConfiguration build(TrainSettings s, int inputs, int classes) {
        return build(s, inputs, classes, null);
    }

    /**
     * The same, with the cross-entropy of each class weighted by {@code classWeights} ({@link Balance#CLASS_WEIGHTS});
     * null for unweighted.
     */
    public static MultiLayerConfiguration build(TrainSettings s, int inputs, int classes, double[] classWeights) {
        Architecture a = s.architecture();
        a.requireFits(inputs);
        NeuralNetConfiguration.ListBuilder layers = new NeuralNetConfiguration.Builder()
                .seed(s.seed())
                .updater(s.optimizer().dl4j())
                .weightInit(s.weightInit().dl4j())
                .l1(s.l1())
                .l2(s.l2())
                .list();
        switch (a.kind()) {
            case MLP -> layers.setInputType(InputType.feedForward(inputs));
            case CNN -> addCnn(layers, a);
            case LSTM -> {
                layers.layer(new LastTimeStep(new LSTM.Builder().nOut(a.lstmUnits()).activation(Activation.TANH)
                        .build()));
                layers.setInputType(InputType.recurrent((long) a.width() * a.channels(), a.height()));
            }
            case ATTENTION -> addAttention(layers, a, inputs);
        }
        addHidden(layers, s);
        OutputLayer.Builder output = classWeights == null
                ? new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                : new OutputLayer.Builder(new LossMCXENT(Nd4j.create(classWeights, new long[]{1, classes},
                DataType.FLOAT)));
        layers.layer(output
                .nOut(classes).activation(Activation.SOFTMAX).build());
        return layers.build();
    }

    /** Convolution blocks (convolution, optional batch normalisation, max pooling, optional dropout) over the image. */
    private static void addCnn(NeuralNetConfiguration.ListBuilder layers, Architecture a) {
        Architecture.Cnn cnn = a.cnn();
        for (int filters : cnn.filters()) {
            layers.layer(new ConvolutionLayer.Builder(cnn.kernelSize(), cnn.kernelSize()).nOut(filters)
                    .convolutionMode(cnn.padding().dl4j())
                    .activation(cnn.batchNormalization() ? Activation.IDENTITY : Activation.RELU).build());
            if (cnn.batchNormalization()) {
                // Normalise before the non-linearity (Ioffe and Szegedy). The ReLU is a layer of its own: DL4J
                // M2's BatchNormalization ignores the activation it is given (its output stays negative).
                layers.layer(new BatchNormalization.Builder().activation(Activation.IDENTITY).build());
                layers.layer(new ActivationLayer.Builder().activation(Activation.RELU).build());
            }
            layers.layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2)
                    .stride(2, 2).build());
            if (cnn.dropout() > 0) {
                layers.layer(new DropoutLayer.Builder(1.0 - cnn.dropout()).build());
            }
        }
        // The curated table holds flat vectors; DL4J reshapes them to height x width x channels.
        layers.setInputType(InputType.convolutionalFlat(a.height(), a.width(), a.channels()));
    }

    /** Patch embedding, transformer blocks, then the mean over tokens. */
    private static void addAttention(NeuralNetConfiguration.ListBuilder layers, Architecture a, int inputs) {
        Architecture.Attention at = a.attention();
        int[] patch = a.patch();
        layers.layer(new TokenEmbedding(a.height(), a.width(), a.channels(), patch[0], patch[1], at.width()));
        for (int block = 0; block < at.depth(); block++) {
            if (at.dropout() > 0) {
                // DL4J applies a layer's dropout only while training; SameDiff layers ignore it, so the
                // residual stream is dropped between the blocks instead.
                layers.layer(new DropoutLayer.Builder(1.0 - at.dropout()).build());
            }
            layers.layer(new TransformerBlock(at.width(), at.heads(), at.feedForward(),
                    block == at.depth() - 1));
        }
        // The mean over tokens: every token speaks for the image, whatever its position.
        layers.layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build());
        // Flat input, as the MLP's: the embedding cuts the image into tokens itself.
        layers.setInputType(InputType.feedForward(inputs));
    }

    /** The dense hidden layers of {@code train.mlp.hidden-layers}, after whatever the architecture put first. */
    private static void addHidden(NeuralNetConfiguration.ListBuilder layers, TrainSettings s) {
        for (int width : s.hiddenLayers()) {
            DenseLayer.Builder dense = new DenseLayer.Builder().nOut(width).activation(activation(s));
            if (s.dropout() > 0) {
                // DL4J's dropout parameter is the probability of keeping an input.
                dense.dropOut(1.0 - s.dropout());
            }
            layers.layer(dense.build());
        }
    }

    /** An initialised network of the configured kind. */
    public static MultiLayerNetwork network(TrainSettings s, int inputs, int classes) {
        return network(s, inputs, classes, null);
    }

    /** An initialised network whose loss weights each class by {@code classWeights} (null: unweighted). */
    public static MultiLayerNetwork network(TrainSettings s, int inputs, int classes, double[] classWeights) {
        MultiLayerNetwork net = new MultiLayerNetwork(build(s, inputs, classes, classWeights));
        net.init();
        return net;
    }

    private static Activation activation(TrainSettings s) {
        return Activation.fromString(s.activation());
    }
}
