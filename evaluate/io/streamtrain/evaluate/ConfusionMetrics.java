package io.streamtrain.evaluate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Classification metrics over a {@link Confusion} matrix. A ratio whose denominator is zero (a class never predicted,
 * or absent from the test set) is NaN, with a warning, never a silent 0; averages skip NaN entries the way
 * scikit-learn's {@code zero_division=np.nan} does.
 */
public final class ConfusionMetrics {

    private static final Logger LOG = LoggerFactory.getLogger(ConfusionMetrics.class);

    private ConfusionMetrics() {
    }

    public static long truePositives(Confusion m, int k) {
        return m.count(k, k);
    }

    /** Examples predicted as k that are not k. */
    public static long falsePositives(Confusion m, int k) {
        long sum = 0;
        for (int a = 0; a < m.classes(); a++) {
            sum += a == k ? 0 : m.count(a, k);
        }
        return sum;
    }

    /** Examples of k predicted as something else. */
    public static long falseNegatives(Confusion m, int k) {
        long sum = 0;
        for (int p = 0; p < m.classes(); p++) {
            sum += p == k ? 0 : m.count(k, p);
        }
        return sum;
    }

    public static long support(Confusion m, int k) {
        return truePositives(m, k) + falseNegatives(m, k);
    }

    public static double precision(Confusion m, int k) {
        return ratio(truePositives(m, k), truePositives(m, k) + falsePositives(m, k), "precision", m, k);
    }

    public static double recall(Confusion m, int k) {
        return ratio(truePositives(m, k), support(m, k), "recall", m, k);
    }

    public static double f1(Confusion m, int k) {
        double p = precision(m, k);
        double r = recall(m, k);
        if (Double.isNaN(p) || Double.isNaN(r)) {
            return Double.NaN;
        }
        return p + r == 0 ? 0.0 : 2 * p * r / (p + r);
    }

    public static double accuracy(Confusion m) {
        long correct = 0;
        for (int k = 0; k < m.classes(); k++) {
            correct += m.count(k, k);
        }
        long total = m.total();
        if (total == 0) {
            LOG.warn("accuracy is undefined on an empty confusion matrix");
            return Double.NaN;
        }
        return (double) correct / total;
    }

    /** Unweighted mean over classes of a per-class metric, skipping undefined (NaN) values. */
    public static double macro(Confusion m, Metric metric) {
        double sum = 0;
        int n = 0;
        for (int k = 0; k < m.classes(); k++) {
            double v = perClass(m, metric, k);
            if (!Double.isNaN(v)) {
                sum += v;
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /** Mean over classes weighted by support, skipping undefined (NaN) values. */
    public static double weighted(Confusion m, Metric metric) {
        double sum = 0;
        long weight = 0;
        for (int k = 0; k < m.classes(); k++) {
            double v = perClass(m, metric, k);
            long s = support(m, k);
            if (!Double.isNaN(v) && s > 0) {
                sum += v * s;
                weight += s;
            }
        }
        return weight == 0 ? Double.NaN : sum / weight;
    }

    public static double perClass(Confusion m, Metric metric, int k) {
        return switch (metric) {
            case PRECISION -> precision(m, k);
            case RECALL -> recall(m, k);
            case F1 -> f1(m, k);
            case SUPPORT -> support(m, k);
            case ACCURACY -> throw new IllegalArgumentException("accuracy is not a per-class metric");
        };
    }

    private static double ratio(long numerator, long denominator, String name, Confusion m, int k) {
        if (denominator == 0) {
            LOG.warn("{} of class '{}' is undefined (no examples in its denominator); reported as NaN", name,
                    m.labels().get(k));
            return Double.NaN;
        }
        return (double) numerator / denominator;
    }
}
