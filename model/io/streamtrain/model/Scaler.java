package io.streamtrain.model;

import io.streamtrain.core.table.Table;
import io.streamtrain.core.table.Ledger;
import io.streamtrain.core.table.CuratedTable;
import io.streamtrain.core.Warehouse;
import io.streamtrain.core.UserException;
import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.metrics.FeatureStats;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;
import scala.collection.Seq;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.udf;

/**
 * Per-feature scaling {@code (x - center) / scale}, fitted on the training split only so that no statistic of
 * validation or test data leaks into training. The curated table stores features unscaled; a scaler is applied when
 * minibatches are built, and every model bundle carries the one it was trained with, so a model always sees its
 * inputs scaled exactly as in training, whatever preprocess did since.
 *
 * <p>Preprocess saves each version as {@code curated/_scalers/<version>.json} (the version is the preprocess run's id)
 * with the {@link FeatureStats} it was derived from, so the next increment merges into them.
 *
 * @param version the preprocess run that produced it, or null for one built in code (tests, identity)
 * @param kind    how {@code center} and {@code scale} follow from the statistics
 * @param center  subtracted from each feature
 * @param scale   each centred feature is divided by this (never 0: degenerate features keep 1)
 * @param stats   the training statistics behind it, or null when unknown (a bundle of an older version)
 */
public record Scaler(String version, Kind kind, double[] center, double[] scale, FeatureStats stats)
        implements Serializable {

    /** How features are scaled ({@code preprocess.scaler.kind}). */
    public enum Kind {
        /** {@code (x - mean) / std}: zero mean, unit variance on train. */
        STANDARD,
        /** {@code (x - min) / (max - min)}: train's range mapped onto [0, 1]. */
        MIN_MAX,
        /** Features as they are. */
        NONE
    }

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);

    public Scaler {
        if (center.length != scale.length) {
            throw new IllegalArgumentException("center has " + center.length + " values, scale " + scale.length);
        }
    }

    /** A standard scaler with the given mean and standard deviation and no statistics (tests, hand-built). */
    public Scaler(double[] mean, double[] std) {
        this(null, Kind.STANDARD, mean, std, null);
    }

    /** The scaler that changes nothing, for {@code features} features. */
    public static Scaler identity(int features) {
        double[] ones = new double[features];
        Arrays.fill(ones, 1.0);
        return new Scaler(null, Kind.NONE, new double[features], ones, null);
    }

    /**
     * The scaler of {@code kind} for {@code stats}.
     *
     * @param minScale a standard deviation or range below this (or not finite) is replaced by 1: such a feature is
     *                 only centred, never blown up
     */
    public static Scaler of(Kind kind, FeatureStats stats, double minScale, String version) {
        int n = stats.size();
        double[] center = new double[n];
        double[] scale = new double[n];
        double[] mean = stats.mean();
        double[] min = stats.min();
        double[] max = stats.max();
        for (int i = 0; i < n; i++) {
            double spread = switch (kind) {
                case STANDARD -> stats.std(i);
                case MIN_MAX -> max[i] - min[i];
                case NONE -> 1.0;
            };
            center[i] = switch (kind) {
                case STANDARD -> mean[i];
                case MIN_MAX -> Double.isFinite(min[i]) ? min[i] : 0.0;
                case NONE -> 0.0;
            };
            scale[i] = Double.isFinite(spread) && spread >= minScale ? spread : 1.0;
        }
        return new Scaler(version, kind, center, scale, stats);
    }

    /** {@code x} scaled, as a new array. */
    public float[] apply(float[] x) {
        float[] out = new float[x.length];
        applyInto(x, out, 0);
        return out;
    }

    /** Writes {@code x} scaled into {@code out} from {@code offset}: how minibatches are filled without a copy. */
    public void applyInto(float[] x, float[] out, int offset) {
        if (x.length != center.length) {
            throw new IllegalArgumentException("A vector of " + x.length + " features for a scaler of "
                    + center.length);
        }
        for (int i = 0; i < x.length; i++) {
            out[offset + i] = (float) ((x[i] - center[i]) / scale[i]);
        }
    }

    public int size() {
        return center.length;
    }

    /** The {@code features} column (an array of float) scaled; other columns unchanged. */
    public Dataset<Row> transform(Dataset<Row> df) {
        Scaler self = this;
        UDF1<Seq<Float>, float[]> scaled = values -> {
            float[] x = new float[values.size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = values.apply(i);
            }
            return self.apply(x);
        };
        return df.withColumn("features", udf(scaled, DataTypes.createArrayType(DataTypes.FloatType, false))
                .apply(col("features")));
    }

    /** The on-disk form: the derived center and scale, and the statistics to merge the next increment into. */
    record Stored(String version, String kind, double[] center, double[] scale, Long count, double[] mean,
                  double[] m2, double[] min, double[] max, double[] std, FeatureStats.Histogram histogram) {
    }

    public String toJson() {
        Stored s = stats == null
                ? new Stored(version, kind.name(), center, scale, null, null, null, null, null, null, null)
                : new Stored(version, kind.name(), center, scale, stats.count(), stats.mean(), stats.m2(),
                stats.min(), stats.max(), null, stats.histogram());
        try {
            return JSON.writeValueAsString(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads {@link #toJson}'s form, or the {@code {"mean", "std"}} of bundles written before versioned scalers. */
    public static Scaler fromJson(String json) {
        Stored s;
        try {
            s = JSON.readValue(json, Stored.class);
        } catch (IOException e) {
            throw new UncheckedIOException("Not a scaler: " + e.getMessage(), e);
        }
        if (s.kind() == null && s.mean() != null && s.std() != null) {
            return new Scaler(s.mean(), s.std());
        }
        if (s.kind() == null || s.center() == null || s.scale() == null) {
            throw new IllegalArgumentException("Not a scaler: it has no kind, center or scale");
        }
        FeatureStats stats = s.count() == null ? null : new FeatureStats(s.count(), s.mean(), s.m2(), s.min(),
                s.max(), s.histogram());
        return new Scaler(s.version(), Kind.valueOf(s.kind()), s.center(), s.scale(), stats);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Scaler s && kind == s.kind && Objects.equals(version, s.version)
                && Arrays.equals(center, s.center) && Arrays.equals(scale, s.scale);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(center) + Arrays.hashCode(scale);
    }

    @Override
    public String toString() {
        return "Scaler[" + kind.name().toLowerCase().replace('_', '-') + ", version " + version + ", " + center.length
                + " features]";
    }

    /** Scaler {@code version} as preprocess saved it beside the curated table. */
    public static Scaler load(HadoopFiles files, Warehouse warehouse, String version) {
        String path = CuratedTable.scalerPath(warehouse, version);
        if (!files.exists(path)) {
            throw new UserException("The curated table's ledger names scaler " + version + " but " + path
                    + " is missing: rebuild the curated table with preprocess --full");
        }
        return fromJson(files.readString(path));
    }

    /** The scaler in force for the curated table: the last committed run's version, if any run fitted one. */
    public static Optional<Scaler> current(HadoopFiles files, Warehouse warehouse) {
        return Ledger.load(files, warehouse.table(Table.CURATED)).scalerVersion().map(v -> load(files, warehouse, v));
    }
}
