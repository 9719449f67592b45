package io.streamtrain.preprocess;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Per-feature count, mean, sum of squared deviations ({@code m2}), minimum and maximum of a set of vectors: enough to
 * derive a standard or min-max scaler, and to merge the statistics of two sets without seeing their rows again
 * (Chan, Golub and LeVeque's parallel variance, the same formula Spark's own summariser uses). Preprocess adds each
 * increment's training rows to the previous statistics instead of reading every row ever curated.
 *
 * <p>Mutable while rows are {@link #add added} on an executor; {@link #merge} returns a new object.
 */
public final class FeatureStats implements Serializable {

    private static final long serialVersionUID = 1L;

    private long count;
    private final double[] mean;
    private final double[] m2;
    private final double[] min;
    private final double[] max;

    public FeatureStats(long count, double[] mean, double[] m2, double[] min, double[] max) {
        if (mean.length != m2.length || mean.length != min.length || mean.length != max.length) {
            throw new IllegalArgumentException("Statistics of different lengths: mean " + mean.length + ", m2 "
                    + m2.length + ", min " + min.length + ", max " + max.length);
        }
        this.count = count;
        this.mean = mean;
        this.m2 = m2;
        this.min = min;
        this.max = max;
    }

    /** Statistics of no rows over {@code features} features. */
    public static FeatureStats empty(int features) {
        double[] min = new double[features];
        double[] max = new double[features];
        Arrays.fill(min, Double.POSITIVE_INFINITY);
        Arrays.fill(max, Double.NEGATIVE_INFINITY);
        return new FeatureStats(0, new double[features], new double[features], min, max);
    }

    /** Adds one vector (Welford's update). */
    public void add(float[] x) {
        if (x.length != mean.length) {
            throw new IllegalArgumentException("A vector of " + x.length + " features for statistics of "
                    + mean.length);
        }
        count++;
        for (int i = 0; i < x.length; i++) {
            double delta = x[i] - mean[i];
            mean[i] += delta / count;
            m2[i] += delta * (x[i] - mean[i]);
            min[i] = Math.min(min[i], x[i]);
            max[i] = Math.max(max[i], x[i]);
        }
    }

    /** The statistics of both sets together; neither is changed. */
    public FeatureStats merge(FeatureStats other) {
        if (other.size() != size()) {
            throw new IllegalArgumentException("Cannot merge statistics of " + size() + " and " + other.size()
                    + " features");
        }
        if (other.count == 0) {
            return copy();
        }
        if (count == 0) {
            return other.copy();
        }
        long n = count + other.count;
        int f = size();
        double[] m = new double[f];
        double[] s = new double[f];
        double[] lo = new double[f];
        double[] hi = new double[f];
        for (int i = 0; i < f; i++) {
            double delta = other.mean[i] - mean[i];
            m[i] = mean[i] + delta * other.count / n;
            s[i] = m2[i] + other.m2[i] + delta * delta * ((double) count * other.count / n);
            lo[i] = Math.min(min[i], other.min[i]);
            hi[i] = Math.max(max[i], other.max[i]);
        }
        return new FeatureStats(n, m, s, lo, hi);
    }

    private FeatureStats copy() {
        return new FeatureStats(count, mean.clone(), m2.clone(), min.clone(), max.clone());
    }

    public int size() {
        return mean.length;
    }

    public long count() {
        return count;
    }

    public double[] mean() {
        return mean.clone();
    }

    public double[] m2() {
        return m2.clone();
    }

    public double[] min() {
        return min.clone();
    }

    public double[] max() {
        return max.clone();
    }

    /** Sample standard deviation of feature {@code i} (NaN below two rows). */
    public double std(int i) {
        return count < 2 ? Double.NaN : Math.sqrt(m2[i] / (count - 1));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FeatureStats s && count == s.count && Arrays.equals(mean, s.mean)
                && Arrays.equals(m2, s.m2) && Arrays.equals(min, s.min) && Arrays.equals(max, s.max);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(count) * 31 + Arrays.hashCode(mean);
    }

    @Override
    public String toString() {
        return "FeatureStats[" + count + " rows, " + size() + " features]";
    }
}
