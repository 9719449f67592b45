package io.streamtrain.ingest;

/**
 * One Kafka record to publish.
 *
 * @param key   the record id, or null when a source line has none
 * @param value the JSON value bytes, sent as they are
 */
public record Event(String key, byte[] value) {
}
