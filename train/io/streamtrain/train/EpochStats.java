package io.streamtrain.train;

/**
 * One epoch of a training run, as printed and as stored in the training-history table.
 *
 * @param epoch          1-based epoch number
 * @param loss           the network's score (training loss) after the epoch
 * @param samples        examples fitted in the epoch
 * @param seconds        wall time of the epoch
 * @param samplesPerSec  throughput
 */
public record EpochStats(int epoch, double loss, long samples, double seconds, double samplesPerSec) {
}
