package io.streamtrain.model;

import io.streamtrain.core.metrics.Confusion;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.datasets.iterator.IteratorDataSetIterator;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.List;

/**
 * The mean loss and the classification {@link Evaluation} of a network over an RDD of minibatches, computed on the
 * executors: what dl4j-spark's {@code SparkDl4jMultiLayer.calculateScore(data, true)} and {@code evaluate(data)}
 * compute, with the same minibatching, but with a broadcast Spark can never free.
 *
 * <p>Why not dl4j-spark's: {@code calculateScore} broadcasts the network's parameter {@code INDArray} itself. Spark
 * 3.5's MemoryStore closes every {@code AutoCloseable} value of a block it removes ({@code freeMemoryEntry}), both when
 * it evicts the broadcast block to make room for a cached partition and when the ContextCleaner removes the broadcast.
 * Closing an {@code INDArray} frees its off-heap buffer, while the same object stays in Spark's broadcast value cache;
 * the next task copies the parameters from a null address and the JVM dies with SIGSEGV (issue 17). Here the model
 * travels as its configuration JSON and its parameters serialised to bytes, which Spark has nothing to close, and every
 * task rebuilds its own network from them and frees its parameters when done.
 */
public final class DistributedScorer {

    /** Examples per forward pass: dl4j-spark's {@code DEFAULT_EVAL_SCORE_BATCH_SIZE}, so results match its own. */
    public static final int BATCH_SIZE = 64;

    private DistributedScorer() {
    }

    /**
     * The loss per example over {@code data}, averaged over examples, with the network in inference mode (dropout off)
     * and its regularisation terms included: {@code SparkDl4jMultiLayer.calculateScore(data, true)}.
     */
    public static double meanLoss(JavaSparkContext sc, MultiLayerNetwork network, JavaRDD<DataSet> data) {
        Broadcast<SerializedNetwork> model = sc.broadcast(SerializedNetwork.of(network));
        try {
            List<double[]> parts = data.mapPartitions((Iterator<DataSet> p) -> List.of(lossSum(model.value(), p))
                    .iterator()).collect();
            double sum = 0;
            double examples = 0;
            for (double[] part : parts) {
                examples += part[0];
                sum += part[1];
            }
            return sum / examples;
        } finally {
            model.destroy();
        }
    }

    /**
     * Accuracy, precision, recall and the confusion matrix of {@code network} on {@code data}, merged over the
     * partitions: {@code SparkDl4jMultiLayer.evaluate(data)}.
     */
    public static Evaluation evaluate(JavaSparkContext sc, MultiLayerNetwork network, JavaRDD<DataSet> data) {
        Broadcast<SerializedNetwork> model = sc.broadcast(SerializedNetwork.of(network));
        try {
            List<Evaluation> parts = data.mapPartitions((Iterator<DataSet> p) -> List.of(evaluation(model.value(), p))
                    .iterator()).collect();
            Evaluation merged = new Evaluation();
            for (Evaluation part : parts) {
                merged.merge(part);
            }
            return merged;
        } finally {
            model.destroy();
        }
    }

    /**
     * The confusion matrix of a DL4J evaluation over {@code classes} classes (named by index), for the shared metric
     * definitions of {@link io.streamtrain.core.metrics.ConfusionMetrics}; all zero when it saw no example.
     */
    public static Confusion confusion(Evaluation evaluation, int classes) {
        long[][] counts = new long[classes][classes];
        if (evaluation.getConfusion() != null) {
            for (int a = 0; a < classes; a++) {
                for (int p = 0; p < classes; p++) {
                    counts[a][p] = evaluation.getConfusion().getCount(a, p);
                }
            }
        }
        return Confusion.ofCounts(counts);
    }

    /** {examples, sum over minibatches of mean loss x examples} of one partition. */
    private static double[] lossSum(SerializedNetwork model, Iterator<DataSet> partition) {
        double examples = 0;
        double sum = 0;
        if (!partition.hasNext()) {
            return new double[]{0, 0};
        }
        MultiLayerNetwork network = model.network();
        try {
            IteratorDataSetIterator batches = new IteratorDataSetIterator(partition, BATCH_SIZE);
            while (batches.hasNext()) {
                DataSet batch = batches.next();
                long n = batch.getFeatures().size(0);
                sum += network.score(batch, false) * n;
                examples += n;
            }
            Nd4j.getExecutioner().commit();
        } finally {
            release(network);
        }
        return new double[]{examples, sum};
    }

    private static Evaluation evaluation(SerializedNetwork model, Iterator<DataSet> partition) {
        Evaluation evaluation = new Evaluation();
        if (!partition.hasNext()) {
            return evaluation;
        }
        MultiLayerNetwork network = model.network();
        try {
            network.doEvaluation(new IteratorDataSetIterator(partition, BATCH_SIZE), evaluation);
            Nd4j.getExecutioner().commit();
        } finally {
            release(network);
        }
        return evaluation;
    }

    /**
     * Frees the parameters of a task's network now rather than when the garbage collector gets to them. Not
     * {@code MultiLayerNetwork.close()}: that also destroys every ND4J workspace of the calling thread and runs
     * {@code System.gc()}, and a Spark task thread may hold gradient sharing's workspaces (its training failed with
     * "Workspace is full" after an evaluation that closed its network).
     */
    static void release(MultiLayerNetwork network) {
        INDArray params = network.params();
        if (params != null && params.closeable()) {
            params.close();
        }
    }

    /**
     * A network as its configuration and its parameters in ND4J's binary format: plain Java values, so a broadcast of
     * it holds nothing {@code AutoCloseable}, and a copy, so later training does not change what tasks score.
     */
    static final class SerializedNetwork implements Serializable {
        private static final long serialVersionUID = 1L;

        private final String configuration;
        private final byte[] parameters;

        private SerializedNetwork(String configuration, byte[] parameters) {
            this.configuration = configuration;
            this.parameters = parameters;
        }

        static SerializedNetwork of(MultiLayerNetwork network) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                Nd4j.write(network.params(), out);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new SerializedNetwork(network.getLayerWiseConfigurations().toJson(), bytes.toByteArray());
        }

        /** A new network of this task's own, holding these parameters; the caller frees them. */
        MultiLayerNetwork network() {
            INDArray params;
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(parameters))) {
                params = Nd4j.read(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            MultiLayerNetwork network = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(configuration));
            // Not cloned: the network owns the array just read, which release() frees.
            network.init(params, false);
            return network;
        }
    }
}
