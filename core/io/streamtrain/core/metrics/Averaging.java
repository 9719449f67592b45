package io.streamtrain.core.metrics;

/** How a per-class metric is summarised over classes; {@link #column()} is the {@code averaging} column's value. */
public enum Averaging {
    /** Not averaged: a per-class value, or a metric defined over all examples at once (accuracy, log loss, ECE). */
    NONE("none"),
    /** Unweighted mean over the classes where the metric is defined. */
    MACRO("macro"),
    /** The metric of the summed counts of all classes (for single-label data micro precision = recall = accuracy). */
    MICRO("micro"),
    /** Mean over classes weighted by support. */
    WEIGHTED("weighted");

    private final String column;

    Averaging(String column) {
        this.column = column;
    }

    public String column() {
        return column;
    }
}
