package io.streamtrain.train;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a training run stands after an epoch: everything besides the network itself that a resumed run needs to
 * continue exactly where the interrupted one stopped. The data position is the epoch: minibatches and the order of
 * averaging rounds are functions of the seed and the epoch number.
 *
 * @param completedEpochs epochs finished
 * @param bestAccuracy    best validation accuracy so far, or negative infinity
 * @param sinceBest       epochs since that best
 * @param bestParams      the parameters of the best epoch, or null
 * @param history         figures of every finished epoch
 * @param averageParams   the mean of the parameters at the end of the averaged epochs, or null
 *                        ({@code train.weight-averaging.from-epoch})
 * @param averagedEpochs  how many epochs {@code averageParams} is the mean of
 */
public record TrainingState(int completedEpochs, double bestAccuracy, int sinceBest, INDArray bestParams,
                            List<EpochStats> history, INDArray averageParams, int averagedEpochs) {

    public TrainingState {
        history = List.copyOf(history);
    }

    public static TrainingState start() {
        return new TrainingState(0, Double.NEGATIVE_INFINITY, 0, null, List.of(), null, 0);
    }

    /**
     * The state after one more epoch; {@code params} are the network's parameters at its end. From epoch
     * {@code averageFrom} on (0: never) they also join the running mean of the averaged epochs.
     */
    TrainingState after(EpochStats stats, INDArray params, int averageFrom) {
        List<EpochStats> h = new ArrayList<>(history);
        h.add(stats);
        INDArray average = averageParams;
        int averaged = averagedEpochs;
        if (averageFrom > 0 && stats.epoch() >= averageFrom) {
            // mean' = mean + (params - mean) / (n + 1); a new array, as earlier states may still be in use.
            average = average == null ? params.dup() : average.add(params.sub(average).divi(averaged + 1));
            averaged++;
        }
        boolean improved = !Double.isNaN(stats.validationAccuracy()) && stats.validationAccuracy() > bestAccuracy;
        return improved
                ? new TrainingState(stats.epoch(), stats.validationAccuracy(), 0, params.dup(), h, average, averaged)
                : new TrainingState(stats.epoch(), bestAccuracy, sinceBest + 1, bestParams, h, average, averaged);
    }

    /** Early stopping: patience 0 never stops. */
    boolean exhausted(int patience) {
        return patience > 0 && bestParams != null && sinceBest >= patience;
    }
}
