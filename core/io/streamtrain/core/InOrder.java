package io.streamtrain.core;

import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import scala.Tuple2;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.function.BinaryOperator;

/**
 * Merges the results of a distributed pass in partition order, in a tree on the executors, so that the driver
 * receives at most {@link #FAN_IN} of them whatever the number of partitions. Spark's {@code reduce},
 * {@code treeReduce} and {@code treeAggregate} merge results in the order tasks finish, and floating-point sums then
 * change in their last digits from run to run; a re-run of the same run id must write the same numbers. Here the
 * tree's shape depends only on the number of partitions, and each node merges its children by their index.
 */
public final class InOrder {

    /** Results one merge of the tree takes, and the most the driver receives. */
    public static final int FAN_IN = 32;

    private InOrder() {
    }

    /** How two results merge: a function the executors receive, so serialisable. */
    @FunctionalInterface
    public interface Merge<T> extends BinaryOperator<T>, Serializable {
    }

    /**
     * {@code merge(first, r)} where {@code r} merges the values of {@code perPartition}, partition by partition and
     * in order within each, as a tree of {@link #FAN_IN} children a node. {@code merge} must be associative (the
     * statistics here are, up to floating-point rounding, which the fixed tree makes repeatable).
     */
    public static <T> T fold(T first, JavaRDD<T> perPartition, Merge<T> merge) {
        JavaPairRDD<Integer, T> level = perPartition.mapPartitionsWithIndex(
                (index, values) -> merged(index, values, merge), true).mapToPair(t -> t);
        int count = perPartition.getNumPartitions();
        while (count > FAN_IN) {
            count = (count + FAN_IN - 1) / FAN_IN;
            level = level.mapToPair(t -> new Tuple2<>(t._1() / FAN_IN, t)).groupByKey(count)
                    .mapToPair(group -> new Tuple2<>(group._1(), inOrder(group._2(), merge)));
        }
        return foldByIndex(first, level.collect(), merge);
    }

    /** The same without a starting value; null when the RDD holds nothing. */
    public static <T> T reduce(JavaRDD<T> perPartition, Merge<T> merge) {
        return fold(null, perPartition, merge);
    }

    private static <T> Iterator<Tuple2<Integer, T>> merged(int index, Iterator<T> values, Merge<T> merge) {
        T acc = null;
        while (values.hasNext()) {
            T next = values.next();
            acc = acc == null ? next : merge.apply(acc, next);
        }
        return acc == null ? Collections.emptyIterator() : List.of(new Tuple2<>(index, acc)).iterator();
    }

    private static <T> T inOrder(Iterable<Tuple2<Integer, T>> children, Merge<T> merge) {
        return foldByIndex(null, children, merge);
    }

    /** {@code first} merged with the values of {@code indexed} in the order of their indexes. */
    private static <T> T foldByIndex(T first, Iterable<Tuple2<Integer, T>> indexed, Merge<T> merge) {
        List<Tuple2<Integer, T>> sorted = new ArrayList<>();
        indexed.forEach(sorted::add);
        sorted.sort(Comparator.comparing(Tuple2::_1));
        T acc = first;
        for (Tuple2<Integer, T> t : sorted) {
            acc = acc == null ? t._2() : merge.apply(acc, t._2());
        }
        return acc;
    }
}
