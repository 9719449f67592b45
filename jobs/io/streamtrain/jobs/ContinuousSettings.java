package io.streamtrain.jobs;

import io.streamtrain.core.Settings;
import io.streamtrain.preprocess.PreprocessSettings;

import java.time.Duration;

/**
 * How {@code streamtrain continuous} decides to retrain ({@code continuous.*}): a cycle starts once enough records
 * have been read since the last one, or once enough time has passed with at least one new record.
 *
 * @param retrainRecords  records read since the last cycle that start the next one
 * @param retrainInterval time since the last cycle that starts the next one, if anything new was read
 * @param epochs          epochs a cycle warm-starts the champion for
 * @param replayRatio     rows the champion has seen, sampled for every new row a cycle trains on
 * @param rateFactor      share of {@code train.learning-rate} a cycle fine-tunes the champion at
 * @param holdoutFraction share of each cycle's new records held out for its evaluation (its preprocess's
 *                        {@code preprocess.holdout-fraction}); at most what validation and test leave
 */
public record ContinuousSettings(long retrainRecords, Duration retrainInterval, int epochs, double replayRatio,
                                 double rateFactor, double holdoutFraction) {

    public static final String RETRAIN_RECORDS = "continuous.retrain-records";
    public static final String RETRAIN_INTERVAL = "continuous.retrain-interval";
    public static final String EPOCHS = "continuous.epochs";
    public static final String REPLAY_RATIO = "continuous.replay-ratio";
    public static final String LEARNING_RATE_FACTOR = "continuous.learning-rate-factor";
    public static final String HOLDOUT_FRACTION = "continuous.holdout-fraction";

    public static ContinuousSettings from(Settings s) {
        double left = 1 - s.raw().getDouble(PreprocessSettings.VALIDATION_FRACTION)
                - s.raw().getDouble(PreprocessSettings.TEST_FRACTION);
        return new ContinuousSettings(s.positiveLong(RETRAIN_RECORDS), s.positiveDuration(RETRAIN_INTERVAL),
                s.intInRange(EPOCHS, 1, 1000), s.doubleInRange(REPLAY_RATIO, 0, 100),
                s.positiveDouble(LEARNING_RATE_FACTOR),
                s.doubleInRange(HOLDOUT_FRACTION, 0, Math.max(0, left)));
    }

    /** Whether a cycle is due, {@code newRecords} read and {@code since} passed since the last one. */
    public boolean due(long newRecords, Duration since) {
        return newRecords >= retrainRecords || (newRecords > 0 && since.compareTo(retrainInterval) >= 0);
    }
}
