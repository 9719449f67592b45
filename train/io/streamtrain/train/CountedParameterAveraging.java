package io.streamtrain.train;

import org.apache.spark.api.java.JavaRDDLike;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;

/**
 * dl4j-spark's parameter averaging, told how many minibatches the next {@code fit} gets instead of counting them.
 *
 * <p>DL4J runs a Spark {@code count} job before every {@code fit} only to decide how to split the data into averaging
 * rounds. {@link SparkTrainer} hands it exactly one round at a time and knows each round's size from the pass that
 * built the cache, so that job (a task launch and a conversion of every minibatch to ND4J arrays, every round) is
 * pure overhead. The count only chooses the split (one round: no split) and is logged; training is unchanged, down
 * to the random numbers DL4J draws.
 */
final class CountedParameterAveraging extends ParameterAveragingTrainingMaster {

    private long nextCount = -1;

    CountedParameterAveraging(Builder builder) {
        super(builder);
    }

    /** The number of minibatches the next {@code fit} is given; used once. */
    void nextFitHas(long minibatches) {
        nextCount = minibatches;
    }

    @Override
    protected <T, R extends JavaRDDLike<T, R>> long getTotalDataSetObjectCount(JavaRDDLike<T, R> data) {
        long known = nextCount;
        nextCount = -1;
        return known >= 0 ? known : super.getTotalDataSetObjectCount(data);
    }
}
