package io.streamtrain.train;

import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;

import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * One pre-norm transformer encoder block over DL4J's recurrent layout {@code [minibatch, width, tokens]}:
 * {@code x + attention(norm(x))}, then {@code x + feedForward(norm(x))}, and, if it is the last block, a final layer
 * normalisation.
 *
 * <p>The attention is SameDiff's {@code multiHeadDotProductAttention}, the op behind DL4J's own
 * {@code SelfAttentionLayer} (scaled, with query, key, value and output projections). That layer has no residual
 * connection or layer normalisation, and a {@code MultiLayerNetwork} cannot add a residual around a layer, so the
 * whole block is one SameDiff layer. The feed-forward layer is position-wise: the same two dense layers with a GELU
 * between them for every token.
 */
public class TransformerBlock extends SameDiffLayer {

    private int width;
    private int heads;
    private int feedForward;
    private int tokens;
    private boolean finalNorm;

    /** For DL4J's JSON deserialisation. */
    public TransformerBlock() {
    }

    /**
     * @param width       the model's width: input and output size of every token
     * @param heads       attention heads; must divide {@code width}
     * @param feedForward hidden units of the position-wise feed-forward layer
     * @param finalNorm   whether a layer normalisation follows the block (the last block of a pre-norm stack)
     */
    public TransformerBlock(int width, int heads, int feedForward, boolean finalNorm) {
        this.width = width;
        this.heads = heads;
        this.feedForward = feedForward;
        this.finalNorm = finalNorm;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.recurrent(width, requireTokens(inputType, layerIndex));
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        tokens = (int) requireTokens(inputType, -1);
    }

    private long requireTokens(InputType inputType, int layerIndex) {
        if (!(inputType instanceof InputType.InputTypeRecurrent r) || r.getSize() != width || r.getTimeSeriesLength() <= 0) {
            throw new IllegalStateException("transformer block (layer " + layerIndex + ") needs tokens of width "
                    + width + " with a known count, got " + inputType);
        }
        return r.getTimeSeriesLength();
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    /**
     * No underscores in parameter names: DL4J keys gradients as layer index, underscore, name ({@code 1_W}), and a
     * name with an underscore of its own failed in its updater ({@code BaseMultiLayerUpdater.preApply}) under
     * parameter averaging.
     */
    @Override
    public void defineParameters(SDLayerParams params) {
        params.clear();
        int headSize = width / heads;
        params.addBiasParam("ln1g", 1, width);
        params.addBiasParam("ln1b", 1, width);
        params.addWeightParam("Wq", heads, headSize, width);
        params.addWeightParam("Wk", heads, headSize, width);
        params.addWeightParam("Wv", heads, headSize, width);
        params.addWeightParam("Wo", (long) heads * headSize, width);
        params.addBiasParam("ln2g", 1, width);
        params.addBiasParam("ln2b", 1, width);
        params.addWeightParam("W1", width, feedForward);
        params.addBiasParam("b1", 1, feedForward);
        params.addWeightParam("W2", feedForward, width);
        params.addBiasParam("b2", 1, width);
        if (finalNorm) {
            params.addBiasParam("ln3g", 1, width);
            params.addBiasParam("ln3b", 1, width);
        }
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        WeightInit init = weightInit == null ? WeightInit.XAVIER : weightInit;
        for (Map.Entry<String, INDArray> p : params.entrySet()) {
            String key = p.getKey();
            INDArray view = p.getValue();
            if (key.startsWith("ln") && key.endsWith("g")) {
                view.assign(1);
            } else if (key.startsWith("ln") || key.startsWith("b")) {
                view.assign(0);
            } else {
                long[] shape = view.shape();
                // Projections map the last axis (or the first, for Wo, W1, W2) onto the rest.
                double fanIn = shape.length == 3 ? shape[2] : shape[0];
                double fanOut = shape.length == 3 ? shape[0] * shape[1] : shape[1];
                init.getWeightInitFunction().init(fanIn, fanOut, shape, 'c', view);
            }
        }
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        SDVariable h = norm(sd, x, p, "ln1");
        SDVariable attended = sd.nn.multiHeadDotProductAttention(h, h, h, p.get("Wq"), p.get("Wk"), p.get("Wv"),
                p.get("Wo"), mask, true);
        x = x.add(attended);

        h = norm(sd, x, p, "ln2");
        // Position-wise: every token of every example through the same two dense layers.
        SDVariable perToken = sd.reshape(h.permute(0, 2, 1), -1, width);
        SDVariable hidden = sd.nn.gelu(sd.mmul(perToken, p.get("W1")).add(p.get("b1")));
        SDVariable out = sd.mmul(hidden, p.get("W2")).add(p.get("b2"));
        x = x.add(sd.reshape(out, -1, tokens, width).permute(0, 2, 1));
        return finalNorm ? norm(sd, x, p, "ln3") : x;
    }

    /** Layer normalisation over each token's {@code width} values. */
    private SDVariable norm(SameDiff sd, SDVariable x, Map<String, SDVariable> p, String name) {
        return sd.nn.layerNorm(x, sd.reshape(p.get(name + "g"), width), sd.reshape(p.get(name + "b"), width),
                true, 1);
    }

    public int getWidth() {
        return width;
    }

    public void setWidth(int width) {
        this.width = width;
    }

    public int getHeads() {
        return heads;
    }

    public void setHeads(int heads) {
        this.heads = heads;
    }

    public int getFeedForward() {
        return feedForward;
    }

    public void setFeedForward(int feedForward) {
        this.feedForward = feedForward;
    }

    public int getTokens() {
        return tokens;
    }

    public void setTokens(int tokens) {
        this.tokens = tokens;
    }

    public boolean isFinalNorm() {
        return finalNorm;
    }

    public void setFinalNorm(boolean finalNorm) {
        this.finalNorm = finalNorm;
    }
}
