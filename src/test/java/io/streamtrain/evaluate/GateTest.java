package io.streamtrain.evaluate;

import io.streamtrain.core.metrics.Replicates;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The promotion gate's decisions: better, worse, within the margin, one class regressing, the first model. */
class GateTest {

    private static final List<String> LABELS = List.of("a", "b", "c");
    private static final EvaluateSettings.GateSettings RULES =
            new EvaluateSettings.GateSettings(true, GateMetric.ACCURACY, 0.01, 0.05, 0.05);

    private static Gate.Measured measured(double candidate, double champion, long onlyCandidate, long onlyChampion,
                                          double[] candidateF1, double[] championF1) {
        return new Gate.Measured("new", "old", candidate, champion, Double.NaN, Double.NaN, onlyCandidate,
                onlyChampion, LABELS, candidateF1, championF1);
    }

    @Test
    void aSignificantlyBetterCandidateWithoutRegressionsIsPromoted() {
        Decision d = Gate.decide(RULES, GateMetric.ACCURACY, measured(0.90, 0.85, 60, 10,
                new double[]{0.9, 0.9, 0.9}, new double[]{0.85, 0.85, 0.85}));
        assertThat(d.outcome()).isEqualTo(Decision.Outcome.PROMOTED);
        assertThat(d.reasons()).hasSize(3);
        assertThat(d.pValue()).isLessThan(0.001);
    }

    @Test
    void aWorseCandidateIsRejected() {
        Decision d = Gate.decide(RULES, GateMetric.ACCURACY, measured(0.80, 0.85, 10, 60,
                new double[]{0.8, 0.8, 0.8}, new double[]{0.85, 0.85, 0.85}));
        assertThat(d.outcome()).isEqualTo(Decision.Outcome.REJECTED);
        assertThat(d.rejected()).isTrue();
        assertThat(d.reasons().get(0)).contains("does not improve enough");
    }

    @Test
    void anImprovementWithinTheMarginIsRejected() {
        Decision d = Gate.decide(RULES, GateMetric.ACCURACY, measured(0.855, 0.85, 30, 10,
                new double[]{0.85, 0.85, 0.85}, new double[]{0.85, 0.85, 0.85}));
        assertThat(d.outcome()).isEqualTo(Decision.Outcome.REJECTED);
        assertThat(d.reasons().get(0)).contains("does not improve enough").contains("margin 0.0100");
    }

    @Test
    void oneClassRegressingBeyondTheThresholdRejectsABetterCandidate() {
        Decision d = Gate.decide(RULES, GateMetric.ACCURACY, measured(0.90, 0.85, 60, 10,
                new double[]{0.95, 0.95, 0.70}, new double[]{0.85, 0.85, 0.80}));
        assertThat(d.outcome()).isEqualTo(Decision.Outcome.REJECTED);
        assertThat(d.reasons().get(2)).contains("c 0.8000 -> 0.7000").doesNotContain("a 0.");
    }

    @Test
    void anInsignificantDifferenceIsRejectedUnlessAlphaIsOne() {
        Gate.Measured m = measured(0.90, 0.85, 6, 2, new double[]{0.9, 0.9, 0.9}, new double[]{0.85, 0.85, 0.85});
        assertThat(Gate.decide(RULES, GateMetric.ACCURACY, m).outcome()).isEqualTo(Decision.Outcome.REJECTED);
        EvaluateSettings.GateSettings anyP = new EvaluateSettings.GateSettings(true, GateMetric.ACCURACY, 0.01,
                0.05, 1.0);
        assertThat(Gate.decide(anyP, GateMetric.ACCURACY, m).outcome()).isEqualTo(Decision.Outcome.PROMOTED);
    }

    private static final EvaluateSettings.GateSettings NON_INFERIORITY = new EvaluateSettings.GateSettings(true,
            GateMetric.ACCURACY, 0.01, 0.05, 0.05, EvaluateSettings.GateSettings.Rule.NON_INFERIORITY, 0.005, 0.01);

    private static Gate.Measured withInterval(double candidate, double champion, double low, double high,
                                              double[] candidateF1) {
        return new Gate.Measured("new", "old", candidate, champion, low, high, 40, 45, LABELS, candidateF1,
                new double[]{0.85, 0.85, 0.85});
    }

    @Test
    void nonInferiorityPromotesACandidateAsGoodAsTheChampionThatSuperiorityRejects() {
        double[] f1 = {0.85, 0.85, 0.85};
        // Slightly worse, insignificantly: the interval's lower bound is above -0.005.
        Gate.Measured asGood = withInterval(0.849, 0.850, -0.0045, 0.0025, f1);
        Decision d = Gate.decide(NON_INFERIORITY, GateMetric.ACCURACY, asGood);
        assertThat(d.outcome()).isEqualTo(Decision.Outcome.PROMOTED);
        assertThat(d.reasons().get(0)).contains("is no worse").contains("[-0.0045, +0.0025]")
                .contains("at least -0.0050");
        assertThat(d.reasons().get(1)).contains("reported, not required");
        assertThat(Gate.decide(RULES, GateMetric.ACCURACY, asGood).outcome()).isEqualTo(Decision.Outcome.REJECTED);
    }

    @Test
    void nonInferiorityRejectsACandidateThatMayBeWorseByMoreThanTheMargin() {
        Decision d = Gate.decide(NON_INFERIORITY, GateMetric.ACCURACY,
                withInterval(0.848, 0.850, -0.0061, 0.0021, new double[]{0.85, 0.85, 0.85}));
        assertThat(d.outcome()).isEqualTo(Decision.Outcome.REJECTED);
        assertThat(d.reasons().get(0)).contains("may be worse");
    }

    @Test
    void nonInferiorityRejectsACandidateThatHasForgottenMoreThanAllowedSinceTheFirstChampion() {
        // No worse than its champion, but the chain of such steps has drifted below the first champion's 0.8600.
        Gate.Measured drifted = withInterval(0.849, 0.850, -0.0045, 0.0025, new double[]{0.85, 0.85, 0.85});
        Decision d = Gate.decide(NON_INFERIORITY, GateMetric.ACCURACY, drifted, 0.86);
        assertThat(d.outcome()).isEqualTo(Decision.Outcome.REJECTED);
        assertThat(d.reasons().get(2)).contains("0.8490 falls below the first champion's 0.8600")
                .contains("max-forgetting 0.0100");
        assertThat(Gate.decide(NON_INFERIORITY, GateMetric.ACCURACY, drifted, 0.855).outcome())
                .isEqualTo(Decision.Outcome.PROMOTED);
    }

    @Test
    void nonInferiorityStillRejectsAClassThatRegressesAndAnUnmeasuredInterval() {
        Decision regressed = Gate.decide(NON_INFERIORITY, GateMetric.ACCURACY,
                withInterval(0.86, 0.85, 0.001, 0.02, new double[]{0.95, 0.95, 0.70}));
        assertThat(regressed.outcome()).isEqualTo(Decision.Outcome.REJECTED);
        assertThat(regressed.reasons().get(2)).contains("c 0.8500 -> 0.7000");
        Decision unmeasured = Gate.decide(NON_INFERIORITY, GateMetric.ACCURACY,
                withInterval(0.86, 0.85, Double.NaN, Double.NaN, new double[]{0.85, 0.85, 0.85}));
        assertThat(unmeasured.outcome()).isEqualTo(Decision.Outcome.REJECTED);
        assertThat(unmeasured.reasons().get(0)).contains("has no interval to judge");
    }

    @Test
    void theFirstModelIsPromotedAndTheChampionItselfIsKept() {
        Decision first = Gate.first("m1", GateMetric.MACRO_F1, 0.8);
        assertThat(first.outcome()).isEqualTo(Decision.Outcome.PROMOTED);
        assertThat(first.champion()).isNull();
        assertThat(first.reasons()).containsExactly("first model: there is no champion yet");
        Gate.Measured same = new Gate.Measured("m1", "m1", 0.8, 0.8, 0, 0, 0, 0, LABELS,
                new double[3], new double[3]);
        assertThat(Gate.decide(RULES, GateMetric.ACCURACY, same).outcome()).isEqualTo(Decision.Outcome.KEPT);
    }

    @Test
    void mcNemarIsExactForFewDiscordantPairsAndChiSquareForMany() {
        assertThat(Gate.mcNemar(10, 0)).isCloseTo(2 * Math.pow(0.5, 10), within(1e-12));
        assertThat(Gate.mcNemar(3, 3)).isEqualTo(1.0);
        assertThat(Gate.mcNemar(0, 0)).isEqualTo(1.0);
        // (|600 - 500| - 1)^2 / 1100 = 8.91: the chi-square (1 df) tail is 0.00284.
        assertThat(Gate.mcNemar(600, 500)).isCloseTo(0.00284, within(0.00002));
    }

    @Test
    void thePairedBootstrapIntervalOfTheDifferenceComesFromReplicatesThatWeightRowsAlike() {
        Random random = new Random(5);
        Replicates candidate = new Replicates(3, 10, 200, 9);
        Replicates champion = new Replicates(3, 10, 200, 9);
        long onlyCandidate = 0;
        long onlyChampion = 0;
        for (int i = 0; i < 2000; i++) {
            int label = random.nextInt(3);
            boolean championRight = random.nextDouble() < 0.8;
            // The candidate fixes a third of the champion's mistakes and makes no new ones.
            boolean candidateRight = championRight || random.nextDouble() < 0.33;
            candidate.add(i, label, distribution(label, candidateRight));
            champion.add(i, label, distribution(label, championRight));
            onlyCandidate += candidateRight && !championRight ? 1 : 0;
        }
        Scores.Paired paired = new Scores.Paired(candidate, champion, onlyCandidate, onlyChampion);
        EvaluateSettings settings = new EvaluateSettings(200, 9, 0.95, 10, "", 100, RULES);
        Decision d = EvaluateJob.decide(settings, "new", "old", paired, LABELS);
        assertThat(d.outcome()).isEqualTo(Decision.Outcome.PROMOTED);
        assertThat(d.deltaLow()).isPositive().isLessThan(d.delta());
        assertThat(d.deltaHigh()).isGreaterThan(d.delta());
        // Paired replicates differ far less than independent ones would: the candidate is never worse on a row.
        assertThat(java.util.Arrays.stream(EvaluateJob.differences(paired, GateMetric.ACCURACY, LABELS)).min()
                .orElseThrow()).isNotNegative();
    }

    private static double[] distribution(int label, boolean right) {
        double[] p = {0.2, 0.2, 0.2};
        p[right ? label : (label + 1) % 3] = 0.6;
        return p;
    }
}
