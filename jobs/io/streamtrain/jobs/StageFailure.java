package io.streamtrain.jobs;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A stage failed after the run began work: the command line prints the cause, the stages that finished and how to
 * continue, and exits with 1.
 */
final class StageFailure extends RuntimeException {

    private final Stage stage;
    private final List<Stage> done;
    private final String continuation;

    StageFailure(Stage stage, List<Stage> done, String continuation, RuntimeException cause) {
        super(stage.cliName() + " failed", cause);
        this.stage = stage;
        this.done = List.copyOf(done);
        this.continuation = continuation;
    }

    Stage stage() {
        return stage;
    }

    /** {@code finished: produce, ingest; to continue: fix the cause, then run ...} */
    String aftermath() {
        String finished = done.isEmpty() ? "no stage finished"
                : "finished: " + done.stream().map(Stage::cliName).collect(Collectors.joining(", "));
        return finished + "; to continue: " + continuation;
    }
}
