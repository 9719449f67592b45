package io.streamtrain.ingest;

import io.streamtrain.core.ConfigException;
import io.streamtrain.core.Settings;

import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * How ingest reads the topic.
 *
 * @param mode                 stream (until stopped) or available-now (everything up to now, then exit)
 * @param startingOffsets      where a new checkpoint starts: earliest or latest
 * @param maxOffsetsPerTrigger records per micro-batch (range mode: offsets per Spark task), bounding memory and the work
 *                             a crash repeats
 * @param triggerSeconds       micro-batch interval in stream mode
 * @param maxRecordBytes       larger values are quarantined as oversized
 * @param maxJsonDepth         deeper JSON nesting is quarantined
 * @param maxIdLength          longer ids are quarantined
 * @param until                range mode: read only records stamped before this instant (null: up to now)
 */
public record IngestSettings(Mode mode, String startingOffsets, long maxOffsetsPerTrigger, int triggerSeconds,
                             int maxRecordBytes, int maxJsonDepth, int maxIdLength, Instant until) {

    public static final String MODE = "ingest.mode";
    public static final String STARTING_OFFSETS = "ingest.starting-offsets";
    public static final String MAX_OFFSETS_PER_TRIGGER = "ingest.max-offsets-per-trigger";
    public static final String TRIGGER_SECONDS = "ingest.trigger-seconds";
    public static final String MAX_RECORD_BYTES = "ingest.max-record-bytes";
    public static final String MAX_JSON_DEPTH = "ingest.max-json-depth";
    public static final String MAX_ID_LENGTH = "ingest.max-id-length";
    public static final String UNTIL = "ingest.until";

    /** Ingest modes sharing one code path and one checkpoint. */
    public enum Mode {
        /** Structured Streaming with a processing-time trigger, until stopped. */
        STREAM,
        /** Everything published up to now, in bounded micro-batches, then exit: the scheduled case. */
        AVAILABLE_NOW,
        /**
         * One batch read of the offsets after the previous range run up to the end offsets resolved now (or to the
         * first record stamped at or after {@code ingest.until}), recorded with the run id; a re-run of the id
         * rewrites exactly the same output.
         */
        RANGE
    }

    public IngestSettings {
        if (!startingOffsets.equals("earliest") && !startingOffsets.equals("latest")) {
            throw new ConfigException(STARTING_OFFSETS, startingOffsets, "must be earliest or latest");
        }
        if (until != null && mode != Mode.RANGE) {
            throw new ConfigException(UNTIL, until, "applies to range mode only (ingest --mode range); the streaming"
                    + " modes read everything published");
        }
    }

    /** These settings in {@code other} mode; the until instant stays only in range mode. */
    public IngestSettings inMode(Mode other) {
        return new IngestSettings(other, startingOffsets, maxOffsetsPerTrigger, triggerSeconds, maxRecordBytes,
                maxJsonDepth, maxIdLength, other == Mode.RANGE ? until : null);
    }

    public static IngestSettings from(Settings s) {
        return new IngestSettings(s.oneOf(MODE, Mode.class), s.nonBlank(STARTING_OFFSETS),
                s.positiveLong(MAX_OFFSETS_PER_TRIGGER), s.positiveInt(TRIGGER_SECONDS),
                s.intInRange(MAX_RECORD_BYTES, 64, 64 * 1024 * 1024), s.intInRange(MAX_JSON_DEPTH, 2, 1000),
                s.intInRange(MAX_ID_LENGTH, 1, 4096), instantOrNull(s, UNTIL));
    }

    private static Instant instantOrNull(Settings s, String key) {
        String text = s.string(key).trim();
        if (text.isEmpty()) {
            return null;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new ConfigException(key, text, "must be an ISO-8601 instant such as 2026-11-30T00:00:00Z, or empty");
        }
    }
}
