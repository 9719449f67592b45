/**
 * Scores a model bundle on the curated test split and writes the predictions, the metric tables with their confidence
 * intervals, the promotion gate's decision and the report with its plots.
 * {@link io.streamtrain.evaluate.Scores} turns predictions into mergeable bootstrap statistics on the executors,
 * {@link io.streamtrain.evaluate.MetricTable} turns those into rows (the arithmetic itself is in
 * {@code io.streamtrain.core.metrics}, shared with training's validation), {@link io.streamtrain.evaluate.Gate} decides
 * promotions, {@link io.streamtrain.evaluate.ReportFormat}, {@link io.streamtrain.evaluate.Charts} and
 * {@link io.streamtrain.evaluate.HtmlReport} format and draw.
 *
 * <p>Start from {@link io.streamtrain.evaluate.EvaluateJob#run}.
 */
package io.streamtrain.evaluate;
