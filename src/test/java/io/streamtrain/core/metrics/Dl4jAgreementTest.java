package io.streamtrain.core.metrics;

import org.junit.jupiter.api.Test;
import org.nd4j.evaluation.EvaluationAveraging;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** streamtrain's metric definitions give DL4J's {@code Evaluation} figures on the same predictions. */
class Dl4jAgreementTest {

    static final int CLASSES = 5;
    static final int ROWS = 600;

    /** Seeded predictions, mostly right, with probabilities that put the top one on the predicted class. */
    static double[][] probabilities(int[] labels, long seed) {
        Random random = new Random(seed);
        double[][] p = new double[labels.length][CLASSES];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = random.nextInt(CLASSES);
            double sum = 0;
            for (int k = 0; k < CLASSES; k++) {
                p[i][k] = random.nextDouble() + (k == labels[i] ? 1.2 : 0);
                sum += p[i][k];
            }
            for (int k = 0; k < CLASSES; k++) {
                p[i][k] /= sum;
            }
        }
        return p;
    }

    @Test
    void confusionAccuracyPrecisionRecallAndF1EqualDl4js() {
        int[] labels = new int[ROWS];
        double[][] p = probabilities(labels, 11);
        ScoreStats ours = new ScoreStats(CLASSES, 10);
        INDArray oneHot = Nd4j.zeros(DataType.DOUBLE, ROWS, CLASSES);
        for (int i = 0; i < ROWS; i++) {
            ours.add(labels[i], p[i], ScoreStats.argmax(p[i]), 1);
            oneHot.putScalar(i, labels[i], 1.0);
        }
        Evaluation theirs = new Evaluation(CLASSES);
        theirs.eval(oneHot, Nd4j.createFromArray(p));
        List<String> names = List.of("0", "1", "2", "3", "4");
        Confusion m = ours.confusion(names);
        for (int a = 0; a < CLASSES; a++) {
            for (int q = 0; q < CLASSES; q++) {
                assertThat(m.count(a, q)).isEqualTo(theirs.getConfusion().getCount(a, q));
            }
            assertThat(ConfusionMetrics.precision(m, a)).isCloseTo(theirs.precision(a), within(1e-12));
            assertThat(ConfusionMetrics.recall(m, a)).isCloseTo(theirs.recall(a), within(1e-12));
            assertThat(ConfusionMetrics.f1(m, a)).isCloseTo(theirs.f1(a), within(1e-12));
        }
        assertThat(ConfusionMetrics.accuracy(m)).isCloseTo(theirs.accuracy(), within(1e-12));
        assertThat(ConfusionMetrics.macro(m, Metric.PRECISION))
                .isCloseTo(theirs.precision(EvaluationAveraging.Macro), within(1e-12));
        assertThat(ConfusionMetrics.macro(m, Metric.RECALL))
                .isCloseTo(theirs.recall(EvaluationAveraging.Macro), within(1e-12));
        assertThat(ConfusionMetrics.micro(m, Metric.PRECISION))
                .isCloseTo(theirs.precision(EvaluationAveraging.Micro), within(1e-12));
        assertThat(ConfusionMetrics.micro(m, Metric.F1))
                .isCloseTo(theirs.f1(EvaluationAveraging.Micro), within(1e-12));
    }
}
