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
 */
public record TrainingState(int completedEpochs, double bestAccuracy, int sinceBest, INDArray bestParams,
                            List<EpochStats> history) {

    public TrainingState {
        history = List.copyOf(history);
    }

    public static TrainingState start() {
        return new TrainingState(0, Double.NEGATIVE_INFINITY, 0, null, List.of());
    }

    /** The state after one more epoch; {@code params} are the network's parameters at its end. */
    TrainingState after(EpochStats stats, INDArray params) {
        List<EpochStats> h = new ArrayList<>(history);
        h.add(stats);
        boolean improved = !Double.isNaN(stats.validationAccuracy()) && stats.validationAccuracy() > bestAccuracy;
        return improved
                ? new TrainingState(stats.epoch(), stats.validationAccuracy(), 0, params.dup(), h)
                : new TrainingState(stats.epoch(), bestAccuracy, sinceBest + 1, bestParams, h);
    }

    /** Early stopping: patience 0 never stops. */
    boolean exhausted(int patience) {
        return patience > 0 && bestParams != null && sinceBest >= patience;
    }
}
