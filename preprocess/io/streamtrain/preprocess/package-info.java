/**
 * Turns the landing table into training data, incrementally: each run curates only the landing batches its
 * {@link io.streamtrain.core.table.Ledger} does not list, drops duplicate ids (within the new batches and against every
 * id curated before) into quarantine, checks every example against the schema, splits deterministically by id into
 * train, validation and test, and stores the features unscaled and compact ({@link
 * io.streamtrain.core.table.CompactFeatures}). It fits the next version of the {@link io.streamtrain.model.Scaler}
 * on the new training rows merged into the previous statistics ({@link io.streamtrain.core.metrics.FeatureStats}), writes
 * a {@link io.streamtrain.preprocess.DataProfile} and stops at the {@link io.streamtrain.preprocess.DataGate} before it
 * commits.
 *
 * <p>Start from {@link io.streamtrain.preprocess.PreprocessJob#run}; the pure steps are in
 * {@link io.streamtrain.preprocess.Curation}.
 */
package io.streamtrain.preprocess;
