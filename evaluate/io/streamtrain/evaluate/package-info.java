/**
 * Scores a model bundle on the curated test split and writes the metric tables and reports.
 * {@link io.streamtrain.evaluate.ConfusionMetrics} holds the arithmetic over a
 * {@link io.streamtrain.evaluate.Confusion} matrix, {@link io.streamtrain.evaluate.ReportFormat} the pure formatting.
 *
 * <p>Start from {@link io.streamtrain.evaluate.EvaluateJob#run}.
 */
package io.streamtrain.evaluate;
