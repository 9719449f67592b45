package io.streamtrain.train;

import io.streamtrain.core.ConfigException;
import io.streamtrain.core.Settings;
import org.deeplearning4j.nn.conf.ConvolutionMode;

import java.io.Serializable;
import java.util.List;
import java.util.Locale;

/**
 * Which network to build, and how its input is laid out.
 *
 * @param kind      mlp, cnn or lstm
 * @param height    image rows; the LSTM reads one row per time step
 * @param width     image columns
 * @param channels  image channels
 * @param cnn       the CNN's convolution blocks
 * @param lstmUnits units of the LSTM layer
 */
public record Architecture(Kind kind, int height, int width, int channels, Cnn cnn, int lstmUnits)
        implements Serializable {

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
        LSTM
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
                s.positiveInt(CHANNELS), Cnn.from(s), s.positiveInt(LSTM_UNITS));
    }

    public static Architecture mlp() {
        return new Architecture(Kind.MLP, 28, 28, 1, Cnn.LENET, 128);
    }

    /**
     * Checks that the image layout matches the feature vector (only CNN and LSTM read it), and that every CNN block
     * still has an image to pool.
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
    }

    /** For logs and benchmarks: the kind, and the convolution blocks or LSTM units before the dense layers. */
    public String describe() {
        return switch (kind) {
            case MLP -> "MLP";
            case CNN -> "CNN " + cnn.describe() + ", then";
            case LSTM -> "LSTM " + lstmUnits + " units, then";
        };
    }

    /** Time steps of a sequence input, or 0 when the network takes flat vectors. */
    public int timeSteps() {
        return kind == Kind.LSTM ? height : 0;
    }
}
