package io.streamtrain.train;

import io.streamtrain.core.Warehouse;
import io.streamtrain.core.stage.StageResult;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;

/**
 * @param runId    the run whose bundle is now {@code models/<runId>}
 * @param examples training examples per epoch
 * @param history  one entry per epoch
 */
public record TrainResult(String runId, long examples, List<EpochStats> history) implements StageResult {

    @Override
    public Map<String, Double> counts() {
        Map<String, Double> c = new LinkedHashMap<>();
        c.put("examples", (double) examples);
        c.put("epochs", (double) history.size());
        return c;
    }

    @Override
    public String summary(Warehouse warehouse) {
        if (history.isEmpty()) {
            return String.format("train:      nothing new to fine-tune model %s on%n", runId);
        }
        EpochStats last = history.get(history.size() - 1);
        return String.format("train:      run %s, %d epochs, final loss %.4f, %.0f samples/s -> %s%n", runId,
                history.size(), last.loss(), last.samplesPerSec(), warehouse.model(runId));
    }

    @Override
    public String model() {
        return runId;
    }

}
