package io.streamtrain.ingest;

/**
 * Why a record was quarantined. The codes are stable: dashboards and alerts key on them.
 */
public enum Reason {
    /** The Kafka value is null (a tombstone). */
    NULL_VALUE,
    /** The value is larger than {@code ingest.max-record-bytes}. */
    OVERSIZED_RECORD,
    /** The value is not valid UTF-8. */
    INVALID_UTF8,
    /** The value is not parseable JSON. */
    MALFORMED_JSON,
    /** The JSON is valid but not an object. */
    NOT_AN_OBJECT,
    /** JSON nested deeper than {@code ingest.max-json-depth}. */
    TOO_DEEP,
    /** A field appears twice. */
    DUPLICATE_FIELD,
    /** One of id, ts, label, features is absent or null. */
    MISSING_FIELD,
    /** A field has the wrong JSON type, e.g. a string where numbers are expected. */
    WRONG_TYPE,
    /** The id is empty, too long, or differs from the Kafka key. */
    INVALID_ID,
    /** The feature vector does not have {@code schema.feature-count} values. */
    WRONG_VECTOR_LENGTH,
    /** A feature is NaN or infinite, or a number too large for a float. */
    NON_FINITE,
    /** A feature lies outside {@code [schema.min-value, schema.max-value]}. */
    OUT_OF_RANGE,
    /** The label is neither a class index nor a class name of {@code schema.labels}. */
    UNKNOWN_LABEL,
    /** Preprocess: another record with the same id landed earlier (lower topic, partition, offset). */
    DUPLICATE_ID
}
