package io.streamtrain.core.table;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Unit: the landing encoding of a feature vector round-trips bit for bit and is float32 in byte-stream-split order. */
class PackedFeaturesTest {

    @Test
    void roundTripsEveryFloatExactly() {
        float[] values = {0f, 255f, -1.5f, Float.MIN_VALUE, Float.MAX_VALUE, 1e-30f, 0.1f};
        assertThat(PackedFeatures.unpack(PackedFeatures.pack(values))).containsExactly(values);
    }

    @Test
    void isFloat32ByteStreamSplit() {
        // 1.0f is 0x3F800000 and 2.0f is 0x40000000: first both low bytes, then both second bytes, and so on.
        assertThat(PackedFeatures.pack(new float[]{1f, 2f}))
                .containsExactly(0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x3F, 0x40);
    }

    @Test
    void refusesBytesThatAreNotWholeFloats() {
        assertThatThrownBy(() -> PackedFeatures.unpack(new byte[7]))
                .hasMessageContaining("7 bytes").hasMessageContaining("multiple of 4");
    }
}
