package io.streamtrain.train;

import io.streamtrain.core.ConfigException;
import io.streamtrain.core.ConfigLoader;
import io.streamtrain.jobs.AppConfig;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every configured architecture builds, reads Fashion-MNIST-shaped input, and outputs class probabilities. */
class ModelsTest {

    private static TrainSettings settings(String model, String... more) {
        List<String> overrides = new java.util.ArrayList<>(List.of("train.model=" + model,
                "train.mlp.hidden-layers=[16]", "train.cnn.filters=[4, 8]", "train.lstm.units=8"));
        overrides.addAll(List.of(more));
        return AppConfig.from(ConfigLoader.load(null, overrides)).train();
    }

    @ParameterizedTest
    @EnumSource(Architecture.Kind.class)
    void buildsAndPredicts(Architecture.Kind kind) {
        TrainSettings s = settings(kind.name().toLowerCase());
        MultiLayerNetwork net = Models.network(s, 784, 10);
        int steps = s.architecture().timeSteps();
        assertThat(Models.timeSteps(net, 784)).isEqualTo(steps);
        INDArray x = Minibatches.shape(Nd4j.rand(DataType.FLOAT, 5, 784), steps);
        INDArray probabilities = net.output(x);
        assertThat(probabilities.shape()).containsExactly(5, 10);
        for (double p : probabilities.sum(1).toDoubleVector()) {
            assertThat(p).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-4));
        }
    }

    @Test
    void theCnnNormalisesEachConvolutionBeforeItsReluUnlessToldNotTo() {
        MultiLayerConfiguration cnn = Models.build(settings("cnn"), 784, 10);
        assertThat(layerNames(cnn).subList(0, 6)).containsExactly("ConvolutionLayer", "BatchNormalization",
                "SubsamplingLayer", "ConvolutionLayer", "BatchNormalization", "SubsamplingLayer");
        assertThat(((ConvolutionLayer) cnn.getConf(0).getLayer()).getActivationFn()).hasToString("identity");
        assertThat(((BatchNormalization) cnn.getConf(1).getLayer()).getActivationFn()).hasToString("relu");

        List<String> plain = layerNames(Models.build(settings("cnn", "train.cnn.batch-normalization=false"), 784, 10));
        assertThat(plain.subList(0, 4)).containsExactly("ConvolutionLayer", "SubsamplingLayer", "ConvolutionLayer",
                "SubsamplingLayer");
        assertThat(plain).doesNotContain("BatchNormalization");
    }

    private static List<String> layerNames(MultiLayerConfiguration conf) {
        return conf.getConfs().stream().map(c -> c.getLayer().getClass().getSimpleName()).toList();
    }

    @Test
    void sequenceLayoutPutsImageRowTAtStepT() {
        float[] image = new float[6];
        for (int i = 0; i < 6; i++) {
            image[i] = i;
        }
        // Two rows of three pixels: step 0 is row 0 (0, 1, 2), step 1 is row 1 (3, 4, 5).
        INDArray seq = Minibatches.shape(Nd4j.create(image, new long[]{1, 6}, DataType.FLOAT), 2);
        assertThat(seq.shape()).containsExactly(1, 3, 2);
        assertThat(seq.getFloat(0, 2, 0)).isEqualTo(2f);
        assertThat(seq.getFloat(0, 0, 1)).isEqualTo(3f);
    }

    @Test
    void imageLayoutMustMatchTheFeatureCount() {
        // Refused when the configuration is loaded, before any stage starts.
        assertThatThrownBy(() -> settings("cnn", "train.image.height=27"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("schema.feature-count (784)");
    }

    @Test
    void sameConvolutionsKeepTheImageSizeAndDropoutFollowsEachPooling() {
        TrainSettings s = settings("cnn", "train.cnn.filters=[4, 8, 16]", "train.cnn.kernel-size=3",
                "train.cnn.padding=same", "train.cnn.dropout=0.25");
        MultiLayerConfiguration cnn = Models.build(s, 784, 10);
        assertThat(layerNames(cnn).subList(0, 12)).containsExactly(
                "ConvolutionLayer", "BatchNormalization", "SubsamplingLayer", "DropoutLayer",
                "ConvolutionLayer", "BatchNormalization", "SubsamplingLayer", "DropoutLayer",
                "ConvolutionLayer", "BatchNormalization", "SubsamplingLayer", "DropoutLayer");
        // 28 -> 14 -> 7 -> 3 with same padding: the first dense layer reads 3 x 3 x 16 activations.
        assertThat(((FeedForwardLayer) cnn.getConf(12).getLayer()).getNIn()).isEqualTo(3 * 3 * 16);
        MultiLayerNetwork net = new MultiLayerNetwork(cnn);
        net.init();
        assertThat(net.output(Nd4j.rand(DataType.FLOAT, 2, 784)).shape()).containsExactly(2, 10);

        // LeNet's valid 5x5: 28 -> 24 -> 12 -> 8 -> 4.
        MultiLayerConfiguration lenet = Models.build(settings("cnn"), 784, 10);
        assertThat(((FeedForwardLayer) lenet.getConf(6).getLayer()).getNIn()).isEqualTo(4 * 4 * 8);
    }

    @Test
    void blocksThatLeaveNoImageAreRefusedByName() {
        assertThatThrownBy(() -> settings("cnn", "train.cnn.filters=[4, 8, 16]"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("train.cnn.filters")
                .hasMessageContaining("3 blocks of valid 5x5 convolutions");
        assertThatThrownBy(() -> settings("cnn", "train.cnn.dropout=1"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("train.cnn.dropout");
        assertThatThrownBy(() -> settings("cnn", "train.cnn.padding=full"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("train.cnn.padding");
    }
}
