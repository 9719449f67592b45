package io.streamtrain.core.metrics;

import java.util.Arrays;
import java.util.function.ToDoubleFunction;

/**
 * A confidence interval; NaN bounds when it cannot be computed (no replicates, or the metric undefined in all).
 *
 * @param low  lower bound
 * @param high upper bound
 */
public record Interval(double low, double high) {

    public static final Interval NONE = new Interval(Double.NaN, Double.NaN);

    /**
     * The percentile interval of {@code metric} over the bootstrap replicates: the (1 - confidence) / 2 and
     * (1 + confidence) / 2 quantiles (linearly interpolated) of its values, ignoring replicates where it is undefined.
     */
    public static Interval percentile(Replicates replicates, ToDoubleFunction<ScoreStats> metric, double confidence) {
        if (replicates.replicates() == 0) {
            return NONE;
        }
        double[] values = ConfusionMetrics.quietly(() -> {
            double[] v = new double[replicates.replicates()];
            for (int r = 1; r <= replicates.replicates(); r++) {
                v[r - 1] = metric.applyAsDouble(replicates.replicate(r));
            }
            return v;
        });
        return percentile(values, confidence);
    }

    /** The percentile interval of {@code values}, NaN values ignored. */
    public static Interval percentile(double[] values, double confidence) {
        double[] defined = Arrays.stream(values).filter(v -> !Double.isNaN(v)).sorted().toArray();
        if (defined.length == 0) {
            return NONE;
        }
        return new Interval(quantile(defined, (1 - confidence) / 2), quantile(defined, (1 + confidence) / 2));
    }

    private static double quantile(double[] sorted, double q) {
        double position = q * (sorted.length - 1);
        int below = (int) Math.floor(position);
        int above = Math.min(sorted.length - 1, below + 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }

    public boolean contains(double v) {
        return v >= low && v <= high;
    }
}
