package io.streamtrain.train;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.AdaGrad;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.RmsProp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Builds DL4J network configurations from {@link TrainSettings}. */
public final class Models {

    private Models() {
    }

    /** An MLP: the configured hidden layers, then a softmax output over {@code classes}. */
    public static MultiLayerConfiguration mlp(TrainSettings s, int inputs, int classes) {
        NeuralNetConfiguration.ListBuilder layers = new NeuralNetConfiguration.Builder()
                .seed(s.seed())
                .updater(updater(s))
                .weightInit(WeightInit.XAVIER)
                .l2(s.l2())
                .list();
        int in = inputs;
        for (int width : s.hiddenLayers()) {
            DenseLayer.Builder dense = new DenseLayer.Builder().nIn(in).nOut(width).activation(activation(s));
            if (s.dropout() > 0) {
                // DL4J's dropout parameter is the probability of keeping an input.
                dense.dropOut(1.0 - s.dropout());
            }
            layers.layer(dense.build());
            in = width;
        }
        layers.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .nIn(in).nOut(classes).activation(Activation.SOFTMAX).build());
        return layers.build();
    }

    static IUpdater updater(TrainSettings s) {
        double lr = s.learningRate();
        return switch (s.updater()) {
            case SGD -> new Sgd(lr);
            case NESTEROVS -> new Nesterovs(lr, 0.9);
            case ADAM -> new Adam(lr);
            case ADAGRAD -> new AdaGrad(lr);
            case RMSPROP -> new RmsProp(lr);
        };
    }

    private static Activation activation(TrainSettings s) {
        return Activation.fromString(s.activation());
    }
}
