package io.streamtrain.core.table;

import io.streamtrain.core.metrics.FeatureStats;
import io.streamtrain.core.InOrder;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import scala.collection.Seq;

import java.util.ArrayList;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

/**
 * How the curated table stores a feature vector, unscaled and small, in two plain Parquet columns any engine reads:
 * <ul>
 *   <li>{@code features_u8} ({@code binary}, Parquet {@code BYTE_ARRAY}): when every value is a whole number from 0
 *       to 255 (pixels), byte j is value j as an unsigned byte; 784 bytes for a Fashion-MNIST image instead of 3,136
 *       as floats.</li>
 *   <li>{@code features_f32} ({@code array<float>}, Parquet's LIST of FLOAT): any other vector, as float32.</li>
 * </ul>
 * Exactly one of the two is set in each row. In {@code streamtrain sql}, {@code curated_features(features_u8,
 * features_f32)} gives the vector as {@code array<float>}.
 */
public final class CompactFeatures {

    public static final String U8 = "features_u8";
    public static final String F32 = "features_f32";
    /**
     * The curated Parquet leaf columns that hold examples: what {@code encryption.*} encrypts. Spark writes an array
     * as Parquet's three-level list, so the floats are the leaf {@code features_f32.list.element}.
     */
    public static final List<String> PARQUET_COLUMNS = List.of(U8, F32 + ".list.element",
            "label");
    /** Name of the SQL function that turns the two columns into {@code array<float>}. */
    public static final String SQL_FUNCTION = "curated_features";

    private CompactFeatures() {
    }

    /** The vector as unsigned bytes, or null when a value is not a whole number in 0..255. */
    static byte[] toBytes(float[] x) {
        byte[] out = new byte[x.length];
        for (int i = 0; i < x.length; i++) {
            float v = x[i];
            if (!(v >= 0 && v <= 255) || v != Math.rint(v)) {
                return null;
            }
            out[i] = (byte) (int) v;
        }
        return out;
    }

    static float[] fromBytes(byte[] bytes) {
        float[] x = new float[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            x[i] = bytes[i] & 0xff;
        }
        return x;
    }

    /** The column {@link #withIntensity} adds and {@link #similarTogether} sorts by, then drops. */
    public static final String INTENSITY = "_intensity";

    /** {@code df} with the sum of each row's {@code features} (its total intensity, for an image) in {@link #INTENSITY}. */
    public static Dataset<Row> withIntensity(Dataset<Row> df) {
        return df.withColumn(INTENSITY, expr("aggregate(" + CuratedTable.FEATURES + ", cast(0 as double), (s, x) -> s + x)"));
    }

    /**
     * {@code df} sorted within each partition by {@code partitionColumns} (the table's folders, which the writer needs
     * first), then class and total intensity, without {@link #INTENSITY}: similar images side by side give zstd more
     * to match, and the curated files come out smaller ({@code bench compress}; figures in docs/benchmarks.md).
     * Standard columns, standard values: only the order of rows within a file changes, which nothing reads meaning
     * into (training shuffles by a hash of the id).
     */
    public static Dataset<Row> similarTogether(Dataset<Row> df, String... partitionColumns) {
        List<Column> order = new ArrayList<>();
        for (String c : partitionColumns) {
            order.add(col(c));
        }
        order.add(col("label"));
        order.add(col(INTENSITY));
        return df.sortWithinPartitions(order.toArray(Column[]::new)).drop(INTENSITY);
    }

    /**
     * {@code df} with {@code features} (array of float) replaced by {@link #U8} and {@link #F32}.
     */
    public static Dataset<Row> encode(Dataset<Row> df) {
        UDF1<Seq<Float>, byte[]> f = values -> values == null ? null : toBytes(floats(values));
        UserDefinedFunction bytes = udf(f, DataTypes.BinaryType);
        return df.withColumn(U8, bytes.apply(col(CuratedTable.FEATURES)))
                .withColumn(F32, when(col(U8).isNull(), col(CuratedTable.FEATURES)))
                .drop(CuratedTable.FEATURES);
    }

    private static float[] floats(Seq<Float> values) {
        float[] x = new float[values.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = values.apply(i);
        }
        return x;
    }

    /** The vector of a row that has the two columns at {@code u8} and {@code f32}. */
    public static float[] read(Row row, int u8, int f32) {
        if (!row.isNullAt(u8)) {
            return fromBytes((byte[]) row.get(u8));
        }
        List<Float> values = row.getList(f32);
        float[] x = new float[values.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = values.get(i);
        }
        return x;
    }

    /** {@code array<float>} of the two columns. */
    public static Column decode(Column u8, Column f32) {
        return decodeFunction().apply(u8, f32);
    }

    /** Makes {@code curated_features(features_u8, features_f32)} callable from SQL in this session. */
    public static void register(SparkSession spark) {
        spark.udf().register(SQL_FUNCTION, decodeFunction());
    }

    private static UserDefinedFunction decodeFunction() {
        UDF2<byte[], Seq<Float>, float[]> f = (bytes, values) ->
                bytes != null ? fromBytes(bytes) : values == null ? null : floats(values);
        return udf(f, DataTypes.createArrayType(DataTypes.FloatType, false)).withName(SQL_FUNCTION);
    }

    /**
     * Statistics of the vectors of {@code rows} (with {@link #U8} and {@link #F32}) in one distributed pass; only the
     * per-partition statistics travel to the driver, never a row.
     */
    public static FeatureStats stats(Dataset<Row> rows, int features) {
        return stats(rows, FeatureStats.empty(features));
    }

    /**
     * The same, starting from {@code zero} (an empty {@link FeatureStats}, with a histogram if it keeps one; then
     * {@code rows} need a {@code label} column too).
     */
    public static FeatureStats stats(Dataset<Row> rows, FeatureStats zero) {
        boolean labels = zero.histogram() != null;
        Dataset<Row> columns = labels ? rows.select(col(U8), col(F32), col("label")) : rows.select(col(U8), col(F32));
        // Each task adds its rows to its own copy of zero; the driver merges the copies in partition order.
        return InOrder.fold(zero, columns.javaRDD().mapPartitions(it -> {
            FeatureStats s = zero;
            while (it.hasNext()) {
                Row row = it.next();
                s.add(read(row, 0, 1), labels ? row.getInt(2) : -1);
            }
            return List.of(s).iterator();
        }), FeatureStats::merge);
    }
}
