package io.streamtrain.preprocess;

import io.streamtrain.core.metrics.FeatureStats;
import io.streamtrain.core.ConfigException;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Unit: the profile's accounting, PSI against hand-computed values, and the gate's pass and fail on each rule. */
class DataProfileTest {

    private static final List<String> LABELS = List.of("a", "b");

    /** Statistics with histogram of the given one-feature rows over [0, 10) in 2 bins, with their classes. */
    private static FeatureStats stats(float[] values, int[] labels) {
        FeatureStats s = FeatureStats.empty(1, 0, 10, 2, 2);
        for (int i = 0; i < values.length; i++) {
            s.add(new float[]{values[i]}, labels[i]);
        }
        return s;
    }

    private static DataProfile profile(FeatureStats newTrain, FeatureStats reference) {
        return new DataProfile("r2", LABELS, 100, 95, Map.of("DUPLICATE_ID", 2L, "UNKNOWN_LABEL", 3L),
                Map.of("a", Map.of("train", 60L), "b", Map.of("train", 30L, "test", 5L)), newTrain, newTrain,
                reference);
    }

    @Test
    void psiIsTheHandComputedValue() {
        assertThat(DataProfile.psi(new double[]{0.5, 0.5}, new double[]{0.5, 0.5})).isZero();
        double expected = 0.4 * Math.log(0.9 / 0.5) + (-0.4) * Math.log(0.1 / 0.5);
        assertThat(DataProfile.psi(new double[]{0.9, 0.1}, new double[]{0.5, 0.5})).isCloseTo(expected,
                within(1e-12));
    }

    @Test
    void landedEqualsCuratedPlusQuarantinedPlusDuplicates() {
        DataProfile p = profile(stats(new float[]{1, 2}, new int[]{0, 1}), null);
        Map<String, Double> rows = new java.util.TreeMap<>();
        for (Row r : p.rows()) {
            if (r.getString(0).equals("rows")) {
                rows.put(r.getString(2), r.getDouble(3));
            }
        }
        assertThat(rows).containsEntry("landed", 100.0).containsEntry("curated", 95.0)
                .containsEntry("quarantined", 3.0).containsEntry("duplicates", 2.0);
        assertThat(p.markdown("Passed.")).contains("landed = curated + quarantined + duplicates: holds")
                .contains("| b | 30 | 0 | 5 |").contains("No training reference");
    }

    @Test
    void theGateFailsOnEachRuleAndPassesBelowIt() {
        FeatureStats reference = stats(new float[]{1, 2, 3, 8}, new int[]{0, 0, 1, 1});
        FeatureStats shifted = stats(new float[]{7, 8, 9, 9}, new int[]{0, 1, 1, 1});
        DataProfile p = profile(shifted, reference);
        assertThat(p.hasDrift()).isTrue();
        // Feature: bins [0, 5) and [5, 10): reference 3/4, 1/4; new 0, 1.
        double featurePsi = DataProfile.psi(new double[]{0, 1}, new double[]{0.75, 0.25});
        assertThat(p.featurePsi()[0]).isCloseTo(featurePsi, within(1e-12));
        double labelPsi = DataProfile.psi(new double[]{0.25, 0.75}, new double[]{0.5, 0.5});
        assertThat(p.labelPsi()).isCloseTo(labelPsi, within(1e-12));

        assertThat(DataGate.OPEN.violation(p)).isEmpty();
        assertThat(new DataGate(0.02, 1, 0, 0, 10).violation(p)).get().asString()
                .contains("0.0300 of the 100 landed rows were quarantined", DataGate.MAX_QUARANTINED);
        assertThat(new DataGate(0.03, 1, 0, 0, 10).violation(p)).isEmpty();
        assertThat(new DataGate(1, 0.01, 0, 0, 10).violation(p)).get().asString()
                .contains("duplicate ids", DataGate.MAX_DUPLICATES);
        assertThat(new DataGate(1, 1, 0, labelPsi - 0.01, 10).violation(p)).get().asString()
                .contains("class distribution drifted", DataGate.MAX_LABEL_PSI);
        assertThat(new DataGate(1, 1, 0, labelPsi + 0.01, 10).violation(p)).isEmpty();
        assertThat(new DataGate(1, 1, featurePsi - 0.01, 0, 10).violation(p)).get().asString()
                .contains("feature 0: PSI", DataGate.MAX_FEATURE_PSI);
        assertThat(new DataGate(1, 1, featurePsi + 0.01, 0, 10).violation(p)).isEmpty();
        assertThat(p.markdown("Passed.")).contains("classes: PSI").contains("largest PSI");
    }

    @Test
    void wideFeaturesAreSummarisedAndBadThresholdsRefused() {
        FeatureStats wide = FeatureStats.empty(784, 0, 255, 10, 2);
        wide.add(new float[784], 0);
        DataProfile p = new DataProfile("r1", LABELS, 1, 1, Map.of(), Map.of("a", Map.of("train", 1L)), wide, wide,
                null);
        assertThat(p.markdown("Passed.")).contains("Wide: each statistic summarised").doesNotContain("| f783 |");
        assertThat(p.rows()).hasSize(4 + 1 + 784 * 5);
        assertThatThrownBy(() -> new DataGate(1.5, 1, 0, 0, 10)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(DataGate.MAX_QUARANTINED);
        assertThatThrownBy(() -> new DataGate(1, 1, 0, 0, 1)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(DataGate.BINS);
    }
}
