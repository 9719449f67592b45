package io.streamtrain.model;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.samediff.SameDiffLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * DL4J's SameDiff layer with a correct backward pass, the layer of every {@link SegmentedLayer}
 * ({@link TokenEmbedding}, {@link TransformerBlock}): DL4J's forward pass at inference, and for training the forward
 * and backward pass the configuration assembles from {@link Segment}s.
 *
 * <p>DL4J 1.0.0-M2's own backward pass is wrong twice over ({@code AttentionGradientTest} pins both down): its
 * "external errors" op doubles every gradient of a SameDiff layer, even of one that is only {@code x W + b}; and
 * SameDiff's differentiation mis-sums the gradient of any value that feeds two operations (see {@link Segment}), so a
 * transformer block got none at all for its attention. With this layer the gradients match central finite
 * differences. It also sets parameters by name, which M2's SameDiff layer silently does not.
 */
final class ExactGradientLayer extends SameDiffLayer {

    /**
     * A layer configuration's forward and backward pass for training. Each layer instance gets its own: segments hold
     * SameDiff graphs, and the forward pass may keep what the backward pass of the same input needs.
     */
    interface Backward {
        /** The layer's output, computing (and keeping) what {@link #backprop} of the same input needs. */
        INDArray forward(INDArray input, Map<String, INDArray> params);

        /**
         * @param input          the layer's input, the same as in the {@link #forward} just before
         * @param epsilon        the gradient of the loss with respect to the layer's output
         * @param params         the layer's parameters by name
         * @param paramGradients receives the gradient of every parameter
         * @return the gradient with respect to the input
         */
        INDArray backprop(INDArray input, INDArray epsilon, Map<String, INDArray> params,
                          Map<String, INDArray> paramGradients);

        /** Drops what {@link #forward} kept. */
        default void release() {
        }
    }

    private Backward backward;
    /** The input of the last training forward pass that has not been back-propagated yet. */
    private INDArray forwardInput;

    private ExactGradientLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** What {@code SameDiffLayer.instantiate} does, with this class as the layer. */
    static Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int index,
                             INDArray paramsView, boolean initializeParams, DataType dataType) {
        ExactGradientLayer layer = new ExactGradientLayer(conf, dataType);
        layer.setIndex(index);
        layer.setParamsViewArray(paramsView);
        layer.setParamTable(conf.getLayer().initializer().init(conf, paramsView, initializeParams));
        layer.setConf(conf);
        layer.setListeners(listeners);
        return layer;
    }

    /**
     * Sets the parameter's values: DL4J M2's {@code SameDiffLayer.setParam} checks the key and the shape and then sets
     * nothing, so a compressed copy or an explanation's twin would have kept its fresh initialisation.
     */
    @Override
    public void setParam(String key, INDArray val) {
        super.setParam(key, val);
        paramTable.get(key).assign(val);
    }

    /** Inference runs DL4J's forward pass; training runs the configuration's, which keeps its intermediate values. */
    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (!training) {
            forwardInput = null;
            return super.activate(false, workspaceMgr);
        }
        assertInputSet(false);
        forwardInput = null;
        INDArray output;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            output = backward().forward(input.detach(), paramTable);
        }
        forwardInput = input;
        return workspaceMgr.dup(ArrayType.ACTIVATIONS, output);
    }

    private Backward backward() {
        if (backward == null) {
            backward = ((SegmentedLayer) layerConf()).backward();
        }
        return backward;
    }

    @Override
    public void clear() {
        super.clear();
        forwardInput = null;
        if (backward != null) {
            backward.release();
        }
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        Gradient gradient = new DefaultGradient();
        INDArray inputGradient;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray x = input.detach();
            if (forwardInput != input) {
                // Not the input of the last training forward pass: compute what the backward pass needs.
                backward().forward(x, paramTable);
            }
            forwardInput = null;
            Map<String, INDArray> paramGradients = new HashMap<>();
            inputGradient = backward.backprop(x, epsilon.detach(), paramTable, paramGradients);
            backward.release();
            for (String name : paramTable.keySet()) {
                INDArray computed = paramGradients.get(name);
                if (computed == null) {
                    throw new IllegalStateException("layer " + getIndex() + ": no gradient for parameter " + name);
                }
                INDArray view = gradTable.get(name);
                view.assign(computed);
                gradient.gradientForVariable().put(name, view);
            }
        }
        return new Pair<>(gradient, workspaceMgr.dup(ArrayType.ACTIVATION_GRAD, inputGradient));
    }
}
