package io.streamtrain.model;

import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;

/**
 * One pre-norm transformer encoder block over DL4J's recurrent layout {@code [minibatch, width, tokens]}:
 * {@code x + attention(norm(x))}, then {@code x + feedForward(norm(x))}, and, if it is the last block, a final layer
 * normalisation.
 *
 * <p>The attention is what DL4J's own {@code SelfAttentionLayer} computes (scaled dot products with query, key,
 * value and output projections), written out in SameDiff ops. That layer has no residual connection or layer
 * normalisation, a {@code MultiLayerNetwork} cannot add a residual around a layer, and its op's gradients were wrong
 * in M2 (see {@link #attention}), so the whole block is one SameDiff layer. The feed-forward layer is position-wise:
 * the same two dense layers with a GELU between them for every token. At inference DL4J runs the block as one
 * SameDiff graph; training runs {@link #backward()}, because SameDiff M2 differentiates the residual connections
 * wrongly.
 */
public class TransformerBlock extends SegmentedLayer {

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
        if (!(inputType instanceof InputType.InputTypeRecurrent r) || r.getSize() != width
                || r.getTimeSeriesLength() <= 0) {
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
        // Each projection holds all heads side by side: columns h * headSize to (h + 1) * headSize are head h's.
        params.addWeightParam("Wq", width, (long) heads * headSize);
        params.addWeightParam("Wk", width, (long) heads * headSize);
        params.addWeightParam("Wv", width, (long) heads * headSize);
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
                init.getWeightInitFunction().init(shape[0], shape[1], shape, 'c', view);
            }
        }
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        SDVariable h = norm(sd, x, p, "ln1");
        x = x.add(attention(sd, h, h, h, p));
        x = x.add(feedForward(sd, x, p));
        return finalNorm ? norm(sd, x, p, "ln3") : x;
    }

    /**
     * The block cut where it forks (see {@link Segment}): the first normalisation, the attention (its query, key and
     * value inputs separate), the feed-forward branch with its normalisation, and the final normalisation. The
     * residual connections and the three uses of the normalised input add their gradients here.
     */
    @Override
    ExactGradientLayer.Backward backward() {
        Segment norm1 = new Segment((sd, in, p) -> norm(sd, in.get("x"), p, "ln1"), List.of("ln1g", "ln1b"), 3, "x");
        Segment attend = new Segment((sd, in, p) -> attention(sd, in.get("q"), in.get("k"), in.get("v"), p),
                List.of("Wq", "Wk", "Wv", "Wo"), 3, "q", "k", "v");
        Segment feed = new Segment((sd, in, p) -> feedForward(sd, in.get("x"), p),
                List.of("ln2g", "ln2b", "W1", "b1", "W2", "b2"), 3, "x");
        Segment norm3 = finalNorm
                ? new Segment((sd, in, p) -> norm(sd, in.get("x"), p, "ln3"), List.of("ln3g", "ln3b"), 3, "x")
                : null;
        return new ExactGradientLayer.Backward() {
            private INDArray h;
            private INDArray x1;
            private INDArray x2;

            @Override
            public INDArray forward(INDArray x, Map<String, INDArray> params) {
                h = norm1.output(Map.of("x", x), params);
                x1 = x.add(attend.output(Map.of("q", h, "k", h, "v", h), params));
                x2 = x1.add(feed.output(Map.of("x", x1), params));
                return norm3 == null ? x2 : norm3.output(Map.of("x", x2), params);
            }

            @Override
            public INDArray backprop(INDArray x, INDArray epsilon, Map<String, INDArray> params,
                                     Map<String, INDArray> paramGradients) {
                INDArray x2Gradient = norm3 == null ? epsilon
                        : norm3.gradients(Map.of("x", x2), epsilon, params, paramGradients).get("x");
                INDArray x1Gradient = x2Gradient.add(
                        feed.gradients(Map.of("x", x1), x2Gradient, params, paramGradients).get("x"));
                Map<String, INDArray> attended = attend.gradients(Map.of("q", h, "k", h, "v", h), x1Gradient,
                        params, paramGradients);
                INDArray hGradient = attended.get("q").add(attended.get("k")).addi(attended.get("v"));
                return x1Gradient.add(norm1.gradients(Map.of("x", x), hGradient, params, paramGradients).get("x"));
            }

            @Override
            public void release() {
                h = null;
                x1 = null;
                x2 = null;
            }
        };
    }

    /** The position-wise feed-forward branch: every token of every example through the same two dense layers. */
    private SDVariable feedForward(SameDiff sd, SDVariable x, Map<String, SDVariable> p) {
        SDVariable h = norm(sd, x, p, "ln2");
        SDVariable hidden = sd.nn.gelu(sd.mmul(perToken(sd, h), p.get("W1")).add(p.get("b1")));
        return asTokens(sd, sd.mmul(hidden, p.get("W2")).add(p.get("b2")));
    }

    /**
     * Scaled dot-product self-attention with {@link #heads} heads: {@code softmax(Q K^T / sqrt(headSize)) V} per head,
     * the heads concatenated and projected by {@code Wo}; query, key and value are projections of {@code q}, {@code k}
     * and {@code v}, which are the same normalised tokens. Built from matrix products and a softmax because the
     * gradients of SameDiff's fused {@code multiHeadDotProductAttention} op did not match finite differences in M2
     * (zero for the query, key and value projections in the finite-difference check of
     * {@code AttentionGradientTest}).
     */
    private SDVariable attention(SameDiff sd, SDVariable qIn, SDVariable kIn, SDVariable vIn,
                                 Map<String, SDVariable> p) {
        SDVariable q = heads(sd, sd.mmul(perToken(sd, qIn), p.get("Wq")));
        SDVariable k = heads(sd, sd.mmul(perToken(sd, kIn), p.get("Wk")));
        SDVariable v = heads(sd, sd.mmul(perToken(sd, vIn), p.get("Wv")));
        // [n, heads, tokens, tokens]: how much each token (row) attends to each other token (column).
        SDVariable scores = sd.mmul(q, k, false, true, false).mul(1.0 / Math.sqrt(width / (double) heads));
        SDVariable weights = sd.nn.softmax(scores, 3);
        SDVariable attended = sd.mmul(weights, v, false, false, false);
        // Back to one row per token with the heads side by side, then the output projection.
        SDVariable concatenated = sd.reshape(attended.permute(0, 2, 1, 3), -1, width);
        return asTokens(sd, sd.mmul(concatenated, p.get("Wo")));
    }

    /** {@code [n, width, tokens]} as one row per token, {@code [n * tokens, width]}. */
    private SDVariable perToken(SameDiff sd, SDVariable x) {
        return sd.reshape(x.permute(0, 2, 1), -1, width);
    }

    /** The inverse of {@link #perToken}. */
    private SDVariable asTokens(SameDiff sd, SDVariable rows) {
        return sd.reshape(rows, -1, tokens, width).permute(0, 2, 1);
    }

    /** {@code [n * tokens, width]} split into heads: {@code [n, heads, tokens, headSize]}. */
    private SDVariable heads(SameDiff sd, SDVariable rows) {
        return sd.reshape(rows, -1, tokens, heads, width / heads).permute(0, 2, 1, 3);
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
