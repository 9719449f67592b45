package io.streamtrain.core;

/**
 * The data of a run failed a data-quality check configured in {@code preprocess.gate.*}: too many bad or duplicate
 * records, or a distribution that drifted too far from the training reference. Nothing is wrong with the program and
 * nothing was committed; the command line exits with code 4 (see {@code StreamTrain}) so that a scheduler can tell
 * bad data from a failure. The message names the check, the measured value and the threshold.
 */
public final class DataGateException extends UserException {

    public DataGateException(String message) {
        super(message);
    }
}
