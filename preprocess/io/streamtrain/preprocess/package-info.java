/**
 * Turns the landing table into training data: drops duplicate ids into quarantine, checks every example against the
 * schema, splits deterministically by id into train, validation and test, and standardises features with statistics
 * fitted on the training split only ({@link io.streamtrain.preprocess.Scaler}).
 *
 * <p>Start from {@link io.streamtrain.preprocess.PreprocessJob#run}; the pure steps are in
 * {@link io.streamtrain.preprocess.Curation}.
 */
package io.streamtrain.preprocess;
