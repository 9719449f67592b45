package io.streamtrain.core.table;

/**
 * The curated table's partitions. Train is what models fit; validation picks a run's best epoch; test is what
 * evaluate and the gate judge; holdout (the continuous loop's share of each cycle's new records,
 * {@code preprocess.holdout-fraction}) is scored by the evaluation of the run that curated it, and nothing trains on it.
 */
public enum Split {
    TRAIN, VALIDATION, TEST, HOLDOUT;

    /** The value of the {@code split} partition column. */
    public String value() {
        return name().toLowerCase();
    }
}
