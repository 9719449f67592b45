package io.streamtrain.core.metrics;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Supplier;

/**
 * Classification metrics over a {@link Confusion} matrix. A ratio whose denominator is zero (a class never predicted,
 * or absent from the test set) is NaN, with a warning, never a silent 0; averages skip NaN entries the way
 * scikit-learn's {@code zero_division=np.nan} does. Validation during training and {@code evaluate} both compute their
 * figures here, so "macro F1" means the same in the training history and in the evaluation table.
 */
public final class ConfusionMetrics {

    private static final Logger LOG = LoggerFactory.getLogger(ConfusionMetrics.class);

    /** Set while bootstrap replicates are scored: their undefined values are expected and would flood the log. */
    private static final ThreadLocal<Boolean> QUIET = ThreadLocal.withInitial(() -> false);

    private ConfusionMetrics() {
    }

    /** Computes {@code work} without logging undefined values (the point estimate already warned about them). */
    public static <T> T quietly(Supplier<T> work) {
        boolean before = QUIET.get();
        QUIET.set(true);
        try {
            return work.get();
        } finally {
            QUIET.set(before);
        }
    }

    /** Warns that {@code what} is undefined, unless inside {@link #quietly}. */
    static void warnUndefined(String what) {
        if (!QUIET.get()) {
            LOG.warn("{} is undefined (no examples in its denominator); reported as NaN", what);
        }
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
            warnUndefined("accuracy of an empty confusion matrix");
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

    /**
     * The metric of the counts summed over classes. Every wrong prediction is a false positive of one class and a
     * false negative of another, so for single-label data micro precision, recall and F1 all equal accuracy.
     */
    public static double micro(Confusion m, Metric metric) {
        long tp = 0;
        long fp = 0;
        long fn = 0;
        for (int k = 0; k < m.classes(); k++) {
            tp += truePositives(m, k);
            fp += falsePositives(m, k);
            fn += falseNegatives(m, k);
        }
        return switch (metric) {
            case PRECISION -> ratio(tp, tp + fp, "micro precision");
            case RECALL -> ratio(tp, tp + fn, "micro recall");
            case F1 -> ratio(2 * tp, 2 * tp + fp + fn, "micro f1");
            default -> throw new IllegalArgumentException(metric + " has no micro average");
        };
    }

    /** {@code metric} of class k for {@link Averaging#NONE}, else its average over classes. */
    public static double value(Confusion m, Metric metric, Averaging averaging, int k) {
        return switch (averaging) {
            case NONE -> perClass(m, metric, k);
            case MACRO -> macro(m, metric);
            case MICRO -> micro(m, metric);
            case WEIGHTED -> weighted(m, metric);
        };
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
            default -> throw new IllegalArgumentException(metric + " is not a per-class metric of a confusion matrix");
        };
    }

    private static double ratio(long numerator, long denominator, String name, Confusion m, int k) {
        return ratio(numerator, denominator, name + " of class '" + m.labels().get(k) + "'");
    }

    private static double ratio(long numerator, long denominator, String what) {
        if (denominator == 0) {
            warnUndefined(what);
            return Double.NaN;
        }
        return (double) numerator / denominator;
    }
}
