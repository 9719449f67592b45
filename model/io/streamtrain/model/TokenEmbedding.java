package io.streamtrain.model;

import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;

/**
 * The attention classifier's first layer: cuts each flat image into tokens, projects every token to the model's
 * width with one learned matrix and bias, and adds a learned embedding of the token's position.
 *
 * <p>It reads the flat feature vectors the curated table holds (channel-major, as DL4J's
 * {@code InputType.convolutionalFlat}), so minibatches, the scorer and evaluation treat it like the MLP and CNN. Its
 * output is DL4J's recurrent layout {@code [minibatch, width, tokens]}, which {@link TransformerBlock} and
 * {@code GlobalPoolingLayer} read. Token t covers patch t of the image in row-major order; a patch's values are
 * ordered row, column, channel. DL4J has no layer that adds a learned per-position parameter, hence a
 * SameDiff layer. Fields have setters and a no-argument constructor because DL4J stores layer configurations as JSON.
 */
public class TokenEmbedding extends SegmentedLayer {

    public static final String PROJECTION = "W";
    public static final String BIAS = "b";
    public static final String POSITIONS = "pos";

    private int height;
    private int imageWidth;
    private int channels;
    private int patchHeight;
    private int patchWidth;
    private int nOut;
    private boolean positions = true;

    /** For DL4J's JSON deserialisation. */
    public TokenEmbedding() {
    }

    /**
     * @param height      image rows
     * @param imageWidth  image columns
     * @param channels    image channels
     * @param patchHeight rows per token; must divide {@code height}
     * @param patchWidth  columns per token; must divide {@code imageWidth}
     * @param nOut        the model's width
     */
    public TokenEmbedding(int height, int imageWidth, int channels, int patchHeight, int patchWidth, int nOut) {
        this.height = height;
        this.imageWidth = imageWidth;
        this.channels = channels;
        this.patchHeight = patchHeight;
        this.patchWidth = patchWidth;
        this.nOut = nOut;
    }

    /** Tokens per image. */
    public int tokens() {
        return (height / patchHeight) * (imageWidth / patchWidth);
    }

    /** Values per token before the projection. */
    public int tokenSize() {
        return patchHeight * patchWidth * channels;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.recurrent(nOut, tokens());
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        // The input size follows from the image's shape, fixed when the layer is built.
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.clear();
        params.addWeightParam(PROJECTION, tokenSize(), nOut);
        params.addBiasParam(BIAS, 1, nOut);
        if (positions) {
            // Positions are not decayed by L2, like biases.
            params.addBiasParam(POSITIONS, tokens(), nOut);
        }
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        WeightInit init = weightInit == null ? WeightInit.XAVIER : weightInit;
        init.getWeightInitFunction().init(tokenSize(), nOut, new long[]{tokenSize(), nOut}, 'c',
                params.get(PROJECTION));
        params.get(BIAS).assign(0);
        if (positions) {
            // Small random positions (as BERT and ViT start them): the tokens start distinguishable by place.
            params.get(POSITIONS).assign(Nd4j.randn(params.get(POSITIONS).dataType(), tokens(), nOut).muli(0.02));
        }
    }

    /** One segment: nothing in the embedding feeds two operations. */
    @Override
    ExactGradientLayer.Backward backward() {
        List<String> names = positions ? List.of(PROJECTION, BIAS, POSITIONS) : List.of(PROJECTION, BIAS);
        Segment embed = new Segment((sd, in, p) -> defineLayer(sd, in.get("x"), p, null), names, 3, "x");
        return new ExactGradientLayer.Backward() {
            @Override
            public INDArray forward(INDArray input, Map<String, INDArray> params) {
                return embed.output(Map.of("x", input), params);
            }

            @Override
            public INDArray backprop(INDArray input, INDArray epsilon, Map<String, INDArray> params,
                                     Map<String, INDArray> paramGradients) {
                return embed.gradients(Map.of("x", input), epsilon, params, paramGradients).get("x");
            }
        };
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable input, Map<String, SDVariable> params, SDVariable mask) {
        int rows = height / patchHeight;
        int columns = imageWidth / patchWidth;
        // [n, c, h, w] as [n, c, rows, patchHeight, columns, patchWidth], then patches in row-major order, each
        // patch's values row, column, channel.
        SDVariable patches = sd.reshape(input, -1, channels, rows, patchHeight, columns, patchWidth)
                .permute(0, 2, 4, 3, 5, 1);
        SDVariable flat = sd.reshape(patches, -1, tokenSize());
        SDVariable projected = sd.mmul(flat, params.get(PROJECTION)).add(params.get(BIAS));
        SDVariable tokens = sd.reshape(projected, -1, tokens(), nOut);
        if (positions) {
            tokens = tokens.add(sd.reshape(params.get(POSITIONS), 1, tokens(), nOut));
        }
        return tokens.permute(0, 2, 1);
    }

    public int getHeight() {
        return height;
    }

    public void setHeight(int height) {
        this.height = height;
    }

    public int getImageWidth() {
        return imageWidth;
    }

    public void setImageWidth(int imageWidth) {
        this.imageWidth = imageWidth;
    }

    public int getChannels() {
        return channels;
    }

    public void setChannels(int channels) {
        this.channels = channels;
    }

    public int getPatchHeight() {
        return patchHeight;
    }

    public void setPatchHeight(int patchHeight) {
        this.patchHeight = patchHeight;
    }

    public int getPatchWidth() {
        return patchWidth;
    }

    public void setPatchWidth(int patchWidth) {
        this.patchWidth = patchWidth;
    }

    /**
     * Whether the layer adds learned positions (the default). Without them everything after it sees the tokens as a
     * set: the tests use that to show what positions add.
     */
    public boolean isPositions() {
        return positions;
    }

    public void setPositions(boolean positions) {
        this.positions = positions;
    }

    public int getNOut() {
        return nOut;
    }

    public void setNOut(int nOut) {
        this.nOut = nOut;
    }
}
