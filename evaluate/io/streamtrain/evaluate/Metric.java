package io.streamtrain.evaluate;

/** The metrics of an evaluation; {@link #column()} is the value of the {@code metric} column in every table. */
public enum Metric {
    /** Of the examples predicted as the class, the share that are the class: tp / (tp + fp). */
    PRECISION("precision"),
    /** Of the examples of the class, the share predicted as the class: tp / (tp + fn). */
    RECALL("recall"),
    /** Harmonic mean of precision and recall: 2pr / (p + r). */
    F1("f1"),
    /** Number of test examples of the class: tp + fn. */
    SUPPORT("support"),
    /** Share of all examples predicted correctly: trace / total. */
    ACCURACY("accuracy");

    private final String column;

    Metric(String column) {
        this.column = column;
    }

    public String column() {
        return column;
    }
}
