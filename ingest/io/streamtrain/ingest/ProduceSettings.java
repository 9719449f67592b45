package io.streamtrain.ingest;

import io.streamtrain.core.ConfigException;
import io.streamtrain.core.Settings;

/**
 * What {@code produce} publishes.
 *
 * @param input     a Fashion-MNIST IDX folder, a JSON-lines file or a CSV file
 * @param format    how to read {@code input}, or {@code synthetic} to generate events instead
 * @param synthetic the generator's settings, used with {@code format = synthetic}
 * @param skip      records at the start of the input not to send: the count a failed produce printed, to continue it
 */
public record ProduceSettings(String input, Format format, SyntheticEvents.Spec synthetic, long skip) {

    public static final String INPUT = "produce.input";
    public static final String FORMAT = "produce.format";
    public static final String SKIP = "produce.skip";
    public static final String SYNTHETIC_RECORDS = "produce.synthetic.records";
    public static final String SYNTHETIC_SEED = "produce.synthetic.seed";
    public static final String SYNTHETIC_IMBALANCE = "produce.synthetic.imbalance";
    public static final String SYNTHETIC_LABEL_NOISE = "produce.synthetic.label-noise";
    public static final String SYNTHETIC_DUPLICATE_RATE = "produce.synthetic.duplicate-rate";
    public static final String SYNTHETIC_MALFORMED_RATE = "produce.synthetic.malformed-rate";

    /** Input formats. */
    public enum Format {
        /** A folder of IDX files (train-* and t10k-* pairs, gzipped or not). */
        IDX,
        /** One JSON record per line, each line's bytes sent as they are; empty lines are skipped and counted. */
        JSONL,
        /** A CSV file with a header: a label column, an optional id column, the rest features. */
        CSV,
        /** Seeded generated events (see produce.synthetic). */
        SYNTHETIC
    }

    /** What is published, in words: the same words mean the same records (a produce ledger compares them). */
    public String describe() {
        String what = format == Format.SYNTHETIC ? "synthetic " + synthetic : format.name().toLowerCase() + " " + input;
        return skip == 0 ? what : what + " after its first " + skip + " records";
    }

    public static ProduceSettings from(Settings s) {
        double duplicates = s.doubleInRange(SYNTHETIC_DUPLICATE_RATE, 0, 1);
        SyntheticEvents.Spec spec = new SyntheticEvents.Spec(s.positiveLong(SYNTHETIC_RECORDS),
                s.raw().getLong(SYNTHETIC_SEED), s.doubleInRange(SYNTHETIC_IMBALANCE, 0, 10),
                s.doubleInRange(SYNTHETIC_LABEL_NOISE, 0, 1), duplicates,
                s.doubleInRange(SYNTHETIC_MALFORMED_RATE, 0, 1 - duplicates));
        long skip = s.raw().getLong(SKIP);
        if (skip < 0) {
            throw new ConfigException(SKIP, skip, "must be 0 or more: the records a failed produce committed");
        }
        return new ProduceSettings(s.nonBlank(INPUT), s.oneOf(FORMAT, Format.class), spec, skip);
    }
}
