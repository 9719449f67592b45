package io.streamtrain.evaluate;

/**
 * One row of the evaluation table and of {@code metrics.csv}.
 *
 * @param className a class name, {@code overall}, {@code macro avg} or {@code weighted avg}
 * @param metric    the metric's column name, see {@link Metric#column()}
 * @param value     the value; NaN where undefined
 */
public record MetricRow(String className, String metric, double value) {

    public static final String OVERALL = "overall";
    public static final String MACRO = "macro avg";
    public static final String WEIGHTED = "weighted avg";
}
