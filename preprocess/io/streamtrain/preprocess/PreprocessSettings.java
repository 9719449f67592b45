package io.streamtrain.preprocess;

import io.streamtrain.model.Scaler;
import io.streamtrain.core.EncryptionSettings;
import io.streamtrain.core.Settings;

import java.util.regex.Pattern;

/**
 * How examples are split and scaled, and whether a run rebuilds everything.
 *
 * @param validationFraction share of non-test ids that go to validation
 * @param testFraction       share of non-pinned ids that go to test
 * @param holdoutFraction    share of non-pinned ids held out for the evaluation of the run that curates them
 * @param pinnedTest         ids matching this always go to test (Fashion-MNIST's own test images)
 * @param splitSeed          salt of the id hash: change it to draw a different split
 * @param minStd             features with a smaller standard deviation (or range, for min-max) are only centred,
 *                           never blown up
 * @param scalerKind         standard, min-max or none
 * @param freezeScaler       keep the first fitted scaler instead of merging each increment's statistics into it
 * @param full               rebuild the curated table from all of landing instead of adding the new batches
 * @param gate               the data-quality thresholds a run must pass to commit
 * @param encryption         how the curated feature and label columns are encrypted (off by default)
 */
public record PreprocessSettings(double validationFraction, double testFraction, double holdoutFraction,
                                 Pattern pinnedTest, long splitSeed,
                                 double minStd, Scaler.Kind scalerKind, boolean freezeScaler, boolean full,
                                 DataGate gate, EncryptionSettings encryption) {

    public static final String VALIDATION_FRACTION = "preprocess.validation-fraction";
    public static final String TEST_FRACTION = "preprocess.test-fraction";
    public static final String HOLDOUT_FRACTION = "preprocess.holdout-fraction";
    public static final String PINNED_TEST = "preprocess.pinned-test-ids";
    public static final String SPLIT_SEED = "preprocess.split-seed";
    public static final String MIN_STD = "preprocess.min-std";
    public static final String SCALER_KIND = "preprocess.scaler.kind";
    public static final String SCALER_FREEZE = "preprocess.scaler.freeze";
    public static final String FULL = "preprocess.full";

    /** Incremental, standard scaling merged across increments: what most tests want. */
    public PreprocessSettings(double validationFraction, double testFraction, Pattern pinnedTest, long splitSeed,
                              double minStd) {
        this(validationFraction, testFraction, 0.0, pinnedTest, splitSeed, minStd, Scaler.Kind.STANDARD, false, false,
                DataGate.OPEN, EncryptionSettings.OFF);
    }

    public static PreprocessSettings from(Settings s) {
        double validation = s.doubleInRange(VALIDATION_FRACTION, 0, 1);
        double test = s.doubleInRange(TEST_FRACTION, 0, 1 - validation);
        double holdout = s.doubleInRange(HOLDOUT_FRACTION, 0, 1 - validation - test);
        return new PreprocessSettings(validation, test, holdout, s.regex(PINNED_TEST), s.raw().getLong(SPLIT_SEED),
                s.positiveDouble(MIN_STD), s.oneOf(SCALER_KIND, Scaler.Kind.class), s.bool(SCALER_FREEZE),
                s.bool(FULL), DataGate.from(s), EncryptionSettings.from(s));
    }

    /** The same settings with {@link #full} set. */
    public PreprocessSettings withFull(boolean rebuild) {
        return new PreprocessSettings(validationFraction, testFraction, holdoutFraction, pinnedTest, splitSeed, minStd, scalerKind,
                freezeScaler, rebuild, gate, encryption);
    }

    /** The same settings with another {@link #encryption}. */
    public PreprocessSettings withEncryption(EncryptionSettings e) {
        return new PreprocessSettings(validationFraction, testFraction, holdoutFraction, pinnedTest, splitSeed, minStd, scalerKind,
                freezeScaler, full, gate, e);
    }

    /** The same settings with another {@link #holdoutFraction}. */
    public PreprocessSettings withHoldoutFraction(double fraction) {
        return new PreprocessSettings(validationFraction, testFraction, fraction, pinnedTest, splitSeed, minStd,
                scalerKind, freezeScaler, full, gate, encryption);
    }

    /** The same settings with another {@link #gate}. */
    public PreprocessSettings withGate(DataGate thresholds) {
        return new PreprocessSettings(validationFraction, testFraction, holdoutFraction, pinnedTest, splitSeed, minStd, scalerKind,
                freezeScaler, full, thresholds, encryption);
    }
}
