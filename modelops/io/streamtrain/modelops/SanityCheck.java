package io.streamtrain.modelops;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.Arrays;

/**
 * The model-randomisation test of Adebayo et al. (2018), "Sanity Checks for Saliency Maps": an explanation method
 * that explains the model must give clearly different maps for the trained network and for the same network with
 * re-randomised weights. The measure is the Spearman rank correlation of the maps' magnitudes per image, averaged
 * over the images; the check passes when the mean is below a threshold. A method that ignores the model (an edge
 * detector, the input itself, a constant) correlates at 1 and fails.
 */
public final class SanityCheck {

    /** An attribution method: one map per row of {@code x}, for the row's target class. */
    @FunctionalInterface
    public interface Explainer {
        float[][] explain(MultiLayerNetwork network, float[][] x, int[] classes);
    }

    /**
     * @param perImage   each image's rank correlation
     * @param mean       their mean, what is printed as {@code sanity_rank_correlation}
     * @param threshold  the check passes when the mean is below this
     */
    public record Result(double[] perImage, double mean, double threshold) {
        public boolean passed() {
            return mean < threshold;
        }
    }

    private SanityCheck() {
    }

    public static Result check(Explainer explainer, MultiLayerNetwork trained, MultiLayerNetwork randomised,
                               float[][] x, int[] classes, double threshold) {
        return compare(explainer.explain(trained, x, classes), explainer.explain(randomised, x, classes), threshold);
    }

    /** The check on maps already computed. */
    public static Result compare(float[][] trained, float[][] randomised, double threshold) {
        double[] r = new double[trained.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = spearman(abs(trained[i]), abs(randomised[i]));
        }
        return new Result(r, Arrays.stream(r).average().orElse(Double.NaN), threshold);
    }

    /**
     * Spearman's rank correlation: Pearson's correlation of the ranks, tied values sharing their mean rank. Two
     * constant maps are the same map (1); one constant map against a varying one carries no ranking (0).
     */
    public static double spearman(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("maps of " + a.length + " and " + b.length + " values");
        }
        double[] ra = ranks(a);
        double[] rb = ranks(b);
        double ma = Arrays.stream(ra).average().orElse(0);
        double mb = Arrays.stream(rb).average().orElse(0);
        double cov = 0;
        double va = 0;
        double vb = 0;
        for (int i = 0; i < a.length; i++) {
            cov += (ra[i] - ma) * (rb[i] - mb);
            va += (ra[i] - ma) * (ra[i] - ma);
            vb += (rb[i] - mb) * (rb[i] - mb);
        }
        if (va == 0 || vb == 0) {
            return va == 0 && vb == 0 ? 1.0 : 0.0;
        }
        return cov / Math.sqrt(va * vb);
    }

    static double[] ranks(double[] v) {
        Integer[] order = new Integer[v.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (p, q) -> Double.compare(v[p], v[q]));
        double[] rank = new double[v.length];
        int i = 0;
        while (i < order.length) {
            int j = i;
            while (j + 1 < order.length && v[order[j + 1]] == v[order[i]]) {
                j++;
            }
            double mean = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                rank[order[k]] = mean;
            }
            i = j + 1;
        }
        return rank;
    }

    private static double[] abs(float[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Math.abs(v[i]);
        }
        return out;
    }
}
