package io.streamtrain.train;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaRDDLike;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingResult;
import scala.Tuple2;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * dl4j-spark's parameter averaging, told how many minibatches the next {@code fit} gets instead of counting them.
 *
 * <p>DL4J runs a Spark {@code count} job before every {@code fit} only to decide how to split the data into averaging
 * rounds. {@link SparkTrainer} hands it exactly one round at a time and knows each round's size from the pass that
 * built the cache, so that job (a task launch and a conversion of every minibatch to ND4J arrays, every round) is
 * pure overhead. The count only chooses the split (one round: no split) and is logged; training is unchanged, down
 * to the random numbers DL4J draws.
 *
 * <p>It also sums the workers' parameters in partition order. DL4J's {@code treeAggregate} adds each task's result
 * as it arrives, and with three or more workers a float sum then depends on which task finished first.
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

    @Override
    protected void processResults(SparkDl4jMultiLayer network, SparkComputationGraph graph,
                                  JavaRDD<ParameterAveragingTrainingResult> results, int splitNum, int totalSplits) {
        // Two results add up the same in either order (float addition commutes); only more need a fixed order.
        JavaRDD<ParameterAveragingTrainingResult> ordered = results.getNumPartitions() <= 2 ? results
                : results.mapPartitionsWithIndex(CountedParameterAveraging::tagged, true)
                        .mapToPair(t -> t)
                        .sortByKey(true, 1)
                        .values();
        super.processResults(network, graph, ordered, splitNum, totalSplits);
    }

    /** A partition's results keyed by the partition's index, for the one-partition sort above. */
    private static Iterator<Tuple2<Integer, ParameterAveragingTrainingResult>> tagged(
            int partition, Iterator<ParameterAveragingTrainingResult> results) {
        List<Tuple2<Integer, ParameterAveragingTrainingResult>> out = new ArrayList<>(1);
        results.forEachRemaining(r -> out.add(new Tuple2<>(partition, r)));
        return out.iterator();
    }
}
