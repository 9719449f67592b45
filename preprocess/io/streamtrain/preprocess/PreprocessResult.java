package io.streamtrain.preprocess;

import io.streamtrain.core.Warehouse;
import io.streamtrain.core.table.Ledger;
import io.streamtrain.core.table.Split;
import io.streamtrain.core.stage.StageResult;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Counts of one preprocess run, over the landing batches it curated:
 * {@code landed == train + validation + test + quarantined}, duplicates being among the quarantined.
 *
 * @param runId         the preprocess run
 * @param batches       landing batches curated by this run (0: nothing was new)
 * @param landed        rows read from those batches
 * @param train         rows curated into the training split
 * @param validation    rows curated into the validation split
 * @param test          rows curated into the test split
 * @param quarantined   rows quarantined by preprocess (duplicates, schema misfits)
 * @param duplicates    of which duplicate ids, within the new batches or of ids curated before
 * @param scalerVersion the scaler in force after the run, or null when none is fitted yet
 * @param waiting       batches a data gate set aside that wait for a user's decision
 */
public record PreprocessResult(String runId, int batches, long landed, long train, long validation, long test,
                               long quarantined, long duplicates, String scalerVersion, List<String> waiting)
        implements StageResult {

    public PreprocessResult {
        waiting = List.copyOf(waiting);
    }

    @Override
    public Map<String, Double> counts() {
        Map<String, Double> c = new LinkedHashMap<>();
        c.put("landed", (double) landed);
        c.put("train", (double) train);
        c.put("validation", (double) validation);
        c.put("test", (double) test);
        c.put("quarantined", (double) quarantined);
        return c;
    }

    @Override
    public String summary(Warehouse warehouse) {
        String waits = waiting.isEmpty() ? "" : String.format("preprocess: %d batches set aside by the data gate wait"
                + " for a decision (%s): preprocess --accept-batch ID --reason TEXT, or --drop-batch ID --reason"
                + " TEXT%n", waiting.size(), String.join(", ", waiting));
        if (batches == 0) {
            return String.format("preprocess: nothing new: every landing batch is curated (scaler %s)%n%s",
                    scalerVersion, waits);
        }
        return String.format("preprocess: %d new batches, %d landed -> train %d, validation %d, test %d,"
                + " quarantined %d (%d duplicates); scaler %s%n%s", batches, landed, train, validation, test,
                quarantined, duplicates, scalerVersion, waits);
    }

    /** A committed run run again: what it curated when it ran, and the batches that wait now. */
    static PreprocessResult committed(Ledger.Run run, Map<Split, Long> splitRows, List<String> waiting) {
        return new PreprocessResult(run.runId(), run.batches().size(), run.landed(),
                splitRows.getOrDefault(Split.TRAIN, 0L), splitRows.getOrDefault(Split.VALIDATION, 0L),
                splitRows.getOrDefault(Split.TEST, 0L), run.quarantined(), run.duplicates(), run.scalerVersion(),
                waiting);
    }

    /** A run that found every landing batch curated already. */
    static PreprocessResult nothing(String runId, String scalerVersion, List<String> waiting) {
        return new PreprocessResult(runId, 0, 0, 0, 0, 0, 0, 0, scalerVersion, waiting);
    }
}
