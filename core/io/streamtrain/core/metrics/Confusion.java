package io.streamtrain.core.metrics;

import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * A confusion matrix: {@code counts[actual][predicted]}.
 *
 * @param labels class names, index = class id
 * @param counts square matrix of non-negative counts
 */
public record Confusion(List<String> labels, long[][] counts) {

    public Confusion {
        labels = List.copyOf(labels);
        if (counts.length != labels.size()) {
            throw new IllegalArgumentException("matrix has " + counts.length + " rows for " + labels.size() + " labels");
        }
        for (long[] row : counts) {
            if (row.length != labels.size()) {
                throw new IllegalArgumentException("matrix must be square, a row has " + row.length + " columns");
            }
        }
        counts = Arrays.stream(counts).map(long[]::clone).toArray(long[][]::new);
    }

    /** A matrix whose classes are named by their index: what training's validation has. */
    public static Confusion ofCounts(long[][] counts) {
        return new Confusion(IntStream.range(0, counts.length).mapToObj(String::valueOf).toList(), counts);
    }

    public int classes() {
        return labels.size();
    }

    public long count(int actual, int predicted) {
        return counts[actual][predicted];
    }

    public long total() {
        return Arrays.stream(counts).flatMapToLong(Arrays::stream).sum();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Confusion c && labels.equals(c.labels) && Arrays.deepEquals(counts, c.counts);
    }

    @Override
    public int hashCode() {
        return 31 * labels.hashCode() + Arrays.deepHashCode(counts);
    }
}
