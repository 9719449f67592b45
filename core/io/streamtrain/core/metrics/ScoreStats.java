package io.streamtrain.core.metrics;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;

/**
 * What every metric of a classifier's scored examples needs, summed over (weighted) examples: the confusion matrix,
 * the summed log loss, reliability bins and per-class score histograms for ROC AUC. Sums merge by adding, so each
 * Spark partition builds its own and the driver adds a handful of them; no prediction leaves its executor.
 *
 * <p>ROC AUC comes from histograms of each class's score on the logit scale ({@link #AUC_BINS} bins over
 * [-{@link #LOGIT_LIMIT}, {@link #LOGIT_LIMIT}], each 1/16 wide); pairs of examples inside one bin count as ties
 * (half), so the value can differ from the exact one by half the share of positive-negative pairs that share a bin
 * (tests find it within 0.002 of the exact value). Its counts are ints, to keep a 200-replicate bootstrap of 10
 * classes near 8 MB: one statistics object holds at most 2^31 - 1 weighted examples per bin. Statistics made without
 * the histograms ({@link #withoutAuc}, about 30 times smaller) have every metric but ROC AUC, which is NaN there.
 *
 * <p>The summed log loss and confidences are kept as exact fixed-point sums ({@link #FIXED_POINT} units of 2^-24):
 * every sum is an integer, so merging in any order gives the same bits, and Spark may merge partitions as their
 * results arrive.
 */
public final class ScoreStats implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Histogram bins per class for ROC AUC. */
    public static final int AUC_BINS = 512;
    /** Scores are binned by ln(p / (1 - p)), clamped to this bound (p from about 1e-7 to 1 - 1e-7). */
    public static final double LOGIT_LIMIT = 16;
    /** Probabilities below this count as this in the log loss: ln(0) would make one example's loss infinite. */
    public static final double MIN_PROBABILITY = 1e-15;
    /** Units a real-valued sum is counted in: each example's loss and confidence is rounded to 2^-24 (6e-8). */
    static final double FIXED_POINT = 1 << 24;

    private final int classes;
    private final long[] confusion;
    private long logLossSum;
    private long examples;
    private final long[] binCount;
    private final long[] binConfidence;
    private final long[] binCorrect;
    private final int[] positives;
    private final int[] negatives;

    /** Empty statistics for {@code classes} classes and {@code calibrationBins} equal-width confidence bins. */
    public ScoreStats(int classes, int calibrationBins) {
        this(classes, calibrationBins, true);
    }

    /** The same without ROC AUC's histograms: for the many slices and replicates where an interval of AUC can go. */
    public static ScoreStats withoutAuc(int classes, int calibrationBins) {
        return new ScoreStats(classes, calibrationBins, false);
    }

    private ScoreStats(int classes, int calibrationBins, boolean auc) {
        if (classes < 2 || calibrationBins < 1) {
            throw new IllegalArgumentException("need at least 2 classes and 1 bin, got " + classes + " and "
                    + calibrationBins);
        }
        this.classes = classes;
        this.confusion = new long[classes * classes];
        this.binCount = new long[calibrationBins];
        this.binConfidence = new long[calibrationBins];
        this.binCorrect = new long[calibrationBins];
        this.positives = new int[auc ? classes * AUC_BINS : 0];
        this.negatives = new int[auc ? classes * AUC_BINS : 0];
    }

    /**
     * Adds an example {@code weight} times.
     *
     * @param label         the true class
     * @param probabilities the predicted distribution over classes
     * @param predicted     the predicted class: the index of the largest probability
     */
    public void add(int label, double[] probabilities, int predicted, int weight) {
        add(label, probabilities, predicted, weight, loss(probabilities, label), aucBins(probabilities));
    }

    /**
     * The same with the example's loss and {@link #aucBins} computed by the caller: a bootstrap adds one example to
     * hundreds of replicates and needs its logarithms only once.
     */
    void add(int label, double[] probabilities, int predicted, int weight, double loss, int[] aucBins) {
        if (weight == 0) {
            return;
        }
        confusion[label * classes + predicted] += weight;
        logLossSum = Math.addExact(logLossSum, weight * fixed(loss));
        examples += weight;
        double confidence = probabilities[predicted];
        int bin = Math.min(binCount.length - 1, Math.max(0, (int) (confidence * binCount.length)));
        binCount[bin] += weight;
        binConfidence[bin] = Math.addExact(binConfidence[bin], weight * fixed(confidence));
        binCorrect[bin] += predicted == label ? weight : 0;
        if (!hasAuc()) {
            return;
        }
        for (int k = 0; k < classes; k++) {
            int b = k * AUC_BINS + aucBins[k];
            if (k == label) {
                positives[b] += weight;
            } else {
                negatives[b] += weight;
            }
        }
    }

    private static long fixed(double value) {
        return Math.round(value * FIXED_POINT);
    }

    /** -ln p(label), the probability clipped at {@link #MIN_PROBABILITY}. */
    static double loss(double[] probabilities, int label) {
        return -Math.log(Math.max(probabilities[label], MIN_PROBABILITY));
    }

    /** The ROC AUC histogram bin of each class's probability. */
    static int[] aucBins(double[] probabilities) {
        int[] bins = new int[probabilities.length];
        for (int k = 0; k < bins.length; k++) {
            bins[k] = aucBin(probabilities[k]);
        }
        return bins;
    }

    /** The index of the largest probability (the first of equal ones). */
    public static int argmax(double[] probabilities) {
        int best = 0;
        for (int k = 1; k < probabilities.length; k++) {
            if (probabilities[k] > probabilities[best]) {
                best = k;
            }
        }
        return best;
    }

    static int aucBin(double p) {
        double logit = Math.log(p) - Math.log1p(-p);
        if (Double.isNaN(logit)) {
            logit = 0;
        }
        double clamped = Math.max(-LOGIT_LIMIT, Math.min(LOGIT_LIMIT, logit));
        return Math.min(AUC_BINS - 1, (int) ((clamped + LOGIT_LIMIT) / (2 * LOGIT_LIMIT) * AUC_BINS));
    }

    /** Adds {@code other}'s sums to these; returns this. */
    public ScoreStats merge(ScoreStats other) {
        if (other.classes != classes || other.binCount.length != binCount.length
                || other.positives.length != positives.length) {
            throw new IllegalArgumentException("cannot merge statistics of different shapes");
        }
        add(confusion, other.confusion);
        logLossSum = Math.addExact(logLossSum, other.logLossSum);
        examples += other.examples;
        add(binCount, other.binCount);
        add(binConfidence, other.binConfidence);
        add(binCorrect, other.binCorrect);
        add(positives, other.positives);
        add(negatives, other.negatives);
        return this;
    }

    private static void add(long[] into, long[] from) {
        for (int i = 0; i < into.length; i++) {
            into[i] = Math.addExact(into[i], from[i]);
        }
    }

    private static void add(int[] into, int[] from) {
        for (int i = 0; i < into.length; i++) {
            into[i] = Math.addExact(into[i], from[i]);
        }
    }

    public int classes() {
        return classes;
    }

    /** Weighted examples added. */
    public long examples() {
        return examples;
    }

    public double logLossSum() {
        return logLossSum / FIXED_POINT;
    }

    /** Whether ROC AUC's histograms are kept. */
    public boolean hasAuc() {
        return positives.length > 0;
    }

    public Confusion confusion(List<String> labels) {
        long[][] counts = new long[classes][];
        for (int a = 0; a < classes; a++) {
            counts[a] = Arrays.copyOfRange(confusion, a * classes, (a + 1) * classes);
        }
        return new Confusion(labels, counts);
    }

    public int calibrationBins() {
        return binCount.length;
    }

    /** Examples whose top probability fell in bin b, [b / bins, (b + 1) / bins). */
    public long binCount(int b) {
        return binCount[b];
    }

    public double binConfidenceSum(int b) {
        return binConfidence[b] / FIXED_POINT;
    }

    public long binCorrect(int b) {
        return binCorrect[b];
    }

    /** Examples of class k (or, for negatives, of other classes) whose score for k fell in AUC bin b. */
    long positives(int k, int b) {
        return positives[k * AUC_BINS + b];
    }

    long negatives(int k, int b) {
        return negatives[k * AUC_BINS + b];
    }
}
