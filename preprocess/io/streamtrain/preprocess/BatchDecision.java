package io.streamtrain.preprocess;

import io.streamtrain.core.UserException;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

import java.sql.Timestamp;
import java.util.List;
import java.util.Locale;

/**
 * A user's decision on landing batches a data gate set aside ({@code preprocess --accept-batch} or
 * {@code --drop-batch}): accepted batches are curated past the gate, dropped ones never are. Either way the decision
 * is recorded with the operating-system user, the time and the reason.
 *
 * @param kind    accept or drop
 * @param batches the batches, each waiting for a decision
 * @param reason  why, in the user's words; required
 */
public record BatchDecision(Kind kind, List<String> batches, String reason) {

    /** What becomes of the batches. */
    public enum Kind {
        ACCEPT, DROP;

        /** The decision as the table stores it. */
        public String column() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public BatchDecision {
        batches = List.copyOf(batches);
        if (batches.isEmpty()) {
            throw new UserException("--" + kind.column() + "-batch needs the ids of the batches to " + kind.column());
        }
        if (reason == null || reason.isBlank()) {
            throw new UserException("--" + kind.column() + "-batch needs --reason TEXT: why the batches are "
                    + (kind == Kind.ACCEPT ? "accepted" : "dropped") + ", kept in the batch_decisions table");
        }
    }

    /** Refuses batches that do not wait for a decision, naming those that do. */
    void requireWaiting(List<String> waiting) {
        List<String> unknown = batches.stream().filter(b -> !waiting.contains(b)).toList();
        if (!unknown.isEmpty()) {
            throw new UserException("Batches " + unknown + " are not set aside by a data gate, so there is nothing to "
                    + kind.column() + "; waiting for a decision: " + (waiting.isEmpty() ? "none" : waiting));
        }
    }

    /** The decision's rows of the batch_decisions table, made by the current operating-system user. */
    List<Row> rows(String runId, Timestamp at) {
        String user = System.getProperty("user.name");
        return batches.stream().map(b -> RowFactory.create(b, kind.column(), reason, user, at, runId)).toList();
    }
}
