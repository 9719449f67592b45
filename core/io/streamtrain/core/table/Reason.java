package io.streamtrain.core.table;

/**
 * Why a record was quarantined. The codes are stable: dashboards and alerts key on them. Whatever the reason, the
 * quarantine row carries the record's id when it can be read from the value.
 */
public enum Reason {
    /** The Kafka value is null (a tombstone). */
    NULL_VALUE,
    /** The value is larger than {@code ingest.max-record-bytes}; it is not parsed (only searched for its id). */
    OVERSIZED_RECORD,
    /** The value is not valid UTF-8. */
    INVALID_UTF8,
    /**
     * The value is not parseable JSON: truncated, empty or whitespace-only, or with control bytes such as NUL outside
     * a string or unescaped inside one. (A leading UTF-8 byte-order mark and a trailing {@code \r} are accepted.)
     */
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
