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
 */
public record IngestRules(RecordSchema schema, int maxRecordBytes, int maxJsonDepth, int maxIdLength)
        implements Serializable {
}
