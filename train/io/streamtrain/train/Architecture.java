package io.streamtrain.train;

import io.streamtrain.core.ConfigException;
import io.streamtrain.core.Settings;

import java.io.Serializable;
import java.util.List;

/**
 * Which network to build, and how its input is laid out.
 *
 * @param kind     mlp, cnn or lstm
 * @param height   image rows; the LSTM reads one row per time step
 * @param width    image columns
 * @param channels image channels
 * @param filters  filters of the CNN's two 5x5 convolutions
 * @param batchNormalization whether each CNN convolution is followed by batch normalisation
 * @param lstmUnits units of the LSTM layer
 */
public record Architecture(Kind kind, int height, int width, int channels, List<Integer> filters,
                           boolean batchNormalization, int lstmUnits)
        implements Serializable {

    public static final String MODEL = "train.model";
    public static final String HEIGHT = "train.image.height";
    public static final String WIDTH = "train.image.width";
    public static final String CHANNELS = "train.image.channels";
    public static final String FILTERS = "train.cnn.filters";
    public static final String BATCH_NORMALIZATION = "train.cnn.batch-normalization";
    public static final String LSTM_UNITS = "train.lstm.units";

    /** The networks {@link Models} builds. */
    public enum Kind {
        /** Dense layers over the flat feature vector. */
        MLP,
        /** LeNet-style: two 5x5 convolutions (optionally batch-normalised) with 2x2 max pooling, then the dense layers. */
        CNN,
        /** An LSTM over the image's rows as time steps; its last output feeds the dense layers. */
        LSTM
    }

    public Architecture {
        filters = List.copyOf(filters);
        if (filters.size() != 2) {
            throw new ConfigException(FILTERS, filters, "must list the filters of the two convolutions, e.g. [20, 50]");
        }
    }

    public static Architecture from(Settings s) {
        return new Architecture(s.oneOf(MODEL, Kind.class), s.positiveInt(HEIGHT), s.positiveInt(WIDTH),
                s.positiveInt(CHANNELS), s.positiveInts(FILTERS), s.bool(BATCH_NORMALIZATION),
                s.positiveInt(LSTM_UNITS));
    }

    public static Architecture mlp() {
        return new Architecture(Kind.MLP, 28, 28, 1, List.of(20, 50), true, 128);
    }

    /** Checks that the image layout matches the feature vector; only CNN and LSTM read it. */
    public void requireFits(int featureCount) {
        if (kind != Kind.MLP && height * width * channels != featureCount) {
            throw new ConfigException(HEIGHT, height + "x" + width + "x" + channels,
                    "train.image height x width x channels must equal schema.feature-count (" + featureCount + ")");
        }
    }

    /** Time steps of a sequence input, or 0 when the network takes flat vectors. */
    public int timeSteps() {
        return kind == Kind.LSTM ? height : 0;
    }
}
