package io.streamtrain.jobs;

import io.streamtrain.core.UserException;
import io.streamtrain.core.kafka.KafkaLostException;

import java.util.Optional;
import java.util.function.Predicate;

/**
 * Failures of the machine rather than of the program or its user, which a stage cannot help and a user can fix: they
 * are printed as one line naming the cause, with the command that continues, not as a bug's stack trace.
 */
enum EnvironmentFault {
    /** A write found no space left on the file system (ENOSPC), in the warehouse or in Spark's local folders. */
    DISK_FULL(t -> t.getMessage() != null && t.getMessage().contains("No space left on device"),
            "the disk is full (%s): free space where the warehouse or Spark's local folders (spark.local.dir) are"),
    /** The Kafka cluster stopped answering while a command read or wrote it. */
    KAFKA_LOST(t -> t instanceof KafkaLostException, "%s: start the broker again, or mend the network to it");

    private final Predicate<Throwable> marks;
    private final String explanation;

    EnvironmentFault(Predicate<Throwable> marks, String explanation) {
        this.marks = marks;
        this.explanation = explanation;
    }

    /**
     * One line naming the fault behind {@code failure}, found anywhere in its chain of causes (the deepest cause that
     * shows it, whose message is the plainest); empty for others. The first fault in declaration order wins: a broker
     * that stopped answering because its disk filled is a full disk.
     */
    static Optional<String> describe(Throwable failure) {
        for (EnvironmentFault fault : values()) {
            Throwable deepest = null;
            for (Throwable t = failure; t != null; t = t.getCause()) {
                if (fault.marks.test(t)) {
                    deepest = t;
                }
            }
            if (deepest != null) {
                return Optional.of(String.format(fault.explanation, UserException.oneLine(deepest.getMessage())));
            }
        }
        return Optional.empty();
    }
}
