package io.streamtrain.core;

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
    /** Deduplicated, split and scaled examples, partitioned by split. */
    CURATED("curated", "curated"),
    /** Per preprocess run: rows in, out and quarantined by reason, rows per class and split, feature stats, drift. */
    DATA_PROFILE("data_profile", "metrics/data_profile"),
    /** Per run and epoch: loss, samples per second, wall time. */
    TRAINING_HISTORY("training_history", "metrics/training_history"),
    /** Per run: per-class precision, recall, F1 and support, accuracy, macro and weighted averages. */
    EVALUATION("evaluation", "metrics/evaluation"),
    /** Per run: counts of (actual, predicted) pairs on the test split. */
    CONFUSION_MATRIX("confusion_matrix", "metrics/confusion_matrix");

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
