package io.streamtrain.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.UserException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;

/**
 * What each produce run id has published, one JSON file per run id under the warehouse: its source, topic, event
 * time, and the records committed so far, updated after every Kafka transaction. A re-run of a finished id sends
 * nothing; a re-run of one that failed sends exactly the rest, with the same event time, so a retried scheduled
 * produce neither duplicates nor loses a record. The one gap: a crash between a transaction's commit and the ledger's
 * update re-sends that transaction (at most {@link EventPublisher#TRANSACTION_RECORDS} records, with the ids ingest
 * and preprocess de-duplicate by).
 */
public final class ProduceLedger {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HadoopFiles files;
    private final String dir;

    /** @param dir where the ledger's files live (the warehouse's internal {@code _produce} folder) */
    public ProduceLedger(HadoopFiles files, String dir) {
        this.files = files;
        this.dir = dir;
    }

    /**
     * One run id's record.
     *
     * @param source    what was published: the input (or synthetic spec), its format and the first skip
     * @param topic     where
     * @param timestamp the event time every record carries
     * @param committed records committed after the skip
     * @param complete  whether the whole input was sent
     */
    public record Entry(String source, String topic, long timestamp, long committed, boolean complete) {
    }

    /**
     * Refuses, before anything is sent, a run id that already published another input or to another topic: its
     * ledger would otherwise count the wrong records as sent. Returns what the run id published so far, if anything.
     */
    public Optional<Entry> requireSameInput(String runId, String source, String topic) {
        Optional<Entry> found = find(runId);
        Entry before = found.orElse(null);
        if (before != null && !(before.source().equals(source) && before.topic().equals(topic))) {
            throw new UserException("produce: run id " + runId + " already published " + before.source()
                    + " to topic " + before.topic() + ", not " + source + " to " + topic
                    + ": give this input a new --run-id");
        }
        return found;
    }

    Optional<Entry> find(String runId) {
        String path = path(runId);
        if (!files.exists(path)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(files.readString(path), Entry.class));
        } catch (IOException e) {
            throw new UserException("The produce ledger " + path + " is not readable (" + e.getMessage()
                    + "): delete it to publish run " + runId + " again");
        }
    }

    void save(String runId, Entry entry) {
        try {
            files.writeString(path(runId), JSON.writeValueAsString(entry));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String path(String runId) {
        return dir + "/" + runId + ".json";
    }
}
