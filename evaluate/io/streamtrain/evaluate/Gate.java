package io.streamtrain.evaluate;

import org.apache.commons.math3.distribution.BinomialDistribution;
import org.apache.commons.math3.distribution.ChiSquaredDistribution;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The promotion gate's rules, as a pure function of what was measured. Under superiority the candidate replaces the
 * champion only if the gate's metric improves by at least the margin and McNemar's paired test on the same rows finds
 * the difference in errors significant at alpha; under non-inferiority, if the paired bootstrap interval of the
 * difference lies above minus the non-inferiority margin and the metric stays within the allowed forgetting of the
 * first champion's. Under both, no class's F1 may fall by more than the allowed regression. The first model, with no champion to beat, is promoted.
 */
public final class Gate {

    /** Below this many discordant pairs McNemar's p-value is the exact binomial one, above it the chi-square's. */
    static final long EXACT_BELOW = 1000;

    private Gate() {
    }

    /**
     * What was measured for a decision.
     *
     * @param labels            class names
     * @param candidateF1       per-class F1 of the candidate (NaN where undefined)
     * @param championF1        the champion's, on the same rows
     */
    public record Measured(String candidate, String champion, double candidateValue, double championValue,
                           double deltaLow, double deltaHigh, long onlyCandidate, long onlyChampion,
                           List<String> labels, double[] candidateF1, double[] championF1) {
    }

    /** The first model: promoted without comparison. */
    public static Decision first(String candidate, GateMetric metric, double value) {
        return new Decision(Decision.Outcome.PROMOTED, candidate, null, metric.describe(), value, Double.NaN,
                Double.NaN, Double.NaN, 0, 0, Double.NaN, List.of("first model: there is no champion yet"));
    }

    public static Decision decide(EvaluateSettings.GateSettings rules, GateMetric metric, Measured m) {
        return decide(rules, metric, m, Double.NaN);
    }

    /**
     * @param firstChampion the metric of the first model the gate promoted, for non-inferiority's forgetting bound;
     *                      NaN when unknown
     */
    public static Decision decide(EvaluateSettings.GateSettings rules, GateMetric metric, Measured m,
                                  double firstChampion) {
        double p = mcNemar(m.onlyCandidate(), m.onlyChampion());
        if (m.candidate().equals(m.champion())) {
            return decision(Decision.Outcome.KEPT, metric, m, p, List.of("the candidate is the champion already"));
        }
        List<String> reasons = new ArrayList<>();
        boolean nonInferiority = rules.rule() == EvaluateSettings.GateSettings.Rule.NON_INFERIORITY;
        boolean pass = nonInferiority ? noWorse(rules, metric, m, p, reasons) : better(rules, metric, m, p, reasons);
        if (nonInferiority && !Double.isNaN(firstChampion)) {
            boolean kept = m.candidateValue() >= firstChampion - rules.maxForgetting();
            pass &= kept;
            reasons.add(String.format(Locale.ROOT, "%s %.4f %s the first champion's %.4f minus max-forgetting %.4f",
                    metric.describe(), m.candidateValue(), kept ? "keeps within" : "falls below",
                    firstChampion, rules.maxForgetting()));
        }
        List<String> regressed = new ArrayList<>();
        for (int k = 0; k < m.labels().size(); k++) {
            double drop = m.championF1()[k] - m.candidateF1()[k];
            if (drop > rules.maxClassRegression()) {
                regressed.add(String.format(Locale.ROOT, "%s %.4f -> %.4f", m.labels().get(k), m.championF1()[k],
                        m.candidateF1()[k]));
            }
        }
        pass &= regressed.isEmpty();
        reasons.add(regressed.isEmpty()
                ? String.format(Locale.ROOT, "no class's F1 falls by more than %s", rules.maxClassRegression())
                : String.format(Locale.ROOT, "F1 falls by more than %s for %s", rules.maxClassRegression(),
                String.join(", ", regressed)));
        return decision(pass ? Decision.Outcome.PROMOTED : Decision.Outcome.REJECTED, metric, m, p, reasons);
    }

    /** Superiority: the metric improves by at least the margin, and McNemar's test finds the change significant. */
    private static boolean better(EvaluateSettings.GateSettings rules, GateMetric metric, Measured m, double p,
                                  List<String> reasons) {
        double delta = m.candidateValue() - m.championValue();
        boolean improved = delta > 0 && delta >= rules.margin();
        reasons.add(String.format(Locale.ROOT, "%s %s: %.4f against the champion's %.4f, a change of %+.4f%s (%s %.4f)",
                metric.describe(), improved ? "improves" : "does not improve enough", m.candidateValue(),
                m.championValue(), delta, interval(m), "margin", rules.margin()));
        boolean significant = rules.alpha() >= 1 || p < rules.alpha();
        reasons.add(String.format(Locale.ROOT, "McNemar's test: %d rows only the candidate gets right, %d only the"
                        + " champion; p = %.4g %s alpha %s", m.onlyCandidate(), m.onlyChampion(), p,
                significant ? "passes" : "fails", rules.alpha()));
        return improved && significant;
    }

    /**
     * Non-inferiority: the paired interval's lower bound of candidate - champion is at least minus the margin. McNemar's
     * p-value is reported, not required: a fresher model that is as good need not be significantly better.
     */
    private static boolean noWorse(EvaluateSettings.GateSettings rules, GateMetric metric, Measured m, double p,
                                   List<String> reasons) {
        double delta = m.candidateValue() - m.championValue();
        boolean known = !Double.isNaN(m.deltaLow());
        boolean noWorse = known && m.deltaLow() >= -rules.nonInferiorityMargin();
        reasons.add(String.format(Locale.ROOT, "%s %s: %.4f against the champion's %.4f, a change of %+.4f%s"
                        + " (non-inferiority margin %.4f: the interval's lower bound must be at least %+.4f)",
                metric.describe(), !known ? "has no interval to judge" : noWorse ? "is no worse" : "may be worse",
                m.candidateValue(), m.championValue(), delta, interval(m), rules.nonInferiorityMargin(),
                -rules.nonInferiorityMargin()));
        reasons.add(String.format(Locale.ROOT, "McNemar's test (reported, not required): %d rows only the candidate"
                + " gets right, %d only the champion; p = %.4g", m.onlyCandidate(), m.onlyChampion(), p));
        return noWorse;
    }

    private static String interval(Measured m) {
        return Double.isNaN(m.deltaLow()) ? "" : String.format(Locale.ROOT, ", paired-bootstrap interval [%s, %s]",
                fixed(m.deltaLow()), fixed(m.deltaHigh()));
    }

    private static Decision decision(Decision.Outcome outcome, GateMetric metric, Measured m, double p,
                                     List<String> reasons) {
        return new Decision(outcome, m.candidate(), m.champion(), metric.describe(), m.candidateValue(),
                m.championValue(), m.deltaLow(), m.deltaHigh(), m.onlyCandidate(), m.onlyChampion(), p, reasons);
    }

    /**
     * McNemar's two-sided p-value from the discordant pairs b and c: exact (twice the binomial tail of min(b, c) under
     * p = 1/2) when there are fewer than {@link #EXACT_BELOW}, else the continuity-corrected chi-square; 1 when there
     * are none.
     */
    public static double mcNemar(long b, long c) {
        long n = b + c;
        if (n == 0) {
            return 1;
        }
        if (n < EXACT_BELOW) {
            double tail = new BinomialDistribution(null, (int) n, 0.5).cumulativeProbability((int) Math.min(b, c));
            return Math.min(1, 2 * tail);
        }
        double chi = Math.pow(Math.abs(b - c) - 1.0, 2) / n;
        return 1 - new ChiSquaredDistribution(null, 1).cumulativeProbability(chi);
    }

    private static String fixed(double v) {
        return String.format(Locale.ROOT, "%+.4f", v);
    }
}
