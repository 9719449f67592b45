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
 * accounting; held serialised, ND4J's Kryo serializer reads them back one float at a time, which took a quarter of
 * every training task (profiled). Java arrays are sized correctly by Spark, spill to disk like any block, and turn
 * into a {@link DataSet} with one bulk copy per array.
 *
 * @param features     features in C order
 * @param featureShape their shape ({@code [n, width]}, or {@code [n, size, steps]} for sequences)
 * @param labels       one-hot labels in C order
 * @param labelShape   their shape, {@code [n, classes]}
 */
record CachedMinibatch(float[] features, long[] featureShape, float[] labels, long[] labelShape)
        implements Serializable {

    static CachedMinibatch of(DataSet d) {
        INDArray x = d.getFeatures();
        INDArray y = d.getLabels();
        return new CachedMinibatch(x.dup('c').data().asFloat(), x.shape(), y.dup('c').data().asFloat(), y.shape());
    }

    DataSet toDataSet() {
        return new DataSet(Nd4j.create(features, featureShape, DataType.FLOAT),
                Nd4j.create(labels, labelShape, DataType.FLOAT));
    }

    int examples() {
        return (int) featureShape[0];
    }
}
