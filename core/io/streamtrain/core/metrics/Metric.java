package io.streamtrain.core.metrics;

/**
 * The metrics of an evaluation, one definition each, shared by validation during training and by evaluate;
 * {@link #column()} is the value of the {@code metric} column in every table.
 */
public enum Metric {
    /** Share of all examples predicted correctly: trace / total. */
    ACCURACY("accuracy"),
    /** Of the examples predicted as the class, the share that are the class: tp / (tp + fp). */
    PRECISION("precision"),
    /** Of the examples of the class, the share predicted as the class: tp / (tp + fn). */
    RECALL("recall"),
    /** Harmonic mean of precision and recall: 2pr / (p + r). */
    F1("f1"),
    /** Number of test examples of the class: tp + fn. */
    SUPPORT("support"),
    /** Mean over examples of -ln p(true class), probabilities clipped to [1e-15, 1]. */
    LOG_LOSS("log_loss"),
    /** One-vs-rest area under the ROC curve: P(score of a positive > score of a negative), ties count half. */
    ROC_AUC("roc_auc"),
    /** Expected calibration error: support-weighted mean |accuracy - confidence| over equal-width confidence bins. */
    ECE("ece");

    private final String column;

    Metric(String column) {
        this.column = column;
    }

    public String column() {
        return column;
    }
}
