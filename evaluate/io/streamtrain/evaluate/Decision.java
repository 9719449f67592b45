package io.streamtrain.evaluate;

import java.util.List;
import java.util.Locale;

/**
 * What the promotion gate decided and why.
 *
 * @param outcome        promoted, rejected, or kept (the candidate already is the champion)
 * @param candidate      the candidate model's run id
 * @param champion       the champion's run id before the decision, or null when there was none
 * @param metric         the gate's metric, as {@link GateMetric#describe()} names it
 * @param candidateValue the candidate's value of it
 * @param championValue  the champion's, on the same rows; NaN without a champion
 * @param deltaLow       paired-bootstrap interval of candidate - champion; NaN without a champion or replicates
 * @param deltaHigh      its upper bound
 * @param onlyCandidate  McNemar: rows only the candidate classified correctly
 * @param onlyChampion   McNemar: rows only the champion classified correctly
 * @param pValue         McNemar's two-sided p-value; NaN without a champion
 * @param reasons        one sentence per rule, passed or failed
 */
public record Decision(Outcome outcome, String candidate, String champion, String metric, double candidateValue,
                       double championValue, double deltaLow, double deltaHigh, long onlyCandidate,
                       long onlyChampion, double pValue, List<String> reasons) {

    /** How a gate ends; only {@link #REJECTED} makes the command exit with its own code. */
    public enum Outcome {
        /** The candidate is the new champion. */
        PROMOTED,
        /** The champion stays; the candidate failed at least one rule. */
        REJECTED,
        /** The candidate is the champion already: nothing to decide. */
        KEPT;

        public String column() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public Decision {
        reasons = List.copyOf(reasons);
    }

    public boolean rejected() {
        return outcome == Outcome.REJECTED;
    }

    public double delta() {
        return candidateValue - championValue;
    }
}
