package io.streamtrain.model;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.array.SingleThreadArrayHolder;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A piece of a layer's computation in which no value feeds two operations, as its own SameDiff graph: its output,
 * and the gradients of {@code sum(output * epsilon)} with respect to its inputs and the parameters it reads.
 *
 * <p>Why pieces: SameDiff 1.0.0-M2 differentiates a graph wrongly as soon as a value that depends on what is
 * differentiated feeds two operations (deeplearning4j issue 9655, reproduced in {@code AttentionGradientTest}). Its
 * backward pass may differentiate the value's producer before both consumers have sent their gradients, and then uses a
 * partial or zero gradient. A residual connection, or one normalised input feeding the query, key and value
 * projections, is exactly that. So a layer with such branches is cut where they fork, each piece differentiated here,
 * and the layer adds up the branches' gradients itself (see {@link ExactGradientLayer}).
 */
final class Segment {

    /** The piece's computation. */
    interface Body {
        SDVariable define(SameDiff sd, Map<String, SDVariable> inputs, Map<String, SDVariable> params);
    }

    private static final String EPSILON = "epsilon";

    private final Body body;
    private final List<String> params;
    private final List<String> inputs;
    private final int outputRank;
    private SameDiff graph;
    private String output;
    private List<String> wrt;

    /**
     * @param body       the computation
     * @param params     names of the layer's parameters it reads
     * @param outputRank rank of its output
     * @param inputs     names of its inputs
     */
    Segment(Body body, List<String> params, int outputRank, String... inputs) {
        this.body = body;
        this.params = List.copyOf(params);
        this.outputRank = outputRank;
        this.inputs = List.of(inputs);
    }

    /** The piece's output for these inputs (by name) and the layer's parameters. */
    INDArray output(Map<String, INDArray> in, Map<String, INDArray> layerParams) {
        prepare(in, layerParams);
        INDArray out = graph.output(new HashMap<>(in), output).get(output);
        release();
        return out;
    }

    /**
     * Gradients of {@code sum(output * epsilon)}: each parameter's is put into {@code paramGradients}, and the
     * inputs' are returned by name.
     */
    Map<String, INDArray> gradients(Map<String, INDArray> in, INDArray epsilon, Map<String, INDArray> layerParams,
                                    Map<String, INDArray> paramGradients) {
        prepare(in, layerParams);
        Map<String, INDArray> placeholders = new HashMap<>(in);
        placeholders.put(EPSILON, epsilon);
        Map<String, INDArray> gradients = graph.calculateGradients(placeholders, wrt);
        release();
        Map<String, INDArray> inputGradients = new LinkedHashMap<>();
        for (String name : params) {
            paramGradients.put(name, gradients.get(name));
        }
        for (String name : inputs) {
            inputGradients.put(name, gradients.get(name));
        }
        return inputGradients;
    }

    /** As DL4J's SameDiff layer does after each pass: the graph keeps no minibatch's inputs or intermediate values. */
    private void release() {
        graph.clearPlaceholders(true);
        graph.clearOpInputs();
    }

    private void prepare(Map<String, INDArray> in, Map<String, INDArray> layerParams) {
        if (graph == null) {
            build(in, layerParams);
        }
        for (String name : params) {
            graph.associateArrayWithVariable(layerParams.get(name), name);
        }
    }

    private void build(Map<String, INDArray> in, Map<String, INDArray> layerParams) {
        SameDiff sd = SameDiff.create();
        // As DL4J's SameDiff layer: arrays held as given, not copied on every association (the parameters are views
        // into the network's flat parameters, so the graph always reads their current values).
        sd.setArrayHolders(new SingleThreadArrayHolder(), new SingleThreadArrayHolder(), false);
        Map<String, SDVariable> inputVars = new LinkedHashMap<>();
        for (String name : inputs) {
            INDArray example = in.get(name);
            long[] shape = example.shape().clone();
            // Any minibatch size.
            shape[0] = -1;
            inputVars.put(name, sd.placeHolder(name, example.dataType(), shape));
        }
        Map<String, SDVariable> paramVars = new LinkedHashMap<>();
        for (String name : params) {
            paramVars.put(name, sd.var(name, layerParams.get(name)));
        }
        SDVariable out = body.define(sd, inputVars, paramVars);
        long[] any = new long[outputRank];
        Arrays.fill(any, -1);
        SDVariable epsilon = sd.placeHolder(EPSILON, out.dataType(), any);
        sd.setLossVariables(out.mul(epsilon).sum());
        sd.createGradFunction(inputs.toArray(String[]::new));
        wrt = new ArrayList<>(params);
        wrt.addAll(inputs);
        output = out.name();
        graph = sd;
    }
}
