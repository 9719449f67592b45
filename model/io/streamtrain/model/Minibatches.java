package io.streamtrain.model;

import io.streamtrain.core.table.CompactFeatures;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.xxhash64;

/**
 * Curated rows to DL4J minibatches, built on the executors: the driver never holds the data. The curated table holds
 * features unscaled; they are scaled here, by the scaler of the model being trained or scored, so that a model always
 * sees its inputs as in training.
 */
public final class Minibatches {

    /** A column of training rows that oversampling repeated: the copy number, part of each row's shuffle key. */
    public static final String COPY = "_copy";

    private Minibatches() {
    }

    /**
     * Shuffles the rows once (seeded), spreads them over {@code partitions}, and packs each partition into
     * {@link DataSet}s of {@code batchSize} examples (the last one of a partition may be smaller).
     *
     * <p>Both the partition and the place in it follow from a hash of the row's id and the seed alone, never from the
     * order of the rows in the files: the same rows make the same minibatches whether preprocess wrote them in one run
     * or in ten, which is what makes training reproducible.
     *
     * @param rows      curated rows: {@code id}, {@link CompactFeatures}' two columns, {@code label} (class index),
     *                  and {@link #COPY} where oversampling repeated rows
     * @param scaler    applied to every vector
     * @param timeSteps 0 for flat feature vectors, else the number of time steps to cut each vector into
     */
    public static JavaRDD<DataSet> of(Dataset<Row> rows, Scaler scaler, int batchSize, int classes, int partitions,
                                      long seed, int timeSteps) {
        Column key = List.of(rows.columns()).contains(COPY)
                ? xxhash64(col("id"), col(COPY), lit(seed)) : xxhash64(col("id"), lit(seed));
        Dataset<Row> shuffled = rows.withColumn("shuffle", key)
                .repartition(partitions, col("shuffle"))
                .sortWithinPartitions("shuffle")
                .select(col(CompactFeatures.U8), col(CompactFeatures.F32), col("label"));
        return shuffled.toJavaRDD().mapPartitions(it -> pack(it, scaler, batchSize, classes, timeSteps));
    }

    /** Lazily packs rows into minibatches: one minibatch of rows is held at a time. */
    static Iterator<DataSet> pack(Iterator<Row> rows, Scaler scaler, int batchSize, int classes, int timeSteps) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public DataSet next() {
                List<Row> buffer = new ArrayList<>(batchSize);
                while (rows.hasNext() && buffer.size() < batchSize) {
                    buffer.add(rows.next());
                }
                if (buffer.isEmpty()) {
                    throw new NoSuchElementException();
                }
                return toDataSet(buffer, scaler, classes, timeSteps);
            }
        };
    }

    /** Rows of (features_u8, features_f32, label) as one scaled minibatch. */
    static DataSet toDataSet(List<Row> rows, Scaler scaler, int classes, int timeSteps) {
        int n = rows.size();
        float[] y = new float[n * classes];
        for (int r = 0; r < n; r++) {
            y[r * classes + rows.get(r).getInt(2)] = 1f;
        }
        return dataSet(scaled(rows, 0, 1, scaler), y, n, classes, timeSteps);
    }

    /**
     * The compact feature vectors of {@code rows} (the columns at {@code u8} and {@code f32}, see
     * {@link CompactFeatures#read}) scaled by {@code scaler}, one after another: a minibatch's features.
     */
    public static float[] scaled(List<Row> rows, int u8, int f32, Scaler scaler) {
        int width = scaler.size();
        float[] x = new float[rows.size() * width];
        for (int r = 0; r < rows.size(); r++) {
            float[] f = CompactFeatures.read(rows.get(r), u8, f32);
            if (f.length != width) {
                throw new IllegalStateException("Curated row has " + f.length + " features, the scaler " + width);
            }
            scaler.applyInto(f, x, r * width);
        }
        return x;
    }

    /**
     * A minibatch of {@code n} examples from row-major features {@code x} ({@code n * width}) and one-hot labels
     * {@code y} ({@code n * classes}), shaped for the model as {@link #shape} describes.
     */
    public static DataSet dataSet(float[] x, float[] y, int n, int classes, int timeSteps) {
        INDArray features = shape(Nd4j.create(x, new long[]{n, x.length / n}, DataType.FLOAT), timeSteps);
        INDArray labels = Nd4j.create(y, new long[]{n, classes}, DataType.FLOAT);
        return new DataSet(features, labels);
    }

    /**
     * Flat {@code [n, features]} as is when {@code timeSteps} is 0; otherwise DL4J's recurrent layout
     * {@code [n, features / timeSteps, timeSteps]}, step t holding the t-th slice of each vector (an image's row t).
     */
    public static INDArray shape(INDArray flat, int timeSteps) {
        if (timeSteps == 0) {
            return flat;
        }
        long n = flat.size(0);
        long size = flat.size(1) / timeSteps;
        return flat.reshape('c', n, timeSteps, size).permute(0, 2, 1).dup('c');
    }
}
