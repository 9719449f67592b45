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
        List<Tuple2<Integer, T>> top = new ArrayList<>(level.collect());
        T acc = first;
        for (T part : sorted(top)) {
            acc = acc == null ? part : merge.apply(acc, part);
        }
        return acc;
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
        List<Tuple2<Integer, T>> list = new ArrayList<>();
        children.forEach(list::add);
        T acc = null;
        for (T child : sorted(list)) {
            acc = acc == null ? child : merge.apply(acc, child);
        }
        return acc;
    }

    private static <T> List<T> sorted(List<Tuple2<Integer, T>> indexed) {
        indexed.sort(Comparator.comparing(Tuple2::_1));
        List<T> values = new ArrayList<>(indexed.size());
        indexed.forEach(t -> values.add(t._2()));
        return values;
    }
}
