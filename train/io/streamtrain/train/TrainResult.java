package io.streamtrain.train;

import java.util.List;

/**
 * @param runId    the run whose bundle is now {@code models/<runId>}
 * @param examples training examples per epoch
 * @param history  one entry per epoch
 */
public record TrainResult(String runId, long examples, List<EpochStats> history) {
}
