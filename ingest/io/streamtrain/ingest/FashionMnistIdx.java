package io.streamtrain.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.zip.GZIPInputStream;

/**
 * Reads Fashion-MNIST (or MNIST) IDX files, gzipped or not, as wire-format events. A folder holding
 * {@code train-*} and {@code t10k-*} pairs yields the training images as {@code fmnist-train-NNNNN} and the test
 * images as {@code fmnist-test-NNNNN}, so preprocess can keep the official test set in the test split.
 */
public final class FashionMnistIdx {

    private static final int IMAGES_MAGIC = 0x00000803;
    private static final int LABELS_MAGIC = 0x00000801;
    private static final JsonFactory JSON = new JsonFactory();

    /** One image: its pixels (0-255, row-major) and its class. */
    public record Image(int[] pixels, int label) {
    }

    private FashionMnistIdx() {
    }

    /** The events of a Fashion-MNIST folder: training images first, then test images. */
    public static List<Iterator<Event>> folder(Path dir, long timestamp) {
        List<Iterator<Event>> parts = new ArrayList<>();
        for (String[] pair : new String[][]{{"train", "train"}, {"t10k", "test"}}) {
            Path images = find(dir, pair[0] + "-images-idx3-ubyte");
            Path labels = find(dir, pair[0] + "-labels-idx1-ubyte");
            if (images != null && labels != null) {
                parts.add(events(readImages(images, labels), "fmnist-" + pair[1] + "-", timestamp));
            }
        }
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("No IDX files in " + dir + ": expected train-images-idx3-ubyte(.gz)"
                    + " with train-labels-idx1-ubyte(.gz), and/or the t10k-* pair");
        }
        return parts;
    }

    public static List<Image> readImages(Path imagesFile, Path labelsFile) {
        try (DataInputStream images = open(imagesFile); DataInputStream labels = open(labelsFile)) {
            int magic = images.readInt();
            if (magic != IMAGES_MAGIC) {
                throw new IllegalArgumentException(imagesFile + " is not an IDX image file (magic " + magic + ")");
            }
            int count = images.readInt();
            int rows = images.readInt();
            int cols = images.readInt();
            if (labels.readInt() != LABELS_MAGIC) {
                throw new IllegalArgumentException(labelsFile + " is not an IDX label file");
            }
            int labelCount = labels.readInt();
            if (labelCount != count) {
                throw new IllegalArgumentException(imagesFile + " has " + count + " images but " + labelsFile
                        + " has " + labelCount + " labels");
            }
            List<Image> out = new ArrayList<>(count);
            byte[] buf = new byte[rows * cols];
            for (int i = 0; i < count; i++) {
                images.readFully(buf);
                int[] pixels = new int[buf.length];
                for (int p = 0; p < buf.length; p++) {
                    pixels[p] = buf[p] & 0xFF;
                }
                out.add(new Image(pixels, labels.readUnsignedByte()));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read IDX files " + imagesFile + ", " + labelsFile, e);
        }
    }

    /** Encodes one example in the wire format. */
    public static byte[] toJson(String id, long ts, int label, int[] features) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(features.length * 4 + 64);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("id", id);
            g.writeNumberField("ts", ts);
            g.writeNumberField("label", label);
            g.writeArrayFieldStart("features");
            for (int f : features) {
                g.writeNumber(f);
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static Iterator<Event> events(List<Image> images, String idPrefix, long timestamp) {
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < images.size();
            }

            @Override
            public Event next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Image image = images.get(next);
                String id = String.format("%s%05d", idPrefix, next++);
                return new Event(id, toJson(id, timestamp, image.label(), image.pixels()));
            }
        };
    }

    private static Path find(Path dir, String base) {
        for (String name : new String[]{base + ".gz", base}) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    private static DataInputStream open(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        if (file.getFileName().toString().endsWith(".gz")) {
            in = new GZIPInputStream(in, 1 << 16);
        }
        return new DataInputStream(in);
    }
}
