package io.streamtrain.core.metrics;

import io.streamtrain.testing.Warnings;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Log loss, ROC AUC and calibration error against values computed by hand, and undefined cases. */
class ScoreMetricsTest {

    private static final List<String> ABC = List.of("a", "b", "c");

    /** Four examples of three classes, probabilities chosen so that every figure is easy to work out. */
    private static ScoreStats four() {
        ScoreStats s = new ScoreStats(3, 10);
        add(s, 0, 0.7, 0.2, 0.1);   // right, confidence 0.7
        add(s, 1, 0.1, 0.8, 0.1);   // right, confidence 0.8
        add(s, 2, 0.6, 0.3, 0.1);   // wrong (predicted a), confidence 0.6
        add(s, 0, 0.25, 0.72, 0.03); // wrong (predicted b), confidence 0.72
        return s;
    }

    private static void add(ScoreStats s, int label, double... p) {
        s.add(label, p, ScoreStats.argmax(p), 1);
    }

    @Test
    void logLossIsTheMeanNegativeLogProbabilityOfTheTrueClass() {
        double expected = -(Math.log(0.7) + Math.log(0.8) + Math.log(0.1) + Math.log(0.25)) / 4;
        // Losses are summed exactly in units of 2^-24: each example's is rounded to 3e-8.
        assertThat(ScoreMetrics.logLoss(four())).isCloseTo(expected, within(1e-7));
    }

    @Test
    void logLossOfAZeroProbabilityIsClippedNotInfinite() {
        ScoreStats s = new ScoreStats(2, 10);
        add(s, 1, 1.0, 0.0);
        assertThat(ScoreMetrics.logLoss(s)).isCloseTo(-Math.log(ScoreStats.MIN_PROBABILITY), within(1e-7));
    }

    @Test
    void rocAucCountsPairsOfPositivesAboveNegatives() {
        // Class a: positives score 0.7 and 0.25, negatives 0.1 and 0.6: pairs above 0.7>0.1, 0.7>0.6, 0.25>0.1 = 3/4.
        assertThat(ScoreMetrics.rocAuc(four(), 0, "a")).isCloseTo(0.75, within(1e-12));
        // Class b: one positive at 0.8, negatives 0.2, 0.3, 0.72: all below = 1.
        assertThat(ScoreMetrics.rocAuc(four(), 1, "b")).isCloseTo(1.0, within(1e-12));
        // Class c: one positive at 0.1, negatives 0.1 (tie: same bin), 0.1 (tie), 0.03 (below): (1 + 0.5 + 0.5) / 3.
        assertThat(ScoreMetrics.rocAuc(four(), 2, "c")).isCloseTo(2.0 / 3, within(1e-12));
        assertThat(ScoreMetrics.macroRocAuc(four(), ABC)).isCloseTo((0.75 + 1 + 2.0 / 3) / 3, within(1e-12));
    }

    @Test
    void binnedRocAucIsCloseToTheExactOneOnRealisticScores() {
        Random random = new Random(3);
        ScoreStats s = new ScoreStats(2, 10);
        int n = 4000;
        double[] score = new double[n];
        boolean[] positive = new boolean[n];
        for (int i = 0; i < n; i++) {
            positive[i] = random.nextBoolean();
            double logit = random.nextGaussian() * 2 + (positive[i] ? 1.5 : -1.5);
            score[i] = 1 / (1 + Math.exp(-logit));
            add(s, positive[i] ? 1 : 0, 1 - score[i], score[i]);
        }
        double pairs = 0;
        double count = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (positive[i] && !positive[j]) {
                    pairs += score[i] > score[j] ? 1 : score[i] == score[j] ? 0.5 : 0;
                    count++;
                }
            }
        }
        assertThat(ScoreMetrics.rocAuc(s, 1, "1")).isCloseTo(pairs / count, within(0.0005));
    }

    @Test
    void expectedCalibrationErrorIsTheWeightedGapBetweenConfidenceAndAccuracy() {
        // Bins of width 0.1: [0.6, 0.7) holds 0.6 (wrong); [0.7, 0.8) holds 0.7 (right) and 0.72 (wrong);
        // [0.8, 0.9) holds 0.8 (right). Gaps: |0 - 0.6| + |1 - 1.42| + |1 - 0.8| = 1.22, over 4 examples.
        assertThat(ScoreMetrics.expectedCalibrationError(four())).isCloseTo(1.22 / 4, within(1e-7));
    }

    @Test
    void aClassWithoutExamplesHasUndefinedAucAndRecallWithAWarningAndNoCrash() {
        ScoreStats s = new ScoreStats(3, 10);
        add(s, 0, 0.9, 0.05, 0.05);
        add(s, 1, 0.2, 0.7, 0.1);
        try (Warnings warnings = Warnings.of(ConfusionMetrics.class)) {
            assertThat(ScoreMetrics.rocAuc(s, 2, "c")).isNaN();
            assertThat(ConfusionMetrics.recall(s.confusion(ABC), 2)).isNaN();
            assertThat(ConfusionMetrics.f1(s.confusion(ABC), 2)).isNaN();
            assertThat(ScoreMetrics.macroRocAuc(s, ABC)).isCloseTo(1.0, within(1e-12));
            assertThat(warnings.messages()).anyMatch(m -> m.contains("roc_auc of class 'c'"))
                    .anyMatch(m -> m.contains("recall of class 'c'"));
        }
        try (Warnings warnings = Warnings.of(ConfusionMetrics.class)) {
            ScoreStats empty = new ScoreStats(3, 10);
            assertThat(ScoreMetrics.logLoss(empty)).isNaN();
            assertThat(ScoreMetrics.expectedCalibrationError(empty)).isNaN();
            assertThat(ConfusionMetrics.accuracy(empty.confusion(ABC))).isNaN();
            assertThat(warnings.messages()).hasSize(3);
        }
    }

    @Test
    void quietlySuppressesTheWarningsOfReplicates() {
        try (Warnings warnings = Warnings.of(ConfusionMetrics.class)) {
            double v = ConfusionMetrics.quietly(() -> ScoreMetrics.logLoss(new ScoreStats(2, 1)));
            assertThat(v).isNaN();
            assertThat(warnings.messages()).isEmpty();
        }
    }

    @Test
    void statisticsMergeByAddition() {
        ScoreStats a = four();
        ScoreStats b = four();
        ScoreStats twice = new ScoreStats(3, 10);
        for (int i = 0; i < 2; i++) {
            add(twice, 0, 0.7, 0.2, 0.1);
            add(twice, 1, 0.1, 0.8, 0.1);
            add(twice, 2, 0.6, 0.3, 0.1);
            add(twice, 0, 0.25, 0.72, 0.03);
        }
        a.merge(b);
        assertThat(a.confusion(ABC)).isEqualTo(twice.confusion(ABC));
        assertThat(ScoreMetrics.logLoss(a)).isCloseTo(ScoreMetrics.logLoss(twice), within(1e-12));
        assertThat(ScoreMetrics.rocAuc(a, 0, "a")).isEqualTo(ScoreMetrics.rocAuc(twice, 0, "a"));
    }
}
