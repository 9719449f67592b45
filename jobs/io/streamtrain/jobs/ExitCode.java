package io.streamtrain.jobs;

import io.streamtrain.core.stage.Verdict;

/** What a command's exit code means; a scheduler branches on it. */
public enum ExitCode {
    /** Every stage finished; under spark-submit {@code main} returns instead. */
    OK(0),
    /** A failure after work began: the message says what was done and how to continue. */
    FAILED(1),
    /** A usage, configuration or input error found before anything was changed. */
    USAGE(2),
    /** {@code evaluate --gate} finished and kept the champion. */
    MODEL_REJECTED(3),
    /** Preprocess's data gate refused the new data; nothing of that run was committed. */
    DATA_GATE(4),
    /** {@code explain} wrote its maps, but they failed the model-randomisation sanity check. */
    SANITY_CHECK_FAILED(5),
    /** The command ran longer than {@code command.timeout} and was stopped as SIGTERM stops it. */
    TIMED_OUT(124),
    /** No progress within {@code command.startup-timeout} of the start; the threads are dumped to the log. */
    STARTUP_STALLED(125),
    /** Stopped by SIGTERM (a scheduler's kill): what a shell reports, 128 + 15. Work committed so far is kept. */
    TERMINATED(143);

    private final int code;

    ExitCode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The code of a run whose stages all finished with {@code verdict}. */
    public static ExitCode of(Verdict verdict) {
        return switch (verdict) {
            case PASSED -> OK;
            case MODEL_REJECTED -> MODEL_REJECTED;
            case SANITY_CHECK_FAILED -> SANITY_CHECK_FAILED;
        };
    }
}
