package io.streamtrain.train;

import io.streamtrain.model.Architecture;
import io.streamtrain.core.ConfigException;
import io.streamtrain.model.Scaler;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class HorizontalFlipTest {

    /** Two channels of 2 x 3 images, as the CNN lays them out: channel, row, column. */
    private static final Architecture IMAGE = new Architecture(Architecture.Kind.CNN, 2, 3, 2, Architecture.Cnn.LENET,
            128);
    private static final float[] RAW = {1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 60};
    private static final float[] MIRRORED_RAW = {3, 2, 1, 6, 5, 4, 30, 20, 10, 60, 50, 40};
    private static final Scaler SCALER = new Scaler(
            new double[]{0.5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11},
            new double[]{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});

    @Test
    void aFlippedStandardisedImageIsTheStandardisedMirroredImage() {
        float[] flipped = new float[RAW.length];
        HorizontalFlip.of(IMAGE, SCALER).flipInto(SCALER.apply(RAW), flipped, 0);
        float[] expected = SCALER.apply(MIRRORED_RAW);
        for (int p = 0; p < RAW.length; p++) {
            assertThat(flipped[p]).as("pixel %d", p).isCloseTo(expected[p], within(1e-5f));
        }
    }

    @Test
    void flipsAboutHalfOfTheImagesAndLeavesTheOthersAsTheyWere() {
        int images = 2_000;
        float[] x = new float[images * RAW.length];
        for (int i = 0; i < images; i++) {
            System.arraycopy(SCALER.apply(RAW), 0, x, i * RAW.length, RAW.length);
        }
        CachedMinibatch batch = new CachedMinibatch(x, new long[]{images, RAW.length}, new float[images],
                new long[]{images, 1});
        float[] out = HorizontalFlip.of(IMAGE, SCALER).flipSome(batch, new SplittableRandom(5)).features();

        float[] original = SCALER.apply(RAW);
        float[] mirrored = SCALER.apply(MIRRORED_RAW);
        int flipped = 0;
        for (int i = 0; i < images; i++) {
            boolean isOriginal = true;
            boolean isMirrored = true;
            for (int p = 0; p < RAW.length; p++) {
                isOriginal &= out[i * RAW.length + p] == original[p];
                isMirrored &= Math.abs(out[i * RAW.length + p] - mirrored[p]) < 1e-5;
            }
            assertThat(isOriginal || isMirrored).as("image %d is itself or its mirror", i).isTrue();
            flipped += isMirrored ? 1 : 0;
        }
        assertThat(flipped).isBetween(900, 1100);
        assertThat(x).as("the cached minibatch is left alone").startsWith(original);
    }

    @Test
    void refusesTheLstmAndImagesThatAreNotTheFeatures() {
        Architecture lstm = new Architecture(Architecture.Kind.LSTM, 2, 3, 2, Architecture.Cnn.LENET, 128);
        assertThatThrownBy(() -> HorizontalFlip.of(lstm, SCALER)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(HorizontalFlip.KEY).hasMessageContaining("LSTM");
        Architecture wrongSize = new Architecture(Architecture.Kind.CNN, 3, 3, 2, Architecture.Cnn.LENET, 128);
        assertThatThrownBy(() -> HorizontalFlip.of(wrongSize, SCALER)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("3x3x2").hasMessageContaining("12 features");
    }
}
