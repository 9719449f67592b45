package io.streamtrain.core.kafka;

/**
 * A Kafka cluster that stopped answering in the middle of a command: a fault of the machine or the network, not of the
 * program or its user. What the command committed before stays; the same command continues once the cluster is back.
 */
public final class KafkaLostException extends RuntimeException {

    private static final int MAX_SYMPTOM = 240;

    public KafkaLostException(String bootstrapServers, String task, Throwable cause) {
        super("Kafka at " + bootstrapServers + " stopped answering while " + task + " (" + symptom(cause) + ")",
                cause);
    }

    /** The innermost cause's first line: a Spark job's failure message carries its executor's whole stack trace. */
    private static String symptom(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        String first = message.lines().findFirst().orElse("").strip();
        return first.length() <= MAX_SYMPTOM ? first : first.substring(0, MAX_SYMPTOM) + "...";
    }
}
