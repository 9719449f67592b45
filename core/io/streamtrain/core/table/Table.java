package io.streamtrain.core.table;

/**
 * The warehouse's Parquet tables. The {@code sql} command registers each as a view under {@link #viewName()}.
 */
public enum Table {
    /** Records that passed validation at the door, with topic, partition, offset and ingest batch. */
    LANDING("landing", "landing"),
    /** Records that failed a rule, with the raw value, the stage, a reason code and a message. */
    QUARANTINE("quarantine", "quarantine"),
    /** Per ingest batch: records read, landed and quarantined. */
    INGEST_AUDIT("ingest_audit", "metrics/ingest_audit"),
    /**
     * Deduplicated and split examples, partitioned by split and preprocess run. The features are stored unscaled and
     * compact ({@link CompactFeatures}): each model scales them with the scaler of its own bundle.
     */
    CURATED("curated", "curated"),
    /** Per preprocess run: rows in, out and quarantined by reason, rows per class and split, feature stats, drift. */
    DATA_PROFILE("data_profile", "metrics/data_profile"),
    /** Per run and epoch: loss, samples per second, wall time. */
    TRAINING_HISTORY("training_history", "metrics/training_history"),
    /**
     * Per evaluation run, long format: per slice, class, metric and averaging a value with its confidence interval
     * (precision, recall, F1, support, ROC AUC per class; accuracy, log loss, calibration error; macro, micro and
     * weighted averages).
     */
    EVALUATION("evaluation", "metrics/evaluation"),
    /** Per evaluation run: counts of (actual, predicted) pairs on the test split. */
    CONFUSION_MATRIX("confusion_matrix", "metrics/confusion_matrix"),
    /** Per evaluation run: every test example's label, predicted class and class probabilities, and the model. */
    PREDICTIONS("predictions", "metrics/predictions"),
    /** Per gated evaluation run: the promotion gate's decision, its measurements and its reasons. */
    DECISIONS("decisions", "metrics/decisions"),
    /** Per score run: each scored row's predicted class and class probabilities, and the model. */
    SCORES("scores", "scores"),
    /**
     * Per compress run: each compressed copy of a model (and the original): file bytes, size ratio, weight sparsity,
     * test accuracy with its interval, accuracy change and agreement with the original's predictions.
     */
    COMPRESSION("compression", "metrics/compression"),
    /** Per run and stage: status, start, end, counts in and out, where the outputs are (also reports/run-id/run.json). */
    RUNS("runs", "metrics/runs");

    private final String viewName;
    private final String relativePath;

    Table(String viewName, String relativePath) {
        this.viewName = viewName;
        this.relativePath = relativePath;
    }

    public String viewName() {
        return viewName;
    }

    public String relativePath() {
        return relativePath;
    }
}
