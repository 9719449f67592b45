package io.streamtrain.core.stage;

/**
 * How a stage that finished its work judged what it measured. Not an error: every output was written, and a scheduler
 * branches on the exit code the command line gives each verdict.
 */
public enum Verdict {
    /** Nothing to report. */
    PASSED,
    /** The promotion gate kept the champion ({@code evaluate --gate}). */
    MODEL_REJECTED,
    /** The saliency maps failed the model-randomisation sanity check ({@code explain}). */
    SANITY_CHECK_FAILED
}
