package io.streamtrain.evaluate;

import io.streamtrain.core.ConfigException;
import io.streamtrain.core.Settings;

/**
 * How evaluate measures and decides.
 *
 * @param replicates      Poisson bootstrap replicates behind every interval; 0 reports no intervals
 * @param seed            the bootstrap's seed: the same seed and rows give the same intervals
 * @param confidence      coverage of the intervals, e.g. 0.95
 * @param calibrationBins equal-width confidence bins of the expected calibration error and reliability diagram
 * @param sliceColumn     a curated column to report metrics by (e.g. batch), or empty for none
 * @param sliceLimit      at most this many values of it get a slice of their own; the rest share one
 * @param gate            the promotion gate's rules
 */
public record EvaluateSettings(int replicates, long seed, double confidence, int calibrationBins, String sliceColumn,
                               int sliceLimit, GateSettings gate) {

    public static final String REPLICATES = "evaluate.bootstrap.replicates";
    public static final String SEED = "evaluate.bootstrap.seed";
    public static final String CONFIDENCE = "evaluate.confidence";
    public static final String CALIBRATION_BINS = "evaluate.calibration-bins";
    public static final String SLICE_COLUMN = "evaluate.slice-column";
    public static final String SLICE_LIMIT = "evaluate.slice-limit";

    /**
     * The promotion gate.
     *
     * @param enabled              whether evaluate compares with the champion and may move it ({@code --gate})
     * @param metric               the metric the rule judges
     * @param margin               superiority: the metric must improve by at least this much (candidate - champion)
     * @param maxClassRegression   no class's F1 may fall by more than this
     * @param alpha                superiority: McNemar's test must give a p-value below this; 1 accepts any
     * @param rule                 superiority (the candidate must be better) or non-inferiority (no worse than a
     *                             small margin, with confidence)
     * @param nonInferiorityMargin non-inferiority: the paired interval's lower bound of candidate - champion must be at
     *                             least minus this
     * @param maxForgetting        non-inferiority: the candidate's metric must be at least the first champion's minus
     *                             this, so that a chain of small losses cannot add up
     */
    public record GateSettings(boolean enabled, GateMetric metric, double margin, double maxClassRegression,
                               double alpha, Rule rule, double nonInferiorityMargin, double maxForgetting) {

        public static final String ENABLED = "evaluate.gate.enabled";
        public static final String METRIC = "evaluate.gate.metric";
        public static final String MARGIN = "evaluate.gate.margin";
        public static final String MAX_CLASS_REGRESSION = "evaluate.gate.max-class-regression";
        public static final String ALPHA = "evaluate.gate.alpha";
        public static final String RULE = "evaluate.gate.rule";
        public static final String NON_INFERIORITY_MARGIN = "evaluate.gate.non-inferiority-margin";
        public static final String MAX_FORGETTING = "evaluate.gate.max-forgetting";

        /** What a candidate must show to replace the champion. */
        public enum Rule {
            /**
             * Better: the metric improves by at least {@code margin} and McNemar's test finds the difference
             * significant. For scheduled retraining, where a new model must earn its place.
             */
            SUPERIORITY,
            /**
             * No worse: the lower bound of the paired bootstrap interval of candidate - champion is at least
             * {@code -non-inferiority-margin}. For continuous retraining, where a model as good as the champion but
             * trained on fresher data should replace it.
             */
            NON_INFERIORITY
        }

        /** A superiority gate. */
        public GateSettings(boolean enabled, GateMetric metric, double margin, double maxClassRegression,
                            double alpha) {
            this(enabled, metric, margin, maxClassRegression, alpha, Rule.SUPERIORITY, 0, 1);
        }

        public static GateSettings from(Settings s) {
            return new GateSettings(s.bool(ENABLED), s.oneOf(METRIC, GateMetric.class), s.doubleInRange(MARGIN, -1, 1),
                    s.doubleInRange(MAX_CLASS_REGRESSION, 0, 1), inUnitInterval(s, ALPHA), s.oneOf(RULE, Rule.class),
                    s.doubleInRange(NON_INFERIORITY_MARGIN, 0, 1), s.doubleInRange(MAX_FORGETTING, 0, 1));
        }

        /** The same gate, switched on, with {@code rule}. */
        public GateSettings enabledWith(Rule rule) {
            return new GateSettings(true, metric, margin, maxClassRegression, alpha, rule, nonInferiorityMargin,
                    maxForgetting);
        }

        private static double inUnitInterval(Settings s, String key) {
            double v = s.doubleInRange(key, 0, 1.000001);
            if (v <= 0) {
                throw new ConfigException(key, v, "must be a probability in (0, 1]");
            }
            return Math.min(1, v);
        }
    }

    public static EvaluateSettings from(Settings s) {
        double confidence = s.doubleInRange(CONFIDENCE, 0.5, 1);
        int replicates = s.intInRange(REPLICATES, 0, 10_000);
        GateSettings gate = GateSettings.from(s);
        if (gate.rule() == GateSettings.Rule.NON_INFERIORITY && replicates == 0) {
            throw new ConfigException(GateSettings.RULE, "non-inferiority", "decides on the paired bootstrap"
                    + " interval, which " + REPLICATES + " = 0 turns off: set it to 100 or more");
        }
        return new EvaluateSettings(replicates, s.raw().getLong(SEED), confidence,
                s.intInRange(CALIBRATION_BINS, 1, 1000), s.string(SLICE_COLUMN).strip(), s.intInRange(SLICE_LIMIT, 1, 10_000),
                gate);
    }

    /** The same settings with the gate switched on: what {@code evaluate --gate} asks for. */
    public EvaluateSettings withGate() {
        return new EvaluateSettings(replicates, seed, confidence, calibrationBins, sliceColumn, sliceLimit,
                gate.enabledWith(gate.rule()));
    }
}
