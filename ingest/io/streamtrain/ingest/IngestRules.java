package io.streamtrain.ingest;

import io.streamtrain.core.RecordSchema;

import java.io.Serializable;

/**
 * Everything the door checks besides the JSON grammar.
 *
 * @param schema         feature count, value range and class names
 * @param maxRecordBytes larger values are quarantined unread
 * @param maxJsonDepth   deeper nesting is quarantined before it costs stack or memory
 * @param maxIdLength    ids are path- and log-friendly identifiers, not payloads
 * @param labelRequired  a record without a label is quarantined (MISSING_FIELD); false for the data {@code score}
 *                       predicts, which has no label yet (a label present is still checked)
 */
public record IngestRules(RecordSchema schema, int maxRecordBytes, int maxJsonDepth, int maxIdLength,
                          boolean labelRequired) implements Serializable {

    /** The rules of ingest: every record carries its label. */
    public IngestRules(RecordSchema schema, int maxRecordBytes, int maxJsonDepth, int maxIdLength) {
        this(schema, maxRecordBytes, maxJsonDepth, maxIdLength, true);
    }

    /** The same rules for records that need not carry a label: what {@code score} reads. */
    public IngestRules labelOptional() {
        return new IngestRules(schema, maxRecordBytes, maxJsonDepth, maxIdLength, false);
    }
}
