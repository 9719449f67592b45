package io.streamtrain.model;

import io.streamtrain.core.metrics.ScoreStats;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.util.TaskCompletionListener;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import scala.collection.JavaConverters;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Applies a network to rows of a {@code features} column on the executors: each row leaves with its other columns,
 * its {@code predicted} class and its class {@code probabilities}, and without its features. The network travels as
 * {@link DistributedScorer}'s byte broadcast (never as an {@code INDArray} Spark could free); it lives until
 * {@link #close()}, so close only after the last action on the predictions (or after persisting them).
 */
public final class Predictor implements AutoCloseable, Serializable {

    private static final long serialVersionUID = 1L;

    public static final String PREDICTED = "predicted";
    public static final String PROBABILITIES = "probabilities";

    private final Broadcast<DistributedScorer.SerializedNetwork> model;
    private final int timeSteps;

    private Predictor(Broadcast<DistributedScorer.SerializedNetwork> model, int timeSteps) {
        this.model = model;
        this.timeSteps = timeSteps;
    }

    /** @param featureCount the length of every feature vector (LSTMs cut it into time steps) */
    public static Predictor of(JavaSparkContext sc, MultiLayerNetwork network, int featureCount) {
        return new Predictor(sc.broadcast(DistributedScorer.SerializedNetwork.of(network)),
                Networks.timeSteps(network, featureCount));
    }

    /** The schema of {@link #predict}'s output for an input of {@code input}'s schema. */
    public static StructType outputSchema(StructType input) {
        List<StructField> fields = new ArrayList<>();
        for (StructField f : input.fields()) {
            if (!f.name().equals("features")) {
                fields.add(f);
            }
        }
        fields.add(DataTypes.createStructField(PREDICTED, DataTypes.IntegerType, false));
        fields.add(DataTypes.createStructField(PROBABILITIES,
                DataTypes.createArrayType(DataTypes.DoubleType, false), false));
        return new StructType(fields.toArray(StructField[]::new));
    }

    /** Rows with a {@code features} array of float, scored in minibatches of {@link DistributedScorer#BATCH_SIZE}. */
    public Dataset<Row> predict(Dataset<Row> rows) {
        StructType out = outputSchema(rows.schema());
        int featuresAt = rows.schema().fieldIndex("features");
        Broadcast<DistributedScorer.SerializedNetwork> m = model;
        int steps = timeSteps;
        return rows.mapPartitions((MapPartitionsFunction<Row, Row>) it -> score(m.value(), steps, featuresAt, it),
                Encoders.row(out));
    }

    /**
     * On an executor: a network of this task's own, for scoring many minibatches of flat feature vectors (close it
     * when the task's rows are done). What a job uses that reads and scores rows in one pass of its own.
     */
    public Network open() {
        return new Network(model.value().network(), timeSteps);
    }

    /** One task's copy of the network. */
    public static final class Network implements AutoCloseable {
        private final MultiLayerNetwork network;
        private final int timeSteps;
        private boolean closed;

        private Network(MultiLayerNetwork network, int timeSteps) {
            this.network = network;
            this.timeSteps = timeSteps;
        }

        /**
         * The class probabilities of {@code rows} feature vectors laid out one after another in {@code x}, with
         * the network in inference mode.
         */
        public double[][] probabilities(float[] x, int rows) {
            long width = x.length / rows;
            INDArray features = Minibatches.shape(Nd4j.create(x, new long[]{rows, width}, DataType.FLOAT),
                    timeSteps);
            return network.output(features, false).castTo(DataType.DOUBLE).toDoubleMatrix();
        }

        /** Frees the parameters; a second call does nothing. */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            Nd4j.getExecutioner().commit();
            DistributedScorer.release(network);
        }
    }

    /** The partition's rows scored a minibatch at a time as they are read: a minibatch in memory, not a partition. */
    private static Iterator<Row> score(DistributedScorer.SerializedNetwork model, int timeSteps, int featuresAt,
                                       Iterator<Row> rows) {
        if (!rows.hasNext()) {
            return Collections.emptyIterator();
        }
        Network network = new Network(model.network(), timeSteps);
        TaskContext task = TaskContext.get();
        if (task != null) {
            // Also when the task ends before its rows do: a failure, or an action that stops reading early.
            task.addTaskCompletionListener((TaskCompletionListener) context -> network.close());
        }
        return new Iterator<>() {
            private Iterator<Row> scored = Collections.emptyIterator();

            @Override
            public boolean hasNext() {
                if (scored.hasNext()) {
                    return true;
                }
                if (!rows.hasNext()) {
                    network.close();
                    return false;
                }
                List<Row> batch = new ArrayList<>(DistributedScorer.BATCH_SIZE);
                while (rows.hasNext() && batch.size() < DistributedScorer.BATCH_SIZE) {
                    batch.add(rows.next());
                }
                scored = scoreBatch(network, featuresAt, batch).iterator();
                return true;
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return scored.next();
            }
        };
    }

    /** The rows of {@code batch} without their features, each with its predicted class and probabilities. */
    private static List<Row> scoreBatch(Network network, int featuresAt, List<Row> batch) {
        int n = batch.size();
        int width = batch.get(0).getList(featuresAt).size();
        float[] x = new float[n * width];
        for (int r = 0; r < n; r++) {
            List<Float> f = batch.get(r).getList(featuresAt);
            if (f.size() != width) {
                throw new IllegalStateException("a row has " + f.size() + " features, expected " + width);
            }
            for (int c = 0; c < width; c++) {
                x[r * width + c] = f.get(c);
            }
        }
        double[][] probabilities = network.probabilities(x, n);
        List<Row> out = new ArrayList<>(n);
        for (int r = 0; r < n; r++) {
            Row row = batch.get(r);
            Object[] values = new Object[row.size() + 1];
            int i = 0;
            for (int c = 0; c < row.size(); c++) {
                if (c != featuresAt) {
                    values[i++] = row.get(c);
                }
            }
            double[] p = probabilities[r];
            values[i++] = ScoreStats.argmax(p);
            values[i] = column(p);
            out.add(RowFactory.create(values));
        }
        return out;
    }

    /** A row's class probabilities as the value of the {@link #PROBABILITIES} column of a row made in Java. */
    public static Object column(double[] probabilities) {
        // Spark's row encoder takes a Scala Seq for an array column, not a Java List.
        return JavaConverters.asScalaBuffer(Arrays.stream(probabilities).boxed().toList()).toSeq();
    }

    @Override
    public void close() {
        model.destroy();
    }
}
