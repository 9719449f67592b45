package io.streamtrain.core;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.mapreduce.RecordWriter;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetOutputFormat;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Timestamp;
import java.util.Map;

/**
 * Writes one Parquet file of a table's declared columns from plain values, without Spark rows: for a writer that
 * runs inside a Spark task and has no Dataset. The file is what Spark itself writes for the same columns (strings as
 * UTF-8 binary, timestamps as INT64 microseconds, a nullable column optional, Spark's schema in the footer), zstd
 * compressed. It goes through {@link ParquetOutputFormat}, which reads the Hadoop configuration's Parquet settings
 * (the zstd level, page and row group sizes) as Spark's writes do.
 *
 * <p>Types: string ({@link String}), long, int, binary ({@code byte[]}) and timestamp ({@link Timestamp}); a null
 * value leaves the field out.
 */
public final class ParquetRowWriter implements AutoCloseable {

    /** The footer key under which Spark keeps a file's Spark schema. */
    private static final String SPARK_SCHEMA_KEY = "org.apache.spark.sql.parquet.row.metadata";

    private final RecordWriter<Void, Object[]> writer;
    private long rows;

    public ParquetRowWriter(Configuration conf, Path file, StructType columns) {
        try {
            writer = new ParquetOutputFormat<>(new ValuesWriteSupport(columns))
                    .getRecordWriter(withoutRawDictionaries(conf, columns), file, CompressionCodecName.ZSTD,
                            ParquetFileWriter.Mode.CREATE);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create " + file, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating " + file, e);
        }
    }

    /** Writes one row: a value per declared column, in order. */
    public void write(Object... values) {
        try {
            writer.write(null, values);
            rows++;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while writing Parquet", e);
        }
    }

    public long rows() {
        return rows;
    }

    @Override
    public void close() {
        try {
            writer.close(null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while closing a Parquet file", e);
        }
    }

    /**
     * {@code conf} with dictionary encoding off for the binary (not string) columns: raw bytes such as packed features
     * or a rejected value rarely repeat, and trying a dictionary on each page costs a hash of every value.
     */
    private static Configuration withoutRawDictionaries(Configuration conf, StructType columns) {
        Configuration out = new Configuration(conf);
        for (StructField f : columns.fields()) {
            if (f.dataType().equals(DataTypes.BinaryType)) {
                out.setIfUnset(ParquetOutputFormat.ENABLE_DICTIONARY + "#" + f.name(), "false");
            }
        }
        return out;
    }

    /** The Parquet schema Spark writes for {@code columns}. */
    static MessageType parquetSchema(StructType columns) {
        Types.MessageTypeBuilder message = Types.buildMessage();
        for (StructField f : columns.fields()) {
            Type.Repetition repetition = f.nullable() ? Type.Repetition.OPTIONAL : Type.Repetition.REQUIRED;
            message.addField(Kind.of(f.dataType()).parquetType(f.name(), repetition));
        }
        return message.named("spark_schema");
    }

    /** Hands each row's values to Parquet's record consumer, field by field, by the column's declared type. */
    private static final class ValuesWriteSupport extends WriteSupport<Object[]> {
        private final StructType columns;
        private final MessageType schema;
        private final String[] names;
        private final Kind[] kinds;
        private RecordConsumer out;

        ValuesWriteSupport(StructType columns) {
            this.columns = columns;
            this.schema = parquetSchema(columns);
            this.names = columns.fieldNames();
            this.kinds = new Kind[names.length];
            for (int i = 0; i < kinds.length; i++) {
                kinds[i] = Kind.of(columns.fields()[i].dataType());
            }
        }

        @Override
        public WriteContext init(Configuration configuration) {
            return new WriteContext(schema, Map.of(SPARK_SCHEMA_KEY, columns.json()));
        }

        @Override
        public void prepareForWrite(RecordConsumer recordConsumer) {
            this.out = recordConsumer;
        }

        @Override
        public void write(Object[] values) {
            out.startMessage();
            for (int i = 0; i < names.length; i++) {
                if (values[i] != null) {
                    out.startField(names[i], i);
                    kinds[i].add(out, values[i]);
                    out.endField(names[i], i);
                }
            }
            out.endMessage();
        }
    }

    /** How a column's values reach Parquet. */
    private enum Kind {
        STRING, BYTES, LONG, INT, TIMESTAMP_MICROS;

        void add(RecordConsumer out, Object value) {
            switch (this) {
                case STRING -> out.addBinary(Binary.fromString((String) value));
                case BYTES -> out.addBinary(Binary.fromConstantByteArray((byte[]) value));
                case LONG -> out.addLong((Long) value);
                case INT -> out.addInteger((Integer) value);
                case TIMESTAMP_MICROS -> {
                    Timestamp t = (Timestamp) value;
                    out.addLong(Math.floorDiv(t.getTime(), 1000L) * 1_000_000L + t.getNanos() / 1000);
                }
            }
        }

        Type parquetType(String name, Type.Repetition repetition) {
            return switch (this) {
                case STRING -> Types.primitive(PrimitiveTypeName.BINARY, repetition)
                        .as(LogicalTypeAnnotation.stringType()).named(name);
                case BYTES -> Types.primitive(PrimitiveTypeName.BINARY, repetition).named(name);
                case LONG -> Types.primitive(PrimitiveTypeName.INT64, repetition).named(name);
                case INT -> Types.primitive(PrimitiveTypeName.INT32, repetition).named(name);
                case TIMESTAMP_MICROS -> Types.primitive(PrimitiveTypeName.INT64, repetition)
                        .as(LogicalTypeAnnotation.timestampType(true, LogicalTypeAnnotation.TimeUnit.MICROS))
                        .named(name);
            };
        }

        static Kind of(DataType type) {
            if (type.equals(DataTypes.StringType)) {
                return STRING;
            }
            if (type.equals(DataTypes.BinaryType)) {
                return BYTES;
            }
            if (type.equals(DataTypes.LongType)) {
                return LONG;
            }
            if (type.equals(DataTypes.IntegerType)) {
                return INT;
            }
            if (type.equals(DataTypes.TimestampType)) {
                return TIMESTAMP_MICROS;
            }
            throw new IllegalArgumentException("ParquetRowWriter does not write " + type.simpleString() + " columns");
        }
    }
}
