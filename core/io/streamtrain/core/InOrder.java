package io.streamtrain.core;

import org.apache.spark.api.java.JavaRDD;

import java.util.function.BinaryOperator;

/**
 * Merges one small result per partition on the driver in partition order. Spark's {@code reduce}, {@code treeReduce}
 * and {@code treeAggregate} merge results in the order tasks finish, and floating-point sums then change in their
 * last digits from run to run; a re-run of the same run id must write the same numbers.
 */
public final class InOrder {

    private InOrder() {
    }

    /**
     * {@code merge(...merge(merge(first, r0), r1)..., rn)} over the partitions' results {@code r0..rn} of
     * {@code perPartition}, which should hold one small value per partition: they are all on the driver at once.
     */
    public static <T> T fold(T first, JavaRDD<T> perPartition, BinaryOperator<T> merge) {
        T acc = first;
        for (T part : perPartition.collect()) {
            acc = acc == null ? part : merge.apply(acc, part);
        }
        return acc;
    }

    /** The same without a starting value; null when the RDD holds nothing. */
    public static <T> T reduce(JavaRDD<T> perPartition, BinaryOperator<T> merge) {
        return fold(null, perPartition, merge);
    }
}
