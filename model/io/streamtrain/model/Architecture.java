package io.streamtrain.model;

import io.streamtrain.core.ConfigException;
import io.streamtrain.core.Settings;
import org.deeplearning4j.nn.conf.ConvolutionMode;

import java.io.Serializable;
import java.util.List;
import java.util.Locale;

/**
 * Which network to build, and how its input is laid out.
 *
 * @param kind      mlp, cnn, lstm or attention
 * @param height    image rows; the LSTM reads one row per time step
 * @param width     image columns
 * @param channels  image channels
 * @param cnn       the CNN's convolution blocks
 * @param lstmUnits units of the LSTM layer
 * @param attention the self-attention classifier's tokens and blocks
 */
public record Architecture(Kind kind, int height, int width, int channels, Cnn cnn, int lstmUnits,
                           Attention attention) implements Serializable {

    /** The same with the default self-attention settings ({@link Attention#DEFAULT}). */
    public Architecture(Kind kind, int height, int width, int channels, Cnn cnn, int lstmUnits) {
        this(kind, height, width, channels, cnn, lstmUnits, Attention.DEFAULT);
    }

    public static final String MODEL = "train.model";
    public static final String HEIGHT = "train.image.height";
    public static final String WIDTH = "train.image.width";
    public static final String CHANNELS = "train.image.channels";
    public static final String LSTM_UNITS = "train.lstm.units";

    /** The networks {@link Models} builds. */
    public enum Kind {
        /** Dense layers over the flat feature vector. */
        MLP,
        /** Convolution blocks (convolution, optional batch normalisation, ReLU, 2x2 max pooling), then dense layers. */
        CNN,
        /** An LSTM over the image's rows as time steps; its last output feeds the dense layers. */
        LSTM,
        /**
         * A transformer encoder over the image cut into tokens (rows or square patches): a learned projection plus
         * learned positions, {@link Attention#depth()} pre-norm blocks of multi-head self-attention and a feed-forward
         * layer, each with a residual connection; the tokens' mean feeds the dense layers.
         */
        ATTENTION
    }

    /** How the self-attention classifier cuts an image into tokens. */
    public enum Tokens {
        /** One token per image row: {@code height} tokens of {@code width x channels} values. */
        ROWS,
        /** One token per {@code patch-size} square: {@code (height / p) x (width / p)} tokens of p x p x channels. */
        PATCHES
    }

    /**
     * The self-attention classifier ({@link Kind#ATTENTION}).
     *
     * @param tokens      rows or square patches
     * @param patchSize   side of a square patch (tokens = patches); must divide the image's height and width
     * @param width       size each token is projected to, the model's width
     * @param heads       attention heads per block; must divide {@code width}
     * @param depth       transformer blocks
     * @param feedForward hidden units of each block's position-wise feed-forward layer
     * @param dropout     probability of dropping an activation after the embedding and after each block; 0 for none
     */
    public record Attention(Tokens tokens, int patchSize, int width, int heads, int depth, int feedForward,
                            double dropout) implements Serializable {

        // Not "tokens": Redaction masks every key whose name holds "token" as a possible secret.
        public static final String TOKENS = "train.attention.sequence";
        public static final String PATCH_SIZE = "train.attention.patch-size";
        public static final String WIDTH = "train.attention.width";
        public static final String HEADS = "train.attention.heads";
        public static final String DEPTH = "train.attention.depth";
        public static final String FEED_FORWARD = "train.attention.feed-forward";
        public static final String DROPOUT = "train.attention.dropout";

        /** Rows as tokens, width 64, 4 heads, 1 block with a feed-forward layer of 128, no dropout. */
        public static final Attention DEFAULT = new Attention(Tokens.ROWS, 4, 64, 4, 1, 128, 0);

        public Attention {
            if (patchSize < 1) {
                throw new ConfigException(PATCH_SIZE, patchSize, "must be a positive integer");
            }
            if (width < 1 || heads < 1 || depth < 1 || feedForward < 1) {
                throw new ConfigException(WIDTH, width + ", heads " + heads + ", depth " + depth + ", feed-forward "
                        + feedForward, "train.attention width, heads, depth and feed-forward must be positive");
            }
            if (width % heads != 0) {
                throw new ConfigException(HEADS, heads, "must divide train.attention.width (" + width
                        + ") so that every head gets the same share of it");
            }
            if (!(dropout >= 0 && dropout < 1)) {
                throw new ConfigException(DROPOUT, dropout, "must be a probability in [0, 1)");
            }
        }

        static Attention from(Settings s) {
            return new Attention(s.oneOf(TOKENS, Tokens.class), s.positiveInt(PATCH_SIZE), s.positiveInt(WIDTH),
                    s.positiveInt(HEADS), s.positiveInt(DEPTH), s.positiveInt(FEED_FORWARD),
                    s.doubleInRange(DROPOUT, 0, 1));
        }

        /** Rows and columns of one token's patch in an image of {@code height} x {@code width}. */
        int[] patch(int imageWidth) {
            return tokens == Tokens.ROWS ? new int[]{1, imageWidth} : new int[]{patchSize, patchSize};
        }

        /** For logs and benchmarks, e.g. {@code 2 blocks, width 64, 4 heads, feed-forward 128, over 28 row tokens}. */
        String describe(int tokenCount) {
            return depth + (depth == 1 ? " block" : " blocks") + ", width " + width + ", " + heads + " heads, "
                    + "feed-forward " + feedForward + (dropout > 0 ? ", dropout " + dropout : "") + ", over "
                    + tokenCount + (tokens == Tokens.ROWS ? " row tokens" : " " + patchSize + "x" + patchSize
                    + " patch tokens");
        }
    }

    /** How a convolution treats the image's border. */
    public enum Padding {
        /** No padding: a k x k convolution shrinks each side by k - 1 (LeNet). */
        VALID(ConvolutionMode.Truncate),
        /** Zero padding that keeps the image's size. */
        SAME(ConvolutionMode.Same);

        private final ConvolutionMode dl4j;

        Padding(ConvolutionMode dl4j) {
            this.dl4j = dl4j;
        }

        public ConvolutionMode dl4j() {
            return dl4j;
        }
    }

    /**
     * The CNN's convolution blocks: one per entry of {@code filters}, each a {@code kernelSize} square convolution,
     * batch normalisation before the ReLU if asked, 2x2 max pooling, and dropout of the pooled maps if asked.
     *
     * @param filters            filters of each block's convolution
     * @param kernelSize         side of the square convolution kernels
     * @param padding            valid (no padding) or same
     * @param batchNormalization whether each convolution is batch-normalised before its ReLU
     * @param dropout            probability of dropping a pooled activation; 0 disables it
     */
    public record Cnn(List<Integer> filters, int kernelSize, Padding padding, boolean batchNormalization,
                      double dropout) implements Serializable {

        public static final String FILTERS = "train.cnn.filters";
        public static final String KERNEL_SIZE = "train.cnn.kernel-size";
        public static final String PADDING = "train.cnn.padding";
        public static final String BATCH_NORMALIZATION = "train.cnn.batch-normalization";
        public static final String DROPOUT = "train.cnn.dropout";

        /** LeNet's shape: two valid 5x5 convolutions with 20 and 50 filters, batch-normalised, no dropout. */
        public static final Cnn LENET = new Cnn(List.of(20, 50), 5, Padding.VALID, true, 0);

        public Cnn {
            filters = List.copyOf(filters);
            if (filters.isEmpty()) {
                throw new ConfigException(FILTERS, filters, "must list the filters of at least one convolution");
            }
            if (!(dropout >= 0 && dropout < 1)) {
                throw new ConfigException(DROPOUT, dropout, "must be a probability in [0, 1)");
            }
        }

        static Cnn from(Settings s) {
            return new Cnn(s.positiveInts(FILTERS), s.positiveInt(KERNEL_SIZE), s.oneOf(PADDING, Padding.class),
                    s.bool(BATCH_NORMALIZATION), s.doubleInRange(DROPOUT, 0, 1));
        }

        /** For logs and benchmarks, e.g. {@code [20, 50] 5x5 valid, batch-normalised}. */
        public String describe() {
            return filters + " " + kernelSize + "x" + kernelSize + " " + padding.name().toLowerCase(Locale.ROOT)
                    + (batchNormalization ? ", batch-normalised" : "") + (dropout > 0 ? ", dropout " + dropout : "");
        }

        /** The side of a {@code side} x {@code side} image after all blocks, or 0 when a block has nothing left. */
        int outputSide(int side) {
            for (int ignored : filters) {
                int convolved = padding == Padding.SAME ? side : side - kernelSize + 1;
                side = convolved < 2 ? 0 : convolved / 2;
            }
            return side;
        }
    }

    public static Architecture from(Settings s) {
        return new Architecture(s.oneOf(MODEL, Kind.class), s.positiveInt(HEIGHT), s.positiveInt(WIDTH),
                s.positiveInt(CHANNELS), Cnn.from(s), s.positiveInt(LSTM_UNITS), Attention.from(s));
    }

    public static Architecture mlp() {
        return new Architecture(Kind.MLP, 28, 28, 1, Cnn.LENET, 128);
    }

    /**
     * Checks that the image layout matches the feature vector (all but the MLP read it), that every CNN block
     * still has an image to pool, and that attention patches tile the image.
     */
    public void requireFits(int featureCount) {
        if (kind != Kind.MLP && height * width * channels != featureCount) {
            throw new ConfigException(HEIGHT, height + "x" + width + "x" + channels,
                    "train.image height x width x channels must equal schema.feature-count (" + featureCount + ")");
        }
        if (kind == Kind.CNN && cnn.outputSide(Math.min(height, width)) == 0) {
            throw new ConfigException(Cnn.FILTERS, cnn.filters(), cnn.filters().size() + " blocks of "
                    + cnn.padding().name().toLowerCase(Locale.ROOT) + " " + cnn.kernelSize() + "x" + cnn.kernelSize()
                    + " convolutions and 2x2 pooling leave nothing of a " + height + "x" + width
                    + " image; use fewer blocks, a smaller train.cnn.kernel-size or train.cnn.padding = same");
        }
        if (kind == Kind.ATTENTION && attention.tokens() == Tokens.PATCHES
                && (height % attention.patchSize() != 0 || width % attention.patchSize() != 0)) {
            throw new ConfigException(Attention.PATCH_SIZE, attention.patchSize(), "must divide the image's height "
                    + "and width (" + height + "x" + width + ") so that the patches tile it");
        }
    }

    /** Rows and columns of the image each attention token covers. */
    public int[] patch() {
        return attention.patch(width);
    }

    /** Tokens the attention classifier cuts an image into. */
    public int tokenCount() {
        int[] p = patch();
        return (height / p[0]) * (width / p[1]);
    }

    /** For logs and benchmarks: the kind, and the convolution blocks or LSTM units before the dense layers. */
    public String describe() {
        return switch (kind) {
            case MLP -> "MLP";
            case CNN -> "CNN " + cnn.describe() + ", then";
            case LSTM -> "LSTM " + lstmUnits + " units, then";
            case ATTENTION -> "self-attention " + attention.describe(tokenCount()) + ", then";
        };
    }

    /** Time steps of a sequence input, or 0 when the network takes flat vectors. */
    public int timeSteps() {
        return kind == Kind.LSTM ? height : 0;
    }
}
