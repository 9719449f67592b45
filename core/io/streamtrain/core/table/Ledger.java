package io.streamtrain.core.table;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.UserException;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Which landing batches the curated table holds, run by run: {@code curated/_ledger.json}. It is written last, with one
 * atomic rename, after a run's rows, quarantine and scaler: curated rows of a run the ledger does not list are the
 * leftovers of a run that failed, and the next run deletes them before it starts. So the ledger is the commit.
 *
 * @param runs every committed preprocess run, oldest first
 */
public record Ledger(List<Run> runs) {

    /** The ledger's file name inside the curated table; {@code _} keeps Spark from reading it as data. */
    public static final String FILE = "_ledger.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * One committed run.
     *
     * @param runId         the preprocess run id; its rows are under {@code split=*}/{@code preprocess_run=<runId>}
     * @param batches       the landing batches it curated
     * @param scalerVersion the scaler in force after it (its own, or an earlier one when frozen or nothing trained)
     * @param landed        landing rows it read
     * @param curated       rows it added to the curated table
     * @param quarantined   rows it quarantined, duplicates included
     * @param duplicates    of which duplicate ids (within its batches or of ids curated before)
     */
    public record Run(String runId, List<String> batches, String scalerVersion, long landed, long curated,
                      long quarantined, long duplicates) {
        public Run {
            batches = List.copyOf(batches);
        }
    }

    public Ledger {
        runs = List.copyOf(runs);
    }

    public static final Ledger EMPTY = new Ledger(List.of());

    /** The ledger of the curated table at {@code curatedPath}, or {@link #EMPTY} when there is none. */
    public static Ledger load(HadoopFiles files, String curatedPath) {
        String path = curatedPath + "/" + FILE;
        if (!files.exists(path)) {
            return EMPTY;
        }
        try {
            return JSON.readValue(files.readString(path), Ledger.class);
        } catch (JsonProcessingException e) {
            throw new UserException(path + " is not a preprocess ledger (" + e.getOriginalMessage()
                    + "): rebuild the curated table with preprocess --full");
        }
    }

    /** Writes the ledger with one replacing rename: the commit of a run. */
    public void save(HadoopFiles files, String curatedPath) {
        try {
            files.writeString(curatedPath + "/" + FILE, JSON.writeValueAsString(this));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every batch curated by any run. */
    public TreeSet<String> batches() {
        TreeSet<String> all = new TreeSet<>();
        runs.forEach(r -> all.addAll(r.batches()));
        return all;
    }

    public boolean contains(String runId) {
        return runs.stream().anyMatch(r -> r.runId().equals(runId));
    }

    public Optional<Run> last() {
        return runs.isEmpty() ? Optional.empty() : Optional.of(runs.get(runs.size() - 1));
    }

    /** The scaler version in force, if a run has fitted one. */
    public Optional<String> scalerVersion() {
        return last().map(Run::scalerVersion);
    }

    /**
     * The ledger a run of {@code runId} starts from: without its own entry when it is re-run. Only the latest run can
     * be re-run: a later run has deduplicated against its rows and merged its scaler statistics.
     */
    public Ledger before(String runId) {
        if (!contains(runId)) {
            return this;
        }
        Run last = last().orElseThrow();
        if (!last.runId().equals(runId)) {
            throw new UserException("Preprocess run " + runId + " was followed by run " + last.runId()
                    + ", which built on its rows: re-run only the latest run (" + last.runId()
                    + "), or rebuild everything with preprocess --full");
        }
        return new Ledger(runs.subList(0, runs.size() - 1));
    }

    public Ledger with(Run run) {
        List<Run> all = new ArrayList<>(runs);
        all.add(run);
        return new Ledger(all);
    }
}
