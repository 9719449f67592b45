package io.streamtrain.core.table;

/** The curated table's partitions. */
public enum Split {
    TRAIN, VALIDATION, TEST;

    /** The value of the {@code split} partition column. */
    public String value() {
        return name().toLowerCase();
    }
}
