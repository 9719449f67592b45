package io.streamtrain.preprocess;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamtrain.core.UserException;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.stat.Summarizer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Arrays;

import static org.apache.spark.ml.functions.array_to_vector;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.udf;

/**
 * Per-feature standardisation {@code (x - mean) / std}, fitted on the training split only so that no statistic of
 * validation or test data leaks into training. Saved as JSON beside the curated table and inside every model bundle.
 *
 * @param mean per-feature mean
 * @param std  per-feature scale (the standard deviation, floored at {@code min-std})
 */
public record Scaler(double[] mean, double[] std) implements Serializable {

    private static final ObjectMapper JSON = new ObjectMapper();

    public Scaler {
        if (mean.length != std.length) {
            throw new IllegalArgumentException("mean has " + mean.length + " values, std " + std.length);
        }
    }

    /** The scaler that changes nothing: mean 0 and standard deviation 1 for each of {@code features}. */
    public static Scaler identity(int features) {
        double[] ones = new double[features];
        Arrays.fill(ones, 1.0);
        return new Scaler(new double[features], ones);
    }

    /** Fits on {@code features} (array of float) of the given rows in one distributed pass. */
    public static Scaler fit(Dataset<Row> train, double minStd) {
        Row stats = train.select(Summarizer.metrics("mean", "std", "count")
                        .summary(array_to_vector(col("features"))).as("s"))
                .select("s.mean", "s.std", "s.count").first();
        if (stats.isNullAt(0) || stats.getLong(2) == 0) {
            throw new UserException("The training split is empty, so there is nothing to fit the scaler on: land"
                    + " records whose ids fall in the training split (check preprocess.test-fraction and"
                    + " preprocess.validation-fraction)");
        }
        double[] mean = ((Vector) stats.get(0)).toArray();
        double[] std = Arrays.stream(((Vector) stats.get(1)).toArray())
                .map(s -> Double.isFinite(s) && s >= minStd ? s : 1.0)
                .toArray();
        return new Scaler(mean, std);
    }

    public float[] apply(float[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) ((x[i] - mean[i]) / std[i]);
        }
        return out;
    }

    /** The {@code features} column scaled; other columns unchanged. */
    public Dataset<Row> transform(Dataset<Row> df) {
        return df.withColumn("features", asUdf().apply(col("features")));
    }

    private UserDefinedFunction asUdf() {
        Scaler self = this;
        UDF1<scala.collection.Seq<Float>, float[]> f = values -> {
            float[] x = new float[values.size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = values.apply(i);
            }
            return self.apply(x);
        };
        return udf(f, DataTypes.createArrayType(DataTypes.FloatType, false));
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Scaler fromJson(String json) {
        try {
            return JSON.readValue(json, Scaler.class);
        } catch (IOException e) {
            throw new UncheckedIOException("Not a scaler: " + e.getMessage(), e);
        }
    }

    public int size() {
        return mean.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Scaler s && Arrays.equals(mean, s.mean) && Arrays.equals(std, s.std);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return "Scaler[" + mean.length + " features]";
    }

}
