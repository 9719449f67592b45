package io.streamtrain.core.stage;

import io.streamtrain.core.UserException;

/**
 * One step of streamtrain: produce, ingest, preprocess, train, evaluate, score, compress or explain.
 *
 * <p>The contract, the same for every stage and every command: {@link #plan} validates without side effects and
 * says what the stage reads and writes, or throws a {@link UserException}; {@link #run} does the
 * work and returns the stage's typed result with its counts. The runner plans every stage of a command before it
 * runs any, so a refused command leaves nothing behind. A stage gets what it may use (settings, warehouse, run id,
 * Spark, Kafka) from its {@link StageContext}, and its own settings through its constructor.
 *
 * @param <R> what a run returns
 */
public interface Stage<R extends StageResult> {

    /** The command-line name: {@code ingest}, {@code train}, ... */
    String name();

    /** Whether {@link #run} needs a Spark session (produce does not). */
    default boolean needsSpark() {
        return true;
    }

    /** Whether {@link #run} needs a Kafka connection; the runner opens it, and checks it is reachable, first. */
    default boolean needsKafka() {
        return false;
    }

    /**
     * Whether {@link #run} loads ND4J's native backend; the runner starts loading it while Spark starts, as both
     * take seconds in a fresh JVM.
     */
    default boolean loadsNd4j() {
        return false;
    }

    /** Checks, without side effects, that the stage can run; the stages before it in this run count as done. */
    StagePlan plan(StageContext context);

    /**
     * Checks that need the run's connections, such as whether a topic exists on the embedded broker, which only
     * runs once started. The runner calls it for every stage after all plans and before any run, so a refusal here
     * still leaves every table as it was.
     */
    default void check(StageContext context) {
    }

    /** Does the work. */
    R run(StageContext context);

    /**
     * Why running this stage again under the same run id after a failure neither repeats nor loses work, for the
     * "continue with" line; {@code runId} is the run's id.
     */
    String rerunSafety(String runId);
}
