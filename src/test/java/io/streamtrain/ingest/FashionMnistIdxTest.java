package io.streamtrain.ingest;

import io.streamtrain.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The IDX reader yields wire-format events that the door accepts unchanged. */
class FashionMnistIdxTest {

    @Test
    void readsTrainAndTestImagesWithStableIds() {
        List<Iterator<Event>> parts = FashionMnistIdx.folder(Fixtures.fashionSlice(), Fixtures.fashionSchema(), 42L);
        assertThat(parts).hasSize(2);
        RecordParser parser = new RecordParser(new IngestRules(Fixtures.fashionSchema(), 1 << 20, 16, 256));
        int[] counts = new int[2];
        int[] perClass = new int[10];
        for (int part = 0; part < 2; part++) {
            Iterator<Event> events = parts.get(part);
            while (events.hasNext()) {
                Event e = events.next();
                ParsedRecord r = parser.parse(e.key(), e.value());
                assertThat(r.isAccepted()).as(r.message()).isTrue();
                assertThat(r.id()).startsWith(part == 0 ? "fmnist-train-" : "fmnist-test-");
                assertThat(r.features()).hasSize(784);
                perClass[r.label()]++;
                counts[part]++;
            }
        }
        assertThat(counts).containsExactly(3000, 1000);
        // Fashion-MNIST is balanced: every class is present in the slice.
        assertThat(Arrays.stream(perClass).min().getAsInt()).isGreaterThan(200);
    }

    @Test
    void jsonRoundTripKeepsPixelsExactly() {
        int[] pixels = new int[784];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = i % 256;
        }
        byte[] json = FashionMnistIdx.toJson("fmnist-train-00001", 7L, 9, pixels);
        ParsedRecord r = new RecordParser(new IngestRules(Fixtures.fashionSchema(), 1 << 20, 16, 256))
                .parse("fmnist-train-00001", json);
        assertThat(r.label()).isEqualTo(9);
        for (int i = 0; i < pixels.length; i++) {
            assertThat(r.features()[i]).isEqualTo((float) pixels[i]);
        }
    }
}
