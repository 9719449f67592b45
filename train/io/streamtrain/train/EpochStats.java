package io.streamtrain.train;

/**
 * One epoch of a training run, as printed and as stored in the training-history table.
 *
 * @param epoch              1-based epoch number
 * @param loss               the network's score (training loss) after the epoch
 * @param validationAccuracy accuracy on the validation split, NaN without one
 * @param validationF1       macro-averaged F1 on the validation split, NaN without one
 * @param samples            examples fitted in the epoch
 * @param seconds            wall time of the epoch, validation included
 * @param samplesPerSec      training throughput: samples over the time spent fitting, without scoring
 */
public record EpochStats(int epoch, double loss, double validationAccuracy, double validationF1, long samples,
                         double seconds, double samplesPerSec) {

    /** Seconds spent fitting, without the loss and validation scoring that {@code seconds} includes. */
    public double fitSeconds() {
        return samples / samplesPerSec;
    }
}
