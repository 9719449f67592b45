package io.streamtrain.ingest;

import io.streamtrain.testing.Fixtures;
import org.junit.jupiter.api.Test;

import io.streamtrain.core.RecordSchema;
import io.streamtrain.core.UserException;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** The IDX reader yields wire-format events that the door accepts unchanged, and refuses a damaged file before any. */
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

    /** A plain IDX pair of {@code count} 2x2 images, the labels file with {@code labels} labels. */
    private static void pair(Path dir, int count, int labels, int label) throws IOException {
        ByteBuffer images = ByteBuffer.allocate(16 + count * 4).putInt(0x803).putInt(count).putInt(2).putInt(2);
        ByteBuffer labelBytes = ByteBuffer.allocate(8 + labels).putInt(0x801).putInt(labels);
        for (int i = 0; i < labels; i++) {
            labelBytes.put((byte) label);
        }
        Files.write(dir.resolve("train-images-idx3-ubyte"), images.array());
        Files.write(dir.resolve("train-labels-idx1-ubyte"), labelBytes.array());
    }

    private static final RecordSchema TWO_BY_TWO = new RecordSchema(4, 0, 255, List.of("a", "b", "c"));

    private static String refusal(Path dir) {
        Throwable t = catchThrowable(() -> FashionMnistIdx.events(dir, TWO_BY_TWO, 1L));
        assertThat(t).isInstanceOf(UserException.class);
        assertThat(t.getMessage()).doesNotContain("\n");
        return t.getMessage();
    }

    @Test
    void aSoundSmallPairIsRead(@TempDir Path dir) throws IOException {
        pair(dir, 3, 3, 2);
        Iterator<Event> events = FashionMnistIdx.events(dir, TWO_BY_TWO, 1L);
        int n = 0;
        while (events.hasNext()) {
            assertThat(events.next().key()).isEqualTo(String.format("fmnist-train-%05d", n++));
        }
        assertThat(n).isEqualTo(3);
    }

    @Test
    void truncatedAndOverlongFilesAreRefused(@TempDir Path dir) throws IOException {
        pair(dir, 3, 3, 0);
        Path images = dir.resolve("train-images-idx3-ubyte");
        byte[] whole = Files.readAllBytes(images);
        Files.write(images, Arrays.copyOf(whole, whole.length - 1));
        assertThat(refusal(dir)).contains(images.toString()).contains("truncated").contains("3 items");
        Files.write(images, Arrays.copyOf(whole, whole.length + 5));
        assertThat(refusal(dir)).contains(images.toString()).contains("longer than its header promises");
    }

    @Test
    void wrongMagicCountMismatchAndLabelsOutOfRangeAreRefused(@TempDir Path dir) throws IOException {
        pair(dir, 3, 2, 0);
        assertThat(refusal(dir)).contains("3 images").contains("2 labels");
        pair(dir, 3, 3, 3);
        assertThat(refusal(dir)).contains("label of image 0 is 3").contains("0..2");
        pair(dir, 3, 3, 0);
        Path labels = dir.resolve("train-labels-idx1-ubyte");
        Files.write(dir.resolve("train-images-idx3-ubyte"), Files.readAllBytes(labels));
        assertThat(refusal(dir)).contains("magic number is 0x00000801, expected 0x00000803");
    }

    @Test
    void aGzNameOnAPlainFileIsRefused(@TempDir Path dir) throws IOException {
        pair(dir, 1, 1, 0);
        Files.move(dir.resolve("train-images-idx3-ubyte"), dir.resolve("train-images-idx3-ubyte.gz"));
        assertThat(refusal(dir)).contains("train-images-idx3-ubyte.gz").contains("not a gzip file");
    }

    @Test
    void aTruncatedGzipIsRefused(@TempDir Path dir) throws IOException {
        pair(dir, 50, 50, 0);
        Path plain = dir.resolve("train-images-idx3-ubyte");
        java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(gz)) {
            out.write(Files.readAllBytes(plain));
        }
        Files.delete(plain);
        Files.write(dir.resolve("train-images-idx3-ubyte.gz"), Arrays.copyOf(gz.toByteArray(), gz.size() / 2));
        assertThat(refusal(dir)).contains("train-images-idx3-ubyte.gz");
    }

    @Test
    void missingPartnerEmptyFolderAndAFileAreRefused(@TempDir Path dir) throws IOException {
        assertThat(refusal(dir)).contains("no IDX files in " + dir);
        assertThat(refusal(dir.resolve("nope"))).contains("does not exist");
        pair(dir, 1, 1, 0);
        Files.delete(dir.resolve("train-labels-idx1-ubyte"));
        assertThat(refusal(dir)).contains("has no partner").contains("train-labels-idx1-ubyte");
        assertThat(refusal(dir.resolve("train-images-idx3-ubyte"))).contains("is not a folder");
    }
}
