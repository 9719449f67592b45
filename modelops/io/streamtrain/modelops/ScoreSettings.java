package io.streamtrain.modelops;

import io.streamtrain.core.ConfigException;
import io.streamtrain.core.Settings;

import java.util.Locale;

/**
 * How {@code score --input kafka} reads its topic (Parquet and landing inputs are read whole and ignore these).
 *
 * @param mode                 available-now (what is published up to now, then exit) or stream (until stopped)
 * @param startingOffsets      where a score run's new checkpoint starts: earliest or latest
 * @param maxOffsetsPerTrigger records per micro-batch, bounding memory and the work a crash repeats
 * @param triggerSeconds       micro-batch interval in stream mode
 */
public record ScoreSettings(Mode mode, String startingOffsets, long maxOffsetsPerTrigger, int triggerSeconds) {

    public static final String MODE = "score.mode";
    public static final String STARTING_OFFSETS = "score.starting-offsets";
    public static final String MAX_OFFSETS_PER_TRIGGER = "score.max-offsets-per-trigger";
    public static final String TRIGGER_SECONDS = "score.trigger-seconds";

    /** How a Kafka score run ends. */
    public enum Mode {
        /** Everything published up to now, in bounded micro-batches, then exit: the scheduled case. */
        AVAILABLE_NOW,
        /** A micro-batch every {@code score.trigger-seconds} until stopped. */
        STREAM
    }

    public ScoreSettings {
        if (!startingOffsets.equals("earliest") && !startingOffsets.equals("latest")) {
            throw new ConfigException(STARTING_OFFSETS, startingOffsets, "must be earliest or latest");
        }
    }

    public static ScoreSettings from(Settings s) {
        return new ScoreSettings(s.oneOf(MODE, Mode.class), s.nonBlank(STARTING_OFFSETS),
                s.positiveLong(MAX_OFFSETS_PER_TRIGGER), s.positiveInt(TRIGGER_SECONDS));
    }

    /** The mode as the command line spells it. */
    public String modeName() {
        return mode.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
