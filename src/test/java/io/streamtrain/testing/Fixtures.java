package io.streamtrain.testing;

import io.streamtrain.core.kafka.FreePorts;
import io.streamtrain.core.RecordSchema;
import io.streamtrain.ingest.IngestRules;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;

/** Named fixtures shared by the tests. */
public final class Fixtures {

    public static final List<String> FASHION_LABELS = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    private Fixtures() {
    }

    /** Fashion-MNIST's schema: 784 pixels in 0..255, ten classes. */
    public static RecordSchema fashionSchema() {
        return new RecordSchema(784, 0, 255, FASHION_LABELS);
    }

    /** A tiny schema for hand-written records: 3 features in 0..1, classes a, b, c. */
    public static RecordSchema tinySchema() {
        return new RecordSchema(3, 0, 1, List.of("a", "b", "c"));
    }

    /** The tiny schema with pixel values: 3 features in 0..255, classes a, b, c. */
    public static RecordSchema tinyPixelSchema() {
        return new RecordSchema(3, 0, 255, List.of("a", "b", "c"));
    }

    public static IngestRules tinyRules() {
        return new IngestRules(tinySchema(), 4096, 8, 64);
    }

    /** Images in {@link #fashionSlice()}. */
    public static final long SLICE_IMAGES = 4000;

    /** 3,000 training and 1,000 test images cut from Fashion-MNIST. */
    public static Path fashionSlice() {
        try {
            return Path.of(Fixtures.class.getResource("/fashion-mnist-slice").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The project's folder (where pom.xml is); Maven runs tests from it. */
    public static Path projectRoot() {
        return Path.of("").toAbsolutePath();
    }

    /** A TCP port that was free a moment ago, for a server a test starts in another process. */
    public static int freePort() {
        return FreePorts.reserve(1)[0];
    }
}
