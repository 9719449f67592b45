package io.streamtrain.train;

import io.streamtrain.model.Networks;
import io.streamtrain.model.Architecture;
import io.streamtrain.model.Minibatches;
import io.streamtrain.model.TokenEmbedding;
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
        assertThat(Networks.timeSteps(net, 784)).isEqualTo(steps);
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
        assertThat(layerNames(cnn).subList(0, 8)).containsExactly("ConvolutionLayer", "BatchNormalization",
                "ActivationLayer", "SubsamplingLayer", "ConvolutionLayer", "BatchNormalization", "ActivationLayer",
                "SubsamplingLayer");
        assertThat(((ConvolutionLayer) cnn.getConf(0).getLayer()).getActivationFn()).hasToString("identity");
        // What the network computes: normalised maps take both signs, and the ReLU after them none below zero. (In
        // training mode: at inference DL4J's ActivationLayer applies the ReLU in place, to the array it was given.)
        MultiLayerNetwork net = new MultiLayerNetwork(cnn);
        net.init();
        List<org.nd4j.linalg.api.ndarray.INDArray> acts = net.feedForward(Nd4j.rand(DataType.FLOAT, 4, 784), true);
        assertThat(acts.get(2).minNumber().doubleValue()).as("batch normalisation's output").isLessThan(0);
        assertThat(acts.get(3).minNumber().doubleValue()).as("after the ReLU").isGreaterThanOrEqualTo(0);
        assertThat(acts.get(3).maxNumber().doubleValue()).isGreaterThan(0);

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
        assertThat(layerNames(cnn).subList(0, 15)).containsExactly(
                "ConvolutionLayer", "BatchNormalization", "ActivationLayer", "SubsamplingLayer", "DropoutLayer",
                "ConvolutionLayer", "BatchNormalization", "ActivationLayer", "SubsamplingLayer", "DropoutLayer",
                "ConvolutionLayer", "BatchNormalization", "ActivationLayer", "SubsamplingLayer", "DropoutLayer");
        // 28 -> 14 -> 7 -> 3 with same padding: the first dense layer reads 3 x 3 x 16 activations.
        assertThat(((FeedForwardLayer) cnn.getConf(15).getLayer()).getNIn()).isEqualTo(3 * 3 * 16);
        MultiLayerNetwork net = new MultiLayerNetwork(cnn);
        net.init();
        assertThat(net.output(Nd4j.rand(DataType.FLOAT, 2, 784)).shape()).containsExactly(2, 10);

        // LeNet's valid 5x5: 28 -> 24 -> 12 -> 8 -> 4.
        MultiLayerConfiguration lenet = Models.build(settings("cnn"), 784, 10);
        assertThat(((FeedForwardLayer) lenet.getConf(8).getLayer()).getNIn()).isEqualTo(4 * 4 * 8);
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

    @Test
    void theAttentionModelCutsRowsOrPatchesIntoTokensAndKeepsTheirWidthThroughEveryBlock() {
        TrainSettings s = settings("attention", "train.attention.width=16", "train.attention.heads=2",
                "train.attention.depth=2", "train.attention.feed-forward=24", "train.attention.dropout=0.1");
        MultiLayerConfiguration conf = Models.build(s, 784, 10);
        assertThat(layerNames(conf).subList(0, 6)).containsExactly("TokenEmbedding", "DropoutLayer",
                "TransformerBlock", "DropoutLayer", "TransformerBlock", "GlobalPoolingLayer");
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        INDArray x = Nd4j.rand(DataType.FLOAT, 3, 784);
        List<INDArray> activations = net.feedForward(x, false);
        // Index 0 is the input: 28 row tokens of width 16, after the embedding and after each block.
        assertThat(activations.get(1).shape()).containsExactly(3, 16, 28);
        assertThat(activations.get(3).shape()).containsExactly(3, 16, 28);
        assertThat(activations.get(5).shape()).containsExactly(3, 16, 28);
        assertThat(activations.get(6).shape()).as("the mean over tokens").containsExactly(3, 16);
        assertThat(net.output(x).shape()).containsExactly(3, 10);
        // Embedding: 28 x 16 projection, bias, 28 x 16 positions. Block: layer norms, 4 projections of 16 x 16,
        // feed-forward 16 -> 24 -> 16; the last block has a final layer norm.
        assertThat(net.getLayer(0).numParams()).isEqualTo(28 * 16 + 16 + 28 * 16);
        long block = 2 * 2 * 16 + 4 * 16 * 16 + (16 * 24 + 24) + (24 * 16 + 16);
        assertThat(net.getLayer(2).numParams()).isEqualTo(block);
        assertThat(net.getLayer(4).numParams()).isEqualTo(block + 2 * 16);

        TrainSettings patches = settings("attention", "train.attention.sequence=patches", "train.attention.patch-size=7",
                "train.attention.width=16", "train.attention.heads=4", "train.attention.depth=1",
                "train.attention.dropout=0");
        MultiLayerNetwork patchNet = Models.network(patches, 784, 10);
        assertThat(patchNet.feedForward(x, false).get(1).shape()).as("16 patches of 7x7").containsExactly(3, 16, 16);
        assertThat(patchNet.getLayer(0).numParams()).isEqualTo(49 * 16 + 16 + 16 * 16);
        assertThat(patches.architecture().describe()).isEqualTo("self-attention 1 block, width 16, 4 heads, "
                + "feed-forward 128, over 16 7x7 patch tokens, then");
    }

    @Test
    void tokenTHoldsRowTOrPatchTInRowMajorOrder() {
        // A 4x4 image whose pixel (r, c) is 10r + c; an identity projection and zero positions show the raw tokens.
        float[] image = new float[16];
        for (int i = 0; i < 16; i++) {
            image[i] = 10 * (i / 4) + i % 4;
        }
        INDArray x = Nd4j.create(image, new long[]{1, 16}, DataType.FLOAT);

        INDArray rows = rawTokens(new TokenEmbedding(4, 4, 1, 1, 4, 4), x);
        assertThat(rows.shape()).containsExactly(1, 4, 4);
        // Token 2 (row 2) holds 20, 21, 22, 23.
        assertThat(rows.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.point(2)).toFloatVector()).containsExactly(20, 21, 22, 23);

        INDArray patches = rawTokens(new TokenEmbedding(4, 4, 1, 2, 2, 4), x);
        // Token 1 is the top-right 2x2 patch, read row by row: 2, 3, 12, 13; token 2 the bottom-left.
        assertThat(patches.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(1))
                .toFloatVector()).containsExactly(2, 3, 12, 13);
        assertThat(patches.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(2))
                .toFloatVector()).containsExactly(20, 21, 30, 31);
    }

    private static INDArray rawTokens(TokenEmbedding embedding, INDArray x) {
        MultiLayerNetwork net = new MultiLayerNetwork(new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder()
                .list()
                .layer(embedding)
                .layer(new org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer())
                .layer(new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder().nOut(2)
                        .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build())
                .setInputType(org.deeplearning4j.nn.conf.inputs.InputType.feedForward(16))
                .build());
        net.init();
        // DL4J's SameDiff layers check setParam's shape but do not copy the values: write into the views.
        net.getLayer(0).getParam(TokenEmbedding.PROJECTION).assign(Nd4j.eye(4));
        net.getLayer(0).getParam(TokenEmbedding.BIAS).assign(0);
        net.getLayer(0).getParam(TokenEmbedding.POSITIONS).assign(0);
        return net.feedForward(x, false).get(1);
    }

    @Test
    void anAttentionModelSurvivesDl4jsJsonAndModelSerializerWithItsOutputs() throws java.io.IOException {
        TrainSettings s = settings("attention", "train.attention.width=8", "train.attention.heads=2",
                "train.attention.sequence=patches", "train.attention.patch-size=14");
        MultiLayerConfiguration conf = Models.build(s, 784, 10);
        assertThat(MultiLayerConfiguration.fromJson(conf.toJson()).toJson()).isEqualTo(conf.toJson());

        MultiLayerNetwork net = Models.network(s, 784, 10);
        net.fit(Nd4j.rand(DataType.FLOAT, 4, 784), Nd4j.eye(10).getRows(0, 1, 2, 3).castTo(DataType.FLOAT));
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        org.deeplearning4j.util.ModelSerializer.writeModel(net, bytes, true);
        MultiLayerNetwork restored = org.deeplearning4j.util.ModelSerializer.restoreMultiLayerNetwork(
                new java.io.ByteArrayInputStream(bytes.toByteArray()), true);
        assertThat(restored.params()).isEqualTo(net.params());
        assertThat(restored.getUpdater().getStateViewArray()).isEqualTo(net.getUpdater().getStateViewArray());
        INDArray x = Nd4j.rand(DataType.FLOAT, 5, 784);
        assertThat(restored.output(x)).isEqualTo(net.output(x));
        assertThat(Networks.timeSteps(restored, 784)).as("flat input, as the MLP's").isZero();
    }

    /** What a compressed copy and an explanation's twin rely on; DL4J M2's own SameDiff layer set nothing. */
    @Test
    void settingAnAttentionParameterByNameSetsItsValues() {
        TrainSettings s = settings("attention", "train.attention.width=8", "train.attention.heads=2",
                "train.attention.depth=2");
        MultiLayerNetwork trained = Models.network(s, 784, 10);
        MultiLayerNetwork other = Models.network(settings("attention", "train.attention.width=8",
                "train.attention.heads=2", "train.attention.depth=2", "train.seed=7"), 784, 10);
        assertThat(other.params()).isNotEqualTo(trained.params());
        trained.paramTable().forEach(other::setParam);
        assertThat(other.params()).isEqualTo(trained.params());
        INDArray x = Nd4j.rand(DataType.FLOAT, 3, 784);
        assertThat(other.output(x)).isEqualTo(trained.output(x));
    }

    @Test
    void attentionSettingsAreRefusedByName() {
        assertThatThrownBy(() -> settings("attention", "train.attention.width=30", "train.attention.heads=4"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("train.attention.heads");
        assertThatThrownBy(() -> settings("attention", "train.attention.sequence=patches",
                "train.attention.patch-size=5"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("train.attention.patch-size")
                .hasMessageContaining("28x28");
        assertThatThrownBy(() -> settings("attention", "train.attention.sequence=columns"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("train.attention.sequence");
        assertThatThrownBy(() -> settings("attention", "train.attention.dropout=1"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("train.attention.dropout");
    }
}
