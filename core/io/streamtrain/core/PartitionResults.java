package io.streamtrain.core;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.AccumulatorV2;

import java.io.Serializable;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BinaryOperator;

/**
 * One small result per partition that tasks hand back beside an action's own output (a Parquet write, say), so that
 * one pass over the rows both writes them and summarises them. The driver folds the results in partition order, as
 * {@link InOrder} does, so the sums do not depend on the order in which tasks finish, and it folds each as soon as
 * those before it are in, so it holds few of them at once. A partition computed twice (a retried task) counts once.
 *
 * @param <T> the per-partition result; Spark ships it with the task's result, so keep it small
 */
public final class PartitionResults<T> extends AccumulatorV2<PartitionResults.Part<T>, TreeMap<Integer, T>> {

    private static final long serialVersionUID = 1L;

    /** How two results combine; it travels to the executors with the accumulator. */
    public interface Merge<T> extends BinaryOperator<T>, Serializable {
    }

    /** What partition {@code index} produced. */
    public record Part<T>(int index, T result) implements Serializable {
    }

    private final Merge<T> merge;
    private TreeMap<Integer, T> pending = new TreeMap<>();
    private T folded;
    private int next;

    private PartitionResults(Merge<T> merge) {
        this.merge = merge;
    }

    /**
     * A new accumulator registered with {@code sc}. Without a name: Spark shows a named accumulator's values in its
     * UI, which would keep every partition's result reachable until the stage ends and read the driver's value from
     * the listener thread while tasks are merged into it.
     */
    public static <T> PartitionResults<T> register(JavaSparkContext sc, Merge<T> merge) {
        PartitionResults<T> results = new PartitionResults<>(merge);
        sc.sc().register(results);
        return results;
    }

    /** Records partition {@code index}'s result; called once by the task that finishes the partition. */
    public void put(int index, T result) {
        add(new Part<>(index, result));
    }

    /**
     * The results of partitions 0 to {@code partitions - 1}, folded in that order.
     *
     * @throws IllegalStateException when a partition's result is missing: its task never finished its rows
     */
    public T merged(int partitions) {
        if (next != partitions || !pending.isEmpty()) {
            throw new IllegalStateException("expected the results of " + partitions + " partitions, got the first "
                    + next + " and " + pending.keySet());
        }
        return folded;
    }

    @Override
    public boolean isZero() {
        return pending.isEmpty() && next == 0;
    }

    @Override
    public PartitionResults<T> copy() {
        PartitionResults<T> copy = new PartitionResults<>(merge);
        copy.pending = new TreeMap<>(pending);
        copy.folded = folded;
        copy.next = next;
        return copy;
    }

    @Override
    public void reset() {
        pending = new TreeMap<>();
        folded = null;
        next = 0;
    }

    @Override
    public void add(Part<T> part) {
        if (part.index() >= next) {
            pending.put(part.index(), part.result());
        }
    }

    /** On the driver: takes a finished task's result and folds every result whose turn has come. */
    @Override
    public void merge(AccumulatorV2<Part<T>, TreeMap<Integer, T>> other) {
        for (Map.Entry<Integer, T> e : other.value().entrySet()) {
            add(new Part<>(e.getKey(), e.getValue()));
        }
        while (pending.containsKey(next)) {
            T result = pending.remove(next++);
            folded = folded == null ? result : merge.apply(folded, result);
        }
    }

    /** The results not folded yet: on an executor, the task's own. */
    @Override
    public TreeMap<Integer, T> value() {
        return pending;
    }
}
