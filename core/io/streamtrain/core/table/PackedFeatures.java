package io.streamtrain.core.table;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.udf;

/**
 * How landing stores a feature vector: one binary value of IEEE float32s in byte-stream-split order, the layout of
 * Parquet's own {@code BYTE_STREAM_SPLIT} encoding applied to one record: for a vector of n values, byte k
 * (little-endian, k = 0 the least significant) of value j is at {@code k * n + j}.
 *
 * <p>Why not {@code array<float>}: Parquet writes an array element by element (repetition level, statistics,
 * dictionary check per value), so for 784 pixels the writer's per-value work outweighs parsing the JSON and bounds
 * ingest. One binary value per record is written once and compressed by zstd as a block (figures in
 * docs/benchmarks.md).
 *
 * <p>Why split the bytes: the four bytes of a float change at different rates (sign and exponent rarely, the low
 * mantissa bytes of whole numbers never), so grouping them gives zstd long runs: smaller and faster to compress than
 * plain little-endian floats (docs/benchmarks.md).
 * Preprocess unpacks the column before it stores the curated table's features compact ({@link CompactFeatures}); in
 * {@code streamtrain sql} the function {@code unpack_features(features_f32_split)} gives it as {@code array<float>}.
 */
public final class PackedFeatures {

    /** Landing's feature column. */
    public static final String COLUMN = "features_f32_split";
    /** Name of the SQL function that turns the packed column into {@code array<float>}. */
    public static final String SQL_FUNCTION = "unpack_features";

    private PackedFeatures() {
    }

    public static byte[] pack(float[] values) {
        int n = values.length;
        byte[] out = new byte[n * Float.BYTES];
        for (int j = 0; j < n; j++) {
            int bits = Float.floatToRawIntBits(values[j]);
            out[j] = (byte) bits;
            out[n + j] = (byte) (bits >>> 8);
            out[2 * n + j] = (byte) (bits >>> 16);
            out[3 * n + j] = (byte) (bits >>> 24);
        }
        return out;
    }

    public static float[] unpack(byte[] packed) {
        if (packed.length % Float.BYTES != 0) {
            throw new IllegalArgumentException("A packed feature vector has " + packed.length
                    + " bytes; expected a multiple of 4 (float32 values, byte-stream split)");
        }
        int n = packed.length / Float.BYTES;
        float[] values = new float[n];
        for (int j = 0; j < n; j++) {
            values[j] = Float.intBitsToFloat((packed[j] & 0xff) | (packed[n + j] & 0xff) << 8
                    | (packed[2 * n + j] & 0xff) << 16 | (packed[3 * n + j] & 0xff) << 24);
        }
        return values;
    }

    /** {@code array<float>} of a packed column; null stays null. */
    public static Column unpack(Column packed) {
        return unpackFunction().apply(packed);
    }

    /** Makes {@code unpack_features(binary)} callable from SQL in this session. */
    public static void register(SparkSession spark) {
        spark.udf().register(SQL_FUNCTION, unpackFunction());
    }

    private static UserDefinedFunction unpackFunction() {
        UDF1<byte[], float[]> f = packed -> packed == null ? null : unpack(packed);
        return udf(f, DataTypes.createArrayType(DataTypes.FloatType, false)).withName(SQL_FUNCTION);
    }

    /** Landing rows with the packed features turned into the {@code features} array every later stage reads. */
    public static Dataset<Row> unpacked(Dataset<Row> landing) {
        return landing.withColumn(CuratedTable.FEATURES, unpack(col(COLUMN))).drop(COLUMN);
    }
}
