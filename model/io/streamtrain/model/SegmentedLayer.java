package io.streamtrain.model;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/**
 * A SameDiff layer configuration whose layer is an {@link ExactGradientLayer}: DL4J's forward pass at inference,
 * and for training a forward and backward pass the configuration assembles from {@link Segment}s, because DL4J M2's
 * own backward pass is wrong for these layers.
 */
public abstract class SegmentedLayer extends SameDiffLayer {

    /** A new training forward and backward pass, for one layer instance (its segments hold SameDiff graphs). */
    abstract ExactGradientLayer.Backward backward();

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int index,
                             INDArray paramsView, boolean initializeParams, DataType dataType) {
        return ExactGradientLayer.instantiate(conf, listeners, index, paramsView, initializeParams, dataType);
    }
}
