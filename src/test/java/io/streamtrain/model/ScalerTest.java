package io.streamtrain.model;

import io.streamtrain.core.metrics.FeatureStats;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Unit: statistics merged across increments equal one pass over all rows; scaler kinds; the saved form. */
class ScalerTest {

    private static float[][] rows(int n, long seed, double shift) {
        Random random = new Random(seed);
        float[][] out = new float[n][3];
        for (int i = 0; i < n; i++) {
            out[i] = new float[]{(float) (random.nextGaussian() * 3 + shift), random.nextInt(256), 7};
        }
        return out;
    }

    private static FeatureStats of(float[][]... parts) {
        FeatureStats s = FeatureStats.empty(3);
        for (float[][] part : parts) {
            for (float[] x : part) {
                s.add(x);
            }
        }
        return s;
    }

    @Test
    void mergedStatisticsOfIncrementsEqualOnePassOverAllRows() {
        float[][] day1 = rows(1000, 1, 0);
        float[][] day2 = rows(50, 2, 10);
        float[][] day3 = rows(3, 3, -5);
        FeatureStats merged = of(day1).merge(of(day2)).merge(of(day3));
        FeatureStats whole = of(day1, day2, day3);
        assertThat(merged.count()).isEqualTo(1053);
        for (int i = 0; i < 3; i++) {
            assertThat(merged.mean()[i]).isCloseTo(whole.mean()[i], within(1e-9));
            assertThat(merged.m2()[i]).isCloseTo(whole.m2()[i], within(1e-6 * Math.max(1, whole.m2()[i])));
            assertThat(merged.min()[i]).isEqualTo(whole.min()[i]);
            assertThat(merged.max()[i]).isEqualTo(whole.max()[i]);
        }
        assertThat(FeatureStats.empty(3).merge(of(day3))).isEqualTo(of(day3));
        assertThat(of(day3).merge(FeatureStats.empty(3))).isEqualTo(of(day3));
    }

    @Test
    void standardMinMaxAndNoneScaleAsDocumented() {
        float[][] data = {{0, 10, 5}, {2, 20, 5}, {4, 30, 5}};
        FeatureStats stats = of(data);
        Scaler standard = Scaler.of(Scaler.Kind.STANDARD, stats, 1e-6, "r1");
        assertThat(standard.apply(new float[]{4, 10, 5})).containsExactly(1f, -1f, 0f);
        Scaler minMax = Scaler.of(Scaler.Kind.MIN_MAX, stats, 1e-6, "r1");
        assertThat(minMax.apply(new float[]{4, 20, 5})).containsExactly(1f, 0.5f, 0f);
        Scaler none = Scaler.of(Scaler.Kind.NONE, stats, 1e-6, "r1");
        assertThat(none.apply(new float[]{4, 20, 5})).containsExactly(4f, 20f, 5f);
    }

    @Test
    void aSavedScalerReadsBackWithItsStatisticsAndOldBundlesStillRead() {
        Scaler scaler = Scaler.of(Scaler.Kind.MIN_MAX, of(rows(10, 4, 0)), 1e-6, "2026-11-29");
        Scaler back = Scaler.fromJson(scaler.toJson());
        assertThat(back).isEqualTo(scaler);
        assertThat(back.version()).isEqualTo("2026-11-29");
        assertThat(back.kind()).isEqualTo(Scaler.Kind.MIN_MAX);
        assertThat(back.stats()).isEqualTo(scaler.stats());

        Scaler legacy = Scaler.fromJson("{\"mean\":[1.0,2.0],\"std\":[2.0,4.0]}");
        assertThat(legacy.apply(new float[]{3, 10})).containsExactly(1f, 2f);
        assertThat(legacy.stats()).isNull();
    }
}
