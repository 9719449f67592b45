package io.streamtrain.core.metrics;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Metric arithmetic against values computed by hand. */
class ConfusionMetricsTest {

    /**
     * actual\pred  a  b  c
     * a            5  1  0   support 6
     * b            2  3  1   support 6
     * c            0  0  4   support 4
     */
    private final Confusion m = new Confusion(List.of("a", "b", "c"),
            new long[][]{{5, 1, 0}, {2, 3, 1}, {0, 0, 4}});

    @Test
    void perClassPrecisionRecallF1Support() {
        assertThat(ConfusionMetrics.precision(m, 0)).isCloseTo(5.0 / 7, within(1e-12));
        assertThat(ConfusionMetrics.recall(m, 0)).isCloseTo(5.0 / 6, within(1e-12));
        assertThat(ConfusionMetrics.f1(m, 0)).isCloseTo(2 * (5.0 / 7) * (5.0 / 6) / (5.0 / 7 + 5.0 / 6), within(1e-12));
        assertThat(ConfusionMetrics.precision(m, 1)).isCloseTo(3.0 / 4, within(1e-12));
        assertThat(ConfusionMetrics.recall(m, 1)).isCloseTo(3.0 / 6, within(1e-12));
        assertThat(ConfusionMetrics.precision(m, 2)).isCloseTo(4.0 / 5, within(1e-12));
        assertThat(ConfusionMetrics.recall(m, 2)).isEqualTo(1.0);
        assertThat(ConfusionMetrics.support(m, 1)).isEqualTo(6);
    }

    @Test
    void accuracyAndAverages() {
        assertThat(ConfusionMetrics.accuracy(m)).isCloseTo(12.0 / 16, within(1e-12));
        double macroRecall = (5.0 / 6 + 3.0 / 6 + 1.0) / 3;
        assertThat(ConfusionMetrics.macro(m, Metric.RECALL)).isCloseTo(macroRecall, within(1e-12));
        double weightedPrecision = (5.0 / 7 * 6 + 3.0 / 4 * 6 + 4.0 / 5 * 4) / 16;
        assertThat(ConfusionMetrics.weighted(m, Metric.PRECISION)).isCloseTo(weightedPrecision, within(1e-12));
        // Weighted recall equals accuracy.
        assertThat(ConfusionMetrics.weighted(m, Metric.RECALL)).isCloseTo(12.0 / 16, within(1e-12));
    }

    @Test
    void zeroSupportIsNaNAndSkippedByAverages() {
        Confusion absent = new Confusion(List.of("a", "b"), new long[][]{{3, 1}, {0, 0}});
        assertThat(ConfusionMetrics.recall(absent, 1)).isNaN();
        assertThat(ConfusionMetrics.precision(absent, 1)).isEqualTo(0.0);
        assertThat(ConfusionMetrics.f1(absent, 1)).isNaN();
        assertThat(ConfusionMetrics.macro(absent, Metric.RECALL)).isCloseTo(0.75, within(1e-12));
        assertThat(ConfusionMetrics.accuracy(new Confusion(List.of("a", "b"), new long[2][2]))).isNaN();
    }

    @Test
    void neverPredictedClassHasUndefinedPrecision() {
        Confusion never = new Confusion(List.of("a", "b"), new long[][]{{2, 0}, {2, 0}});
        assertThat(ConfusionMetrics.precision(never, 1)).isNaN();
        assertThat(ConfusionMetrics.recall(never, 1)).isEqualTo(0.0);
    }

    @Test
    void microAveragesOfSingleLabelDataEqualAccuracy() {
        assertThat(ConfusionMetrics.micro(m, Metric.PRECISION)).isCloseTo(12.0 / 16, within(1e-12));
        assertThat(ConfusionMetrics.micro(m, Metric.RECALL)).isCloseTo(12.0 / 16, within(1e-12));
        assertThat(ConfusionMetrics.micro(m, Metric.F1)).isCloseTo(12.0 / 16, within(1e-12));
        assertThat(ConfusionMetrics.value(m, Metric.F1, Averaging.MACRO, 0))
                .isEqualTo(ConfusionMetrics.macro(m, Metric.F1));
        assertThat(ConfusionMetrics.value(m, Metric.RECALL, Averaging.NONE, 2)).isEqualTo(1.0);
    }
}
