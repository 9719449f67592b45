package io.streamtrain.evaluate;

import io.streamtrain.model.Predictor;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.apache.spark.sql.types.DataTypes.createStructField;

/** Seeded predictions for the evaluation tests: mostly right, each row in a landing batch. */
final class SeededPredictions {

    /** Their columns: id, label, batch and the class probabilities. */
    static final StructType SCHEMA = new StructType(new StructField[]{
            createStructField("id", DataTypes.StringType, false),
            createStructField("label", DataTypes.IntegerType, false),
            createStructField("batch", DataTypes.StringType, false),
            createStructField(Predictor.PROBABILITIES, DataTypes.createArrayType(DataTypes.DoubleType, false), false),
    });

    private SeededPredictions() {
    }

    /** Rows "id-0" to "id-(n-1)" over {@code classes} classes, row i in batch {@code batches[i % batches.length]}. */
    static List<Row> of(int n, int classes, long seed, String... batches) {
        Random random = new Random(seed);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int label = random.nextInt(classes);
            double[] p = new double[classes];
            double sum = 0;
            for (int k = 0; k < classes; k++) {
                p[k] = random.nextDouble() + (k == label ? 0.8 : 0);
                sum += p[k];
            }
            List<Double> probabilities = new ArrayList<>();
            for (int k = 0; k < classes; k++) {
                probabilities.add(p[k] / sum);
            }
            rows.add(RowFactory.create("id-" + i, label, batches[i % batches.length], probabilities));
        }
        return rows;
    }
}
