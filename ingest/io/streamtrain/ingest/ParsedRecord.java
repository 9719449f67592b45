package io.streamtrain.ingest;

import io.streamtrain.core.table.Reason;

/**
 * The outcome of validating one Kafka value: a landed example or a rejection. Exactly one of
 * {@link #reason()} and the example fields is set.
 *
 * @param id       record id; on a rejection, the record's id whenever it could be read (null otherwise)
 * @param ts       event time, epoch millis
 * @param label    class index, or {@link #NO_LABEL} for an accepted record without one (rules that do not require it)
 * @param features the feature vector
 * @param reason   why the record was rejected, or null
 * @param message  a readable explanation naming the field and the value, or null
 */
public record ParsedRecord(String id, long ts, int label, float[] features, Reason reason, String message) {

    /** The label of a record that has none. */
    public static final int NO_LABEL = -1;

    /** The label as the tables hold it: null for {@link #NO_LABEL}. */
    public Integer labelOrNull() {
        return label == NO_LABEL ? null : label;
    }

    public static ParsedRecord accepted(String id, long ts, int label, float[] features) {
        return new ParsedRecord(id, ts, label, features, null, null);
    }

    public static ParsedRecord rejected(Reason reason, String message) {
        return new ParsedRecord(null, 0L, -1, null, reason, message);
    }

    /** This rejection with the record's id, read from the value after the rule failed. */
    public ParsedRecord withId(String recordId) {
        return new ParsedRecord(recordId, ts, label, features, reason, message);
    }

    public boolean isAccepted() {
        return reason == null;
    }
}
