package io.streamtrain.ingest;

import io.streamtrain.core.Settings;

/**
 * What {@code produce} publishes.
 *
 * @param input  a Fashion-MNIST IDX folder, or a JSON-lines file
 * @param format how to read {@code input}
 */
public record ProduceSettings(String input, Format format) {

    public static final String INPUT = "produce.input";
    public static final String FORMAT = "produce.format";

    /** Input formats. */
    public enum Format {
        /** A folder of IDX files (train-* and t10k-* pairs, gzipped or not). */
        IDX,
        /** One JSON record per line, each sent as it is. */
        JSONL
    }

    public static ProduceSettings from(Settings s) {
        return new ProduceSettings(s.nonBlank(INPUT), s.oneOf(FORMAT, Format.class));
    }
}
