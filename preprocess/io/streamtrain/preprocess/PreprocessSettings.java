package io.streamtrain.preprocess;

import io.streamtrain.core.Settings;

import java.util.regex.Pattern;

/**
 * How examples are split.
 *
 * @param validationFraction share of non-test ids that go to validation
 * @param testFraction       share of non-pinned ids that go to test
 * @param pinnedTest         ids matching this always go to test (Fashion-MNIST's own test images)
 * @param splitSeed          salt of the id hash: change it to draw a different split
 * @param minStd             features with a smaller standard deviation are only centred, never blown up
 */
public record PreprocessSettings(double validationFraction, double testFraction, Pattern pinnedTest, long splitSeed,
                                 double minStd) {

    public static final String VALIDATION_FRACTION = "preprocess.validation-fraction";
    public static final String TEST_FRACTION = "preprocess.test-fraction";
    public static final String PINNED_TEST = "preprocess.pinned-test-ids";
    public static final String SPLIT_SEED = "preprocess.split-seed";
    public static final String MIN_STD = "preprocess.min-std";

    public static PreprocessSettings from(Settings s) {
        double validation = s.doubleInRange(VALIDATION_FRACTION, 0, 1);
        double test = s.doubleInRange(TEST_FRACTION, 0, 1 - validation);
        return new PreprocessSettings(validation, test, s.regex(PINNED_TEST), s.raw().getLong(SPLIT_SEED),
                s.positiveDouble(MIN_STD));
    }
}
