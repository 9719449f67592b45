package io.streamtrain.train;

import io.streamtrain.model.Minibatches;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.util.Map;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.sequence;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

/**
 * How training makes up for classes of unequal size ({@code train.balance}). Only the training rows are ever
 * balanced: validation and test keep the distribution the model will meet, so their metrics stay honest.
 */
public enum Balance {
    /** Train on the rows as they are. */
    NONE,
    /**
     * Weight each class's term of the cross-entropy loss by {@code n / (classes * n_k)} (scikit-learn's "balanced"):
     * a mistake on a rare class costs as much in total as one on a common class. Set when a network is created; a
     * resumed or warm-started network keeps the loss it was created with.
     */
    CLASS_WEIGHTS,
    /** Repeat rows of smaller classes until each has about as many as the largest (seeded by {@code train.seed}). */
    OVERSAMPLE,
    /** Keep a seeded random share of each larger class so that each has about as many as the smallest. */
    UNDERSAMPLE;

    public static final String KEY = "train.balance";

    /** The copy number (1, 2, ...) {@link #OVERSAMPLE} gives each repeat of a row, so that repeats differ. */
    public static final String COPY = Minibatches.COPY;

    private static final long UNIT = 1L << 53;

    /**
     * The loss weight of each class for {@code counts} (rows per class index); a class without rows gets weight 1.
     */
    public static double[] weights(Map<Integer, Long> counts, int classes) {
        long total = counts.values().stream().mapToLong(Long::longValue).sum();
        double[] w = new double[classes];
        for (int k = 0; k < classes; k++) {
            long n = counts.getOrDefault(k, 0L);
            w[k] = n == 0 ? 1.0 : (double) total / ((double) classes * n);
        }
        return w;
    }

    /** About how many rows {@link #resample} leaves of {@code rows} with {@code counts} per class. */
    public long expectedRows(Map<Integer, Long> counts, long rows) {
        if (this != OVERSAMPLE && this != UNDERSAMPLE || counts.isEmpty()) {
            return rows;
        }
        long bound = this == OVERSAMPLE
                ? counts.values().stream().mapToLong(Long::longValue).max().orElse(0)
                : counts.values().stream().mapToLong(Long::longValue).filter(n -> n > 0).min().orElse(0);
        return bound * counts.values().stream().filter(n -> n > 0).count();
    }

    /**
     * The training rows resampled as this mode says (unchanged for {@link #NONE} and {@link #CLASS_WEIGHTS}). Pure:
     * a seeded draw per row, no shuffle and nothing collected but {@code counts}. The draw is a hash of the row's id,
     * not Spark's {@code rand}, whose numbers follow the rows' order in the files: the same rows give the same sample
     * however preprocess laid them out. Oversampled rows carry their copy number in {@link #COPY}.
     *
     * @param train  training rows with {@code id} and {@code label} columns
     * @param counts rows per class index of {@code train}
     */
    public Dataset<Row> resample(Dataset<Row> train, Map<Integer, Long> counts, long seed) {
        if (this != OVERSAMPLE && this != UNDERSAMPLE || counts.isEmpty()) {
            return train;
        }
        long largest = counts.values().stream().mapToLong(Long::longValue).max().orElse(0);
        long smallest = counts.values().stream().mapToLong(Long::longValue).filter(n -> n > 0).min().orElse(0);
        // The share (undersampling) or the expected number of copies (oversampling) of each class's rows.
        Column factor = lit(1.0);
        for (Map.Entry<Integer, Long> e : counts.entrySet()) {
            double f = this == OVERSAMPLE ? (double) largest / e.getValue() : (double) smallest / e.getValue();
            factor = when(col("label").equalTo(e.getKey()), lit(f)).otherwise(factor);
        }
        Column draw = pmod(xxhash64(col("id"), lit(seed), lit("balance")), lit(UNIT)).divide((double) UNIT);
        if (this == UNDERSAMPLE) {
            return train.where(draw.lt(factor));
        }
        // floor(f) copies, one more with probability f - floor(f): about f copies in expectation.
        Column copies = floor(factor).plus(when(draw.lt(factor.minus(floor(factor))), 1).otherwise(0)).cast("int");
        return train.withColumn(COPY, explode(sequence(lit(1), copies)));
    }
}
