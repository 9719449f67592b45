package io.streamtrain.jobs;

import io.streamtrain.core.UserException;

import java.util.Optional;

/**
 * Failures of the machine rather than of the program or its user, which a stage cannot help and a user can fix: they
 * are printed as one line naming the cause, with the command that continues, not as a bug's stack trace.
 */
enum EnvironmentFault {
    /** A write found no space left on the file system (ENOSPC), in the warehouse or in Spark's local folders. */
    DISK_FULL("No space left on device", "the disk is full (%s): free space where the warehouse or Spark's local"
            + " folders (spark.local.dir) are");

    private final String marker;
    private final String explanation;

    EnvironmentFault(String marker, String explanation) {
        this.marker = marker;
        this.explanation = explanation;
    }

    /** One line naming the fault behind {@code failure}, found anywhere in its chain of causes; empty for others. */
    static Optional<String> describe(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String message = t.getMessage();
            for (EnvironmentFault fault : values()) {
                if (message != null && message.contains(fault.marker)) {
                    return Optional.of(String.format(fault.explanation, UserException.oneLine(message)));
                }
            }
        }
        return Optional.empty();
    }
}
