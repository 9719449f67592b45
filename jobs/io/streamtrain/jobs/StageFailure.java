package io.streamtrain.jobs;

import java.util.List;

/**
 * A stage failed after the run began work: the command line prints the cause, the stages that finished and how to
 * continue, and exits with 1.
 */
final class StageFailure extends RuntimeException {

    private final String stage;
    private final List<String> done;
    private final String continuation;

    StageFailure(String stage, List<String> done, String continuation, Throwable cause) {
        super(stage + " failed", cause);
        this.stage = stage;
        this.done = List.copyOf(done);
        this.continuation = continuation;
    }

    String stage() {
        return stage;
    }

    /** {@code finished: produce, ingest; to continue: fix the cause, then run ...} */
    String aftermath() {
        String finished = done.isEmpty() ? "no stage finished"
                : "finished: " + String.join(", ", done);
        return finished + "; to continue: " + continuation;
    }
}
