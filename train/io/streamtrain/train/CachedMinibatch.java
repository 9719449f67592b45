package io.streamtrain.train;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.Serializable;

/**
 * A minibatch as plain Java arrays: the form the training cache keeps between epochs.
 *
 * <p>Why not cache {@link DataSet}s: held deserialised, their off-heap buffers are invisible to Spark's memory
 * accounting; held serialised, ND4J's Kryo serializer reads them back one float at a time, a cost every training
 * task pays again (profiled: docs/benchmarks.md). Java arrays are sized correctly by Spark, spill to disk like any
 * block, and turn into a {@link DataSet} with one bulk copy per array. They are also the cheap way to ship
 * minibatches from a driver.
 *
 * <p>A class, not a record: Spark's Kryo cannot serialise records on Java 17 (it needs field offsets, which records
 * do not give), and a cached block is serialised whenever it spills to disk or is read by another executor.
 */
public final class CachedMinibatch implements Serializable {

    private static final long serialVersionUID = 1L;

    private final float[] features;
    private final long[] featureShape;
    private final float[] labels;
    private final long[] labelShape;

    /**
     * @param features     features in C order
     * @param featureShape their shape ({@code [n, width]}, or {@code [n, size, steps]} for sequences)
     * @param labels       one-hot labels in C order
     * @param labelShape   their shape, {@code [n, classes]}
     */
    public CachedMinibatch(float[] features, long[] featureShape, float[] labels, long[] labelShape) {
        this.features = features;
        this.featureShape = featureShape;
        this.labels = labels;
        this.labelShape = labelShape;
    }

    public static CachedMinibatch of(DataSet d) {
        INDArray x = d.getFeatures();
        INDArray y = d.getLabels();
        return new CachedMinibatch(x.dup('c').data().asFloat(), x.shape(), y.dup('c').data().asFloat(), y.shape());
    }

    public DataSet toDataSet() {
        return new DataSet(Nd4j.create(features, featureShape, DataType.FLOAT),
                Nd4j.create(labels, labelShape, DataType.FLOAT));
    }

    /** The same minibatch with other features of the same shape (augmentation). */
    CachedMinibatch withFeatures(float[] replaced) {
        if (replaced.length != features.length) {
            throw new IllegalArgumentException(replaced.length + " features for a minibatch of " + features.length);
        }
        return new CachedMinibatch(replaced, featureShape, labels, labelShape);
    }

    float[] features() {
        return features;
    }

    public int examples() {
        return (int) featureShape[0];
    }
}
