package io.streamtrain.core.stage;

import io.streamtrain.core.Warehouse;

import java.util.Map;

/** What a stage's run returns: its counts for the runs table, its closing line, and what later stages may use. */
public interface StageResult {

    /** The counts the {@code runs} table records for this stage, by name. */
    Map<String, Double> counts();

    /** The lines a command prints when the stage has finished: what it did and where its output is. */
    String summary(Warehouse warehouse);

    /** The model bundle this stage wrote, for a later stage of the same run; null when it wrote none. */
    default String model() {
        return null;
    }

    /** Whether the stage finished with a verdict that the command line reports with its own exit code. */
    default Verdict verdict() {
        return Verdict.PASSED;
    }
}
