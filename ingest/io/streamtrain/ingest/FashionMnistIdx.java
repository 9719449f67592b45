package io.streamtrain.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.streamtrain.core.RecordSchema;
import io.streamtrain.core.UserException;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads Fashion-MNIST (or MNIST) IDX files, gzipped or not, as wire-format events. A folder holding
 * {@code train-*} and {@code t10k-*} pairs yields the training images as {@code fmnist-train-NNNNN} and the test
 * images as {@code fmnist-test-NNNNN}, so preprocess can keep the official test set in the test split.
 */
public final class FashionMnistIdx {

    private static final int IMAGES_MAGIC = 0x00000803;
    private static final int LABELS_MAGIC = 0x00000801;
    private static final JsonFactory JSON = new JsonFactory();
    private static final String EXPECTED = "train-images-idx3-ubyte(.gz) with train-labels-idx1-ubyte(.gz),"
            + " and/or the t10k-* pair";

    /** One image: its pixels (0-255, row-major) and its class. */
    public record Image(int[] pixels, int label) {
    }

    private FashionMnistIdx() {
    }

    /**
     * The events of a Fashion-MNIST folder, training images first, then test images, in file order. Every file is
     * read and checked before the first event is returned, so a bad file stops produce before anything is sent.
     *
     * @throws UserException naming the file and what was expected, for a missing or unpaired file, a wrong magic
     *                       number or dimension, a truncated or over-long file, a label outside the schema's classes
     */
    public static Iterator<Event> events(Path dir, RecordSchema schema, long timestamp) {
        List<Iterator<Event>> parts = folder(dir, schema, timestamp);
        long total = parts.stream().mapToLong(p -> ((Sized) p).size()).sum();
        return new Sized.Events() {
            private int part;

            @Override
            public long size() {
                return total;
            }

            @Override
            public boolean hasNext() {
                while (part < parts.size() && !parts.get(part).hasNext()) {
                    part++;
                }
                return part < parts.size();
            }

            @Override
            public Event next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return parts.get(part).next();
            }
        };
    }

    /** {@link #events}, one iterator per pair of files. */
    public static List<Iterator<Event>> folder(Path dir, RecordSchema schema, long timestamp) {
        if (!Files.exists(dir)) {
            throw new UserException("produce: " + dir + " does not exist: expected a folder with " + EXPECTED);
        }
        if (!Files.isDirectory(dir)) {
            throw new UserException("produce: " + dir + " is not a folder: --format idx expects a folder with "
                    + EXPECTED + " (use --format jsonl or csv for a file)");
        }
        List<Iterator<Event>> parts = new ArrayList<>();
        for (String[] pair : new String[][]{{"train", "train"}, {"t10k", "test"}}) {
            String imagesName = pair[0] + "-images-idx3-ubyte";
            String labelsName = pair[0] + "-labels-idx1-ubyte";
            Path images = find(dir, imagesName);
            Path labels = find(dir, labelsName);
            if (images == null && labels == null) {
                continue;
            }
            if (images == null || labels == null) {
                Path found = images == null ? labels : images;
                throw new UserException("produce: " + found + " has no partner in " + dir + ": expected "
                        + (images == null ? imagesName : labelsName) + "(.gz) beside it");
            }
            List<Image> read = readImages(images, labels, schema.featureCount(), schema.labels().size());
            parts.add(events(read, "fmnist-" + pair[1] + "-", timestamp));
        }
        if (parts.isEmpty()) {
            throw new UserException("produce: no IDX files in " + dir + ": expected " + EXPECTED);
        }
        return parts;
    }

    /** Reads a pair of IDX files without checking them against a schema (the benchmarks' Fashion-MNIST). */
    public static List<Image> readImages(Path imagesFile, Path labelsFile) {
        return readImages(imagesFile, labelsFile, -1, 256);
    }

    /**
     * Reads and checks a pair of IDX files: the magic numbers, the dimensions, a size equal to what the header
     * promises, the same count of images and labels, every label below {@code classes}.
     *
     * @param pixels the pixels an image must have, or -1 for any
     */
    static List<Image> readImages(Path imagesFile, Path labelsFile, int pixels, int classes) {
        try (DataInputStream images = open(imagesFile); DataInputStream labels = open(labelsFile)) {
            int count = header(images, imagesFile, IMAGES_MAGIC, "image file (unsigned bytes, 3 dimensions)");
            int rows = dimension(images, imagesFile, "rows");
            int cols = dimension(images, imagesFile, "columns");
            if (pixels >= 0 && rows * cols != pixels) {
                throw new UserException("produce: " + imagesFile + " holds images of " + rows + "x" + cols + " = "
                        + rows * cols + " pixels, but schema.feature-count is " + pixels
                        + ": set schema.* to the data set's shape");
            }
            int labelCount = header(labels, labelsFile, LABELS_MAGIC, "label file (unsigned bytes, 1 dimension)");
            if (labelCount != count) {
                throw new UserException("produce: " + imagesFile + " has " + count + " images but " + labelsFile
                        + " has " + labelCount + " labels: expected a matching pair of files");
            }
            // The header's count is not trusted with memory: a damaged one would allocate before the truncation check.
            List<Image> out = new ArrayList<>(Math.min(count, 1 << 16));
            if ((long) rows * cols > Integer.MAX_VALUE / 4) {
                throw new UserException("produce: " + imagesFile + " declares images of " + rows + "x" + cols
                        + " pixels: the header is damaged, or this is not an image file");
            }
            byte[] buf = new byte[rows * cols];
            for (int i = 0; i < count; i++) {
                readFully(images, buf, imagesFile, i, count, 16 + (long) count * rows * cols);
                int[] values = new int[buf.length];
                for (int p = 0; p < buf.length; p++) {
                    values[p] = buf[p] & 0xFF;
                }
                int label = labels.read();
                if (label < 0) {
                    throw truncated(labelsFile, i, count, 8L + count);
                }
                if (label >= classes) {
                    throw new UserException("produce: " + labelsFile + ": the label of image " + i + " is " + label
                            + ", outside 0.." + (classes - 1) + " (schema.labels has " + classes + " classes)");
                }
                out.add(new Image(values, label));
            }
            requireEnd(images, imagesFile, 16 + (long) count * rows * cols);
            requireEnd(labels, labelsFile, 8L + count);
            return out;
        } catch (ZipException e) {
            throw new UserException("produce: " + imagesFile + " or " + labelsFile + " is a broken gzip file ("
                    + e.getMessage() + "): download it again");
        } catch (IOException e) {
            throw new UserException("produce: cannot read IDX files " + imagesFile + ", " + labelsFile + ": "
                    + e.getMessage());
        }
    }

    private static int header(DataInputStream in, Path file, int magic, String kind) throws IOException {
        try {
            int found = in.readInt();
            if (found != magic) {
                throw new UserException(String.format(Locale.ROOT, "produce: %s is not an IDX %s: its magic number"
                        + " is 0x%08x, expected 0x%08x", file, kind, found, magic));
            }
            int count = in.readInt();
            if (count < 0) {
                throw new UserException("produce: " + file + " has a negative item count " + count
                        + " in its header: the file is damaged");
            }
            return count;
        } catch (EOFException e) {
            throw new UserException("produce: " + file + " ends inside its header: expected an IDX file");
        }
    }

    private static int dimension(DataInputStream in, Path file, String name) throws IOException {
        try {
            int n = in.readInt();
            if (n <= 0 || n > 1 << 14) {
                throw new UserException("produce: " + file + " has " + n + " " + name + " in its header: expected"
                        + " 1 to " + (1 << 14) + "; the file is damaged");
            }
            return n;
        } catch (EOFException e) {
            throw new UserException("produce: " + file + " ends inside its header: expected an IDX file");
        }
    }

    private static void readFully(DataInputStream in, byte[] buf, Path file, int index, int count, long bytes)
            throws IOException {
        try {
            in.readFully(buf);
        } catch (EOFException e) {
            throw truncated(file, index, count, bytes);
        }
    }

    private static UserException truncated(Path file, int index, int count, long bytes) {
        return new UserException("produce: " + file + " is truncated: its header promises " + count
                + " items (" + bytes + " bytes uncompressed) but it ends at item " + index
                + "; download it again");
    }

    private static void requireEnd(InputStream in, Path file, long bytes) throws IOException {
        if (in.read() != -1) {
            throw new UserException("produce: " + file + " is longer than its header promises (" + bytes
                    + " bytes uncompressed): expected an IDX file that ends after its last item");
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
        return new Sized.Events() {
            private int next;

            @Override
            public long size() {
                return images.size();
            }

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
            try {
                in = new GZIPInputStream(in, 1 << 16);
            } catch (ZipException | EOFException e) {
                in.close();
                throw new UserException("produce: " + file + " is not a gzip file although its name ends in .gz:"
                        + " rename it without .gz if it is a plain IDX file, or download it again");
            }
        }
        return new DataInputStream(in);
    }
}
