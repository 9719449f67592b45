package io.streamtrain.ingest;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.apache.spark.sql.functions.udf;

/**
 * How landing stores a feature vector: one binary value of 4-byte little-endian IEEE floats, in vector order.
 *
 * <p>Why not {@code array<float>}: Parquet writes an array element by element (repetition level, statistics,
 * dictionary check per value), which for 784 pixels cost about 170 µs of CPU per record, several times the cost of
 * parsing the JSON, and capped ingest at ~3k records/s on two cores. One binary value per record is written once and
 * compressed by zstd as a block. Preprocess unpacks it into the curated table's {@code array<float>}; in
 * {@code streamtrain sql} the function {@code unpack_features(features_f32le)} does the same.
 */
public final class PackedFeatures {

    /** Landing's feature column. */
    public static final String COLUMN = "features_f32le";
    /** Name of the SQL function that turns the packed column into {@code array<float>}. */
    public static final String SQL_FUNCTION = "unpack_features";

    private PackedFeatures() {
    }

    public static byte[] pack(float[] values) {
        ByteBuffer out = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        out.asFloatBuffer().put(values);
        return out.array();
    }

    public static float[] unpack(byte[] packed) {
        if (packed.length % Float.BYTES != 0) {
            throw new IllegalArgumentException("A packed feature vector has " + packed.length
                    + " bytes; expected a multiple of 4 (little-endian float32 values)");
        }
        float[] values = new float[packed.length / Float.BYTES];
        ByteBuffer.wrap(packed).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
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
}
