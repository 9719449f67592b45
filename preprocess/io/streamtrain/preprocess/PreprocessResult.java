package io.streamtrain.preprocess;

/**
 * Counts of one preprocess run: {@code landed == train + validation + test + quarantined}.
 *
 * @param landed      rows read from landing
 * @param train       rows curated into the training split
 * @param validation  rows curated into the validation split
 * @param test        rows curated into the test split
 * @param quarantined rows quarantined by preprocess (duplicates, schema misfits)
 */
public record PreprocessResult(long landed, long train, long validation, long test, long quarantined) {
}
