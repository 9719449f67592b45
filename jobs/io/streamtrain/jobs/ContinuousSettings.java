package io.streamtrain.jobs;

import io.streamtrain.core.Settings;

import java.time.Duration;

/**
 * How {@code streamtrain continuous} decides to retrain ({@code continuous.*}): a cycle starts once enough records
 * have been read since the last one, or once enough time has passed with at least one new record.
 *
 * @param retrainRecords  records read since the last cycle that start the next one
 * @param retrainInterval time since the last cycle that starts the next one, if anything new was read
 * @param epochs          epochs a cycle warm-starts the champion for
 * @param replayRatio     rows the champion has seen, sampled for every new row a cycle trains on
 */
public record ContinuousSettings(long retrainRecords, Duration retrainInterval, int epochs, double replayRatio) {

    public static final String RETRAIN_RECORDS = "continuous.retrain-records";
    public static final String RETRAIN_INTERVAL = "continuous.retrain-interval";
    public static final String EPOCHS = "continuous.epochs";
    public static final String REPLAY_RATIO = "continuous.replay-ratio";

    public static ContinuousSettings from(Settings s) {
        return new ContinuousSettings(s.positiveLong(RETRAIN_RECORDS), s.positiveDuration(RETRAIN_INTERVAL),
                s.intInRange(EPOCHS, 1, 1000), s.doubleInRange(REPLAY_RATIO, 0, 100));
    }

    /** Whether a cycle is due, {@code newRecords} read and {@code since} passed since the last one. */
    public boolean due(long newRecords, Duration since) {
        return newRecords >= retrainRecords || (newRecords > 0 && since.compareTo(retrainInterval) >= 0);
    }
}
