package io.streamtrain.core.metrics;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The intervals mean what they say: on simulated test sets whose true accuracy and log loss are known, the 95%
 * interval of the Poisson bootstrap (the same {@link Replicates} the Spark job fills, here fed in plain Java) covers
 * the true value in 93% to 97% of 1,000 seeded trials.
 */
class BootstrapCoverageTest {

    private static final int TRIALS = 1000;
    private static final int ROWS = 300;
    private static final int REPLICATES = 200;
    private static final double ACCURACY = 0.8;
    private static final List<String> LABELS = List.of("a", "b", "c");

    @Test
    void ninetyFivePercentIntervalsCoverTheTrueValueNinetyFivePercentOfTheTime() {
        // A right prediction gives the true class 0.7, a wrong one 0.1: the population's log loss is known exactly.
        double trueLogLoss = -(ACCURACY * Math.log(0.7) + (1 - ACCURACY) * Math.log(0.1));
        Random random = new Random(20261129);
        int accuracyCovered = 0;
        int logLossCovered = 0;
        for (int trial = 0; trial < TRIALS; trial++) {
            Replicates r = new Replicates(3, 10, REPLICATES, 7);
            for (int i = 0; i < ROWS; i++) {
                int label = random.nextInt(3);
                double[] p = new double[3];
                if (random.nextDouble() < ACCURACY) {
                    p[label] = 0.7;
                    p[(label + 1) % 3] = 0.2;
                    p[(label + 2) % 3] = 0.1;
                } else {
                    p[label] = 0.1;
                    p[(label + 1) % 3] = 0.6;
                    p[(label + 2) % 3] = 0.3;
                }
                r.add((long) trial * ROWS + i, label, p);
            }
            if (Interval.percentile(r, s -> ConfusionMetrics.accuracy(s.confusion(LABELS)), 0.95)
                    .contains(ACCURACY)) {
                accuracyCovered++;
            }
            if (Interval.percentile(r, ScoreMetrics::logLoss, 0.95).contains(trueLogLoss)) {
                logLossCovered++;
            }
        }
        System.out.printf("bootstrap coverage over %d trials: accuracy %.3f, log loss %.3f%n", TRIALS,
                accuracyCovered / (double) TRIALS, logLossCovered / (double) TRIALS);
        assertThat(accuracyCovered / (double) TRIALS).as("accuracy coverage").isBetween(0.93, 0.97);
        assertThat(logLossCovered / (double) TRIALS).as("log loss coverage").isBetween(0.93, 0.97);
    }

    @Test
    void replicatesDependOnTheRowsNotOnTheirOrderOrGrouping() {
        Replicates inOrder = new Replicates(2, 5, 50, 3);
        Replicates a = new Replicates(2, 5, 50, 3);
        Replicates b = new Replicates(2, 5, 50, 3);
        for (int i = 0; i < 100; i++) {
            double[] p = {0.3 + i / 1000.0, 0.7 - i / 1000.0};
            inOrder.add(Replicates.key("id-" + i), i % 2, p);
            (i % 3 == 0 ? a : b).add(Replicates.key("id-" + (99 - i)), (99 - i) % 2,
                    new double[]{0.3 + (99 - i) / 1000.0, 0.7 - (99 - i) / 1000.0});
        }
        a.merge(b);
        for (int rep = 1; rep <= 50; rep++) {
            assertThat(a.replicate(rep).confusion(List.of("x", "y")))
                    .isEqualTo(inOrder.replicate(rep).confusion(List.of("x", "y")));
        }
        assertThat(inOrder.replicate(1).examples()).isNotEqualTo(inOrder.replicate(2).examples());
    }

    @Test
    void poissonWeightsHaveMeanAndVarianceOne() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(1);
        int n = 200_000;
        double sum = 0;
        double squares = 0;
        for (int i = 0; i < n; i++) {
            int k = Replicates.poisson(random);
            sum += k;
            squares += (double) k * k;
        }
        double mean = sum / n;
        assertThat(mean).isBetween(0.99, 1.01);
        assertThat(squares / n - mean * mean).isBetween(0.98, 1.02);
    }
}
