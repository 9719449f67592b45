/**
 * The definition and arithmetic of every classification metric, shared by validation during training and by
 * evaluate: {@link io.streamtrain.core.metrics.Metric} names them, {@link io.streamtrain.core.metrics.ConfusionMetrics}
 * computes those of a {@link io.streamtrain.core.metrics.Confusion} matrix,
 * {@link io.streamtrain.core.metrics.ScoreMetrics} those that need probabilities, from mergeable
 * {@link io.streamtrain.core.metrics.ScoreStats}; {@link io.streamtrain.core.metrics.Replicates} adds a Poisson
 * bootstrap and {@link io.streamtrain.core.metrics.Interval} its percentile intervals. Pure Java: no Spark, no I/O.
 */
package io.streamtrain.core.metrics;
