package io.streamtrain.core.metrics;

import java.util.List;

/**
 * The metrics of {@link ScoreStats} that need the predicted probabilities, not only the confusion matrix: log loss,
 * one-vs-rest ROC AUC and expected calibration error. Undefined values (no examples, a class with no positives or no
 * negatives) are NaN with a warning, as in {@link ConfusionMetrics}; macro AUC skips them. ROC AUC of statistics
 * kept without its histograms is NaN, quietly.
 */
public final class ScoreMetrics {

    private ScoreMetrics() {
    }

    public static double logLoss(ScoreStats s) {
        if (s.examples() == 0) {
            ConfusionMetrics.warnUndefined("log loss of no examples");
            return Double.NaN;
        }
        return s.logLossSum() / s.examples();
    }

    /**
     * The Mann-Whitney form of the area under class k's one-vs-rest ROC curve, from the score histograms: a positive
     * above a negative counts 1, in the same bin 1/2.
     */
    public static double rocAuc(ScoreStats s, int k, String label) {
        if (!s.hasAuc()) {
            return Double.NaN;
        }
        double positives = 0;
        double negatives = 0;
        for (int b = 0; b < ScoreStats.AUC_BINS; b++) {
            positives += s.positives(k, b);
            negatives += s.negatives(k, b);
        }
        if (positives == 0 || negatives == 0) {
            ConfusionMetrics.warnUndefined("roc_auc of class '" + label + "' (it needs examples of the class and of"
                    + " others)");
            return Double.NaN;
        }
        double pairs = 0;
        double negativesBelow = 0;
        for (int b = 0; b < ScoreStats.AUC_BINS; b++) {
            long neg = s.negatives(k, b);
            pairs += s.positives(k, b) * (negativesBelow + neg / 2.0);
            negativesBelow += neg;
        }
        return pairs / (positives * negatives);
    }

    /** Unweighted mean of the defined per-class AUCs. */
    public static double macroRocAuc(ScoreStats s, List<String> labels) {
        double sum = 0;
        int n = 0;
        for (int k = 0; k < s.classes(); k++) {
            double v = rocAuc(s, k, labels.get(k));
            if (!Double.isNaN(v)) {
                sum += v;
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /** Sum over bins of |correct - summed confidence|, over all examples: the support-weighted calibration gap. */
    public static double expectedCalibrationError(ScoreStats s) {
        if (s.examples() == 0) {
            ConfusionMetrics.warnUndefined("expected calibration error of no examples");
            return Double.NaN;
        }
        double gap = 0;
        for (int b = 0; b < s.calibrationBins(); b++) {
            gap += Math.abs(s.binCorrect(b) - s.binConfidenceSum(b));
        }
        return gap / s.examples();
    }
}
