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
 * Which landing batches the curated table holds, run by run: {@code curated/_ledger.json}. It is written last and
 * whole ({@link HadoopFiles#writeBytes}), after a run's rows, quarantine and scaler: curated rows of a run the ledger
 * does not list are the leftovers of a run that failed, and the next run deletes them before it starts. So the ledger
 * is the commit.
 *
 * <p>It also keeps the landing batches a data gate set aside: {@code held} ones wait for a user to accept or drop them
 * ({@code preprocess --accept-batch}, {@code --drop-batch}), and later runs curate their own batches without them;
 * {@code dropped} ones are never curated.
 *
 * @param runs    every committed preprocess run, oldest first
 * @param held    batches set aside by a refused run, waiting for a decision
 * @param dropped batches a user dropped
 */
public record Ledger(List<Run> runs, List<Held> held, List<String> dropped) {

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

    /**
     * A batch set aside.
     *
     * @param batch  the landing batch
     * @param runId  the preprocess run whose gate refused it; a re-run of that run id checks it again
     * @param reason the gate's verdict
     * @param at     when, as an ISO-8601 instant
     */
    public record Held(String batch, String runId, String reason, String at) {
    }

    public Ledger {
        runs = List.copyOf(runs);
        // Absent in ledgers written before batches could be set aside.
        held = held == null ? List.of() : List.copyOf(held);
        dropped = dropped == null ? List.of() : List.copyOf(dropped);
    }

    public static final Ledger EMPTY = new Ledger(List.of(), List.of(), List.of());

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

    /** Writes the ledger whole, replacing the old one: the commit of a run. */
    public void save(HadoopFiles files, String curatedPath) {
        try {
            files.writeString(curatedPath + "/" + FILE, JSON.writeValueAsString(this));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every batch curated by any run, set aside or dropped: what a new run does not take. */
    public TreeSet<String> settled() {
        TreeSet<String> all = batches();
        held.forEach(h -> all.add(h.batch()));
        all.addAll(dropped);
        return all;
    }

    /** The committed run {@code runId}, if any. */
    public Optional<Run> run(String runId) {
        return runs.stream().filter(r -> r.runId().equals(runId)).findFirst();
    }

    /** The batches the gate of run {@code runId} set aside. */
    public List<String> heldBy(String runId) {
        return held.stream().filter(h -> h.runId().equals(runId)).map(Held::batch).toList();
    }

    /** The batches waiting for a decision, in order. */
    public List<String> waiting() {
        return held.stream().map(Held::batch).sorted().toList();
    }

    /** This ledger with {@code batches} set aside by run {@code runId} instead of any earlier holding of them. */
    public Ledger holding(List<String> batches, String runId, String reason, String at) {
        List<Held> all = new ArrayList<>(released(batches).held);
        batches.forEach(b -> all.add(new Held(b, runId, reason, at)));
        return new Ledger(runs, all, dropped);
    }

    /** This ledger with {@code batches} no longer held. */
    public Ledger released(List<String> batches) {
        return new Ledger(runs, held.stream().filter(h -> !batches.contains(h.batch())).toList(), dropped);
    }

    /** This ledger with {@code batches} dropped for good. */
    public Ledger dropping(List<String> batches) {
        List<String> all = new ArrayList<>(dropped);
        all.addAll(batches);
        return new Ledger(runs, released(batches).held, all);
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
     * The ledger a run of {@code runId} starts from: without its own entry when it is the latest run, re-run. An
     * earlier run is not re-run (a later run has deduplicated against its rows and merged its scaler statistics):
     * the caller asks {@link #settledEarlier} first.
     */
    public Ledger before(String runId) {
        if (!contains(runId)) {
            return this;
        }
        if (settledEarlier(runId)) {
            throw new UserException("Preprocess run " + runId + " was followed by run " + last().orElseThrow().runId()
                    + ", which built on its rows: re-run only the latest run, or rebuild everything with"
                    + " preprocess --full");
        }
        return new Ledger(runs.subList(0, runs.size() - 1), held, dropped);
    }

    /** Whether {@code runId} is committed and later runs built on it: a re-run of it has nothing to do. */
    public boolean settledEarlier(String runId) {
        return contains(runId) && !last().orElseThrow().runId().equals(runId);
    }

    public Ledger with(Run run) {
        List<Run> all = new ArrayList<>(runs);
        all.add(run);
        return new Ledger(all, held, dropped);
    }
}
