package io.streamtrain.evaluate;

/**
 * One row of the evaluation table and of {@code metrics.csv}.
 *
 * @param slice     {@link Scores#ALL}, or {@code column=value} for the rows of one value of the slice column
 * @param className a class name, or {@link #OVERALL} for averages and metrics of all examples
 * @param metric    the metric's column name, see {@link io.streamtrain.core.metrics.Metric#column()}
 * @param averaging {@link io.streamtrain.core.metrics.Averaging#column()}
 * @param value     the value; NaN where undefined
 * @param ciLow     lower bound of its confidence interval; NaN without one (support, or no replicates)
 * @param ciHigh    upper bound
 */
public record MetricRow(String slice, String className, String metric, String averaging, double value,
                        double ciLow, double ciHigh) {

    public static final String OVERALL = "overall";
}
