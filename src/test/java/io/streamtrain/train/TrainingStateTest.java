package io.streamtrain.train;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.assertj.core.api.Assertions.assertThat;

/** The bookkeeping after each epoch: the best epoch, patience, and the running weight average. */
class TrainingStateTest {

    private static EpochStats epoch(int n, double validationAccuracy) {
        return new EpochStats(n, 0.5, validationAccuracy, validationAccuracy, 100, 1.0, 100.0);
    }

    private static INDArray params(double... values) {
        return Nd4j.createFromArray(values).reshape(1, values.length);
    }

    @Test
    void averagesTheEpochEndsFromTheConfiguredEpochOn() {
        TrainingState state = TrainingState.start()
                .after(epoch(1, 0.80), params(100, 100), 2)
                .after(epoch(2, 0.90), params(1, 2), 2)
                .after(epoch(3, 0.85), params(3, 4), 2)
                .after(epoch(4, 0.86), params(5, 9), 2);
        assertThat(state.averagedEpochs()).isEqualTo(3);
        assertThat(state.averageParams().toDoubleVector()).containsExactly(3, 5);
        assertThat(state.bestAccuracy()).isEqualTo(0.90);
        assertThat(state.bestParams().toDoubleVector()).containsExactly(1, 2);
        assertThat(state.sinceBest()).isEqualTo(2);
    }

    @Test
    void averagingIsOffAtZeroAndEarlierStatesKeepTheirAverage() {
        TrainingState off = TrainingState.start().after(epoch(1, 0.8), params(1, 2), 0);
        assertThat(off.averageParams()).isNull();
        assertThat(off.averagedEpochs()).isZero();

        TrainingState one = TrainingState.start().after(epoch(1, 0.8), params(2, 2), 1);
        TrainingState two = one.after(epoch(2, 0.8), params(4, 4), 1);
        assertThat(one.averageParams().toDoubleVector()).as("a checkpointed state is not changed later")
                .containsExactly(2, 2);
        assertThat(two.averageParams().toDoubleVector()).containsExactly(3, 3);
    }
}
