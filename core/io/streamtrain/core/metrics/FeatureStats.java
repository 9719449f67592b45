package io.streamtrain.core.metrics;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Per-feature count, mean, sum of squared deviations ({@code m2}), minimum and maximum of a set of vectors: enough to
 * derive a standard or min-max scaler, and to merge the statistics of two sets without seeing their rows again
 * (Chan, Golub and LeVeque's parallel variance, the same formula Spark's own summariser uses). Preprocess adds each
 * increment's training rows to the previous statistics instead of reading every row ever curated.
 *
 * <p>Optionally also a histogram of every feature over fixed, equal-width bins of {@code [lo, hi]} (the schema's
 * value range; values outside fall into the end bins) and the count of each class: the training reference that
 * {@link DataProfile} measures drift against. Both merge by adding counts.
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
    private final Histogram histogram;

    /**
     * Counts of values per feature and bin, and of rows per class. A class, not a record: Spark's Kryo cannot
     * serialise records on Java 17, and these travel between executors inside {@link FeatureStats}.
     */
    public static final class Histogram implements Serializable {
        private static final long serialVersionUID = 1L;
        private final double lo;
        private final double hi;
        private final int bins;
        private final long[] counts;
        private final long[] classes;

        /**
         * @param lo      lower edge of the first bin
         * @param hi      upper edge of the last bin
         * @param bins    bins per feature
         * @param counts  {@code counts[feature * bins + bin]}
         * @param classes rows per class index
         */
        @JsonCreator
        public Histogram(@JsonProperty("lo") double lo,
                         @JsonProperty("hi") double hi,
                         @JsonProperty("bins") int bins,
                         @JsonProperty("counts") long[] counts,
                         @JsonProperty("classes") long[] classes) {
            this.lo = lo;
            this.hi = hi;
            this.bins = bins;
            this.counts = counts;
            this.classes = classes;
        }

        public static Histogram empty(double lo, double hi, int bins, int features, int classCount) {
            return new Histogram(lo, hi, bins, new long[features * bins], new long[classCount]);
        }

        @JsonProperty("lo")
        public double lo() {
            return lo;
        }

        @JsonProperty("hi")
        public double hi() {
            return hi;
        }

        @JsonProperty("bins")
        public int bins() {
            return bins;
        }

        @JsonProperty("counts")
        public long[] counts() {
            return counts;
        }

        @JsonProperty("classes")
        public long[] classes() {
            return classes;
        }

        int bin(double v) {
            int b = hi > lo ? (int) Math.floor((v - lo) / (hi - lo) * bins) : 0;
            return Math.max(0, Math.min(bins - 1, b));
        }

        /** The share of feature {@code f}'s values in each bin. */
        public double[] shares(int f) {
            double[] out = new double[bins];
            long total = 0;
            for (int b = 0; b < bins; b++) {
                total += counts[f * bins + b];
            }
            for (int b = 0; b < bins; b++) {
                out[b] = total == 0 ? 0 : (double) counts[f * bins + b] / total;
            }
            return out;
        }

        Histogram plus(Histogram o) {
            if (o.lo != lo || o.hi != hi || o.bins != bins || o.counts.length != counts.length
                    || o.classes.length != classes.length) {
                throw new IllegalArgumentException("Histograms over different bins or classes cannot be merged");
            }
            long[] c = counts.clone();
            long[] k = classes.clone();
            for (int i = 0; i < c.length; i++) {
                c[i] += o.counts[i];
            }
            for (int i = 0; i < k.length; i++) {
                k[i] += o.classes[i];
            }
            return new Histogram(lo, hi, bins, c, k);
        }
    }

    public FeatureStats(long count, double[] mean, double[] m2, double[] min, double[] max) {
        this(count, mean, m2, min, max, null);
    }

    /** @param histogram the per-feature histogram and class counts, or null when not kept */
    public FeatureStats(long count, double[] mean, double[] m2, double[] min, double[] max, Histogram histogram) {
        if (mean.length != m2.length || mean.length != min.length || mean.length != max.length) {
            throw new IllegalArgumentException("Statistics of different lengths: mean " + mean.length + ", m2 "
                    + m2.length + ", min " + min.length + ", max " + max.length);
        }
        this.count = count;
        this.mean = mean;
        this.m2 = m2;
        this.min = min;
        this.max = max;
        this.histogram = histogram;
    }

    /** Statistics of no rows over {@code features} features. */
    public static FeatureStats empty(int features) {
        double[] min = new double[features];
        double[] max = new double[features];
        Arrays.fill(min, Double.POSITIVE_INFINITY);
        Arrays.fill(max, Double.NEGATIVE_INFINITY);
        return new FeatureStats(0, new double[features], new double[features], min, max);
    }

    /** Statistics of no rows that also keep a histogram of {@code bins} bins over [lo, hi] and class counts. */
    public static FeatureStats empty(int features, double lo, double hi, int bins, int classes) {
        FeatureStats s = empty(features);
        return new FeatureStats(0, s.mean, s.m2, s.min, s.max, Histogram.empty(lo, hi, bins, features, classes));
    }

    /** Adds one vector and its class (counted only when a histogram is kept). */
    public void add(float[] x, int label) {
        add(x);
        if (histogram != null) {
            int bins = histogram.bins();
            for (int i = 0; i < x.length; i++) {
                histogram.counts()[i * bins + histogram.bin(x[i])]++;
            }
            if (label >= 0 && label < histogram.classes().length) {
                histogram.classes()[label]++;
            }
        }
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
        Histogram h = histogram == null || other.histogram == null ? null : histogram.plus(other.histogram);
        if (other.count == 0) {
            return copy(h);
        }
        if (count == 0) {
            return other.copy(h);
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
        return new FeatureStats(n, m, s, lo, hi, h);
    }

    private FeatureStats copy(Histogram h) {
        return new FeatureStats(count, mean.clone(), m2.clone(), min.clone(), max.clone(), h);
    }

    /** The histogram and class counts, or null when not kept. */
    public Histogram histogram() {
        return histogram;
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
