package io.streamtrain.preprocess;

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
 */
public record PreprocessResult(String runId, int batches, long landed, long train, long validation, long test,
                               long quarantined, long duplicates, String scalerVersion) {

    /** A run that found every landing batch curated already. */
    static PreprocessResult nothing(String runId, String scalerVersion) {
        return new PreprocessResult(runId, 0, 0, 0, 0, 0, 0, 0, scalerVersion);
    }
}
