package io.streamtrain.core;

import io.streamtrain.testing.SparkLocalTest;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import static org.apache.spark.sql.types.DataTypes.createStructField;
import static org.assertj.core.api.Assertions.assertThat;

/** A file ParquetRowWriter writes is the file Spark writes for the same columns, and Spark reads back every value. */
public class ParquetRowWriterSparkTest extends SparkLocalTest {

    private static final StructType COLUMNS = new StructType(new StructField[]{
            createStructField("id", DataTypes.StringType, false),
            createStructField("ts", DataTypes.LongType, false),
            createStructField("label", DataTypes.IntegerType, true),
            createStructField("bytes", DataTypes.BinaryType, false),
            createStructField("at", DataTypes.TimestampType, true),
    });

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    @Test
    public void sparkReadsEveryValueAndFindsItsOwnSchema() throws IOException {
        List<Row> three = List.of(
                RowFactory.create("a", 1L, 7, new byte[]{1, 2, 3}, Timestamp.valueOf("2026-11-30 23:59:59.123456")),
                RowFactory.create("b\u00e9", -5L, null, new byte[0], null),
                RowFactory.create("c", Long.MAX_VALUE, Integer.MIN_VALUE, new byte[]{-1}, new Timestamp(-1L)));
        // Repeated, so that a dictionary pays off wherever one is allowed.
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            rows.addAll(three);
        }
        File ours = new File(tmp.getRoot(), "ours/part-0.parquet");
        try (ParquetRowWriter writer = new ParquetRowWriter(new Configuration(), new Path(ours.toURI()), COLUMNS)) {
            rows.forEach(r -> writer.write(values(r)));
            assertThat(writer.rows()).isEqualTo(rows.size());
        }
        String theirs = new File(tmp.getRoot(), "theirs").toURI().toString();
        // As conf/application.conf sets it for every stage: the standard INT64 microseconds, not INT96.
        spark().conf().set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS");
        spark().createDataFrame(rows, COLUMNS).coalesce(1).write().option("compression", "zstd").parquet(theirs);

        List<Row> back = spark().read().schema(COLUMNS).parquet(ours.getParent()).collectAsList();
        assertThat(back).hasSize(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            assertThat(render(back.get(i))).isEqualTo(render(rows.get(i)));
        }
        ParquetMetadata ourFooter = footer(new Path(ours.toURI()));
        ParquetMetadata theirFooter = footer(onlyParquetFile(theirs));
        assertThat(ourFooter.getFileMetaData().getSchema()).isEqualTo(theirFooter.getFileMetaData().getSchema());
        assertThat(ourFooter.getFileMetaData().getKeyValueMetaData().get("org.apache.spark.sql.parquet.row.metadata"))
                .isEqualTo(COLUMNS.json());
        for (ColumnChunkMetaData column : ourFooter.getBlocks().get(0).getColumns()) {
            assertThat(column.getCodec().name()).isEqualTo("ZSTD");
            boolean dictionary = column.getEncodings().contains(Encoding.PLAIN_DICTIONARY)
                    || column.getEncodings().contains(Encoding.RLE_DICTIONARY);
            // Raw bytes go without a dictionary; strings keep theirs.
            assertThat(dictionary).as(column.getPath().toDotString())
                    .isEqualTo(!column.getPath().toDotString().equals("bytes"));
        }
    }

    private static Object[] values(Row r) {
        Object[] out = new Object[r.length()];
        for (int i = 0; i < out.length; i++) {
            out[i] = r.get(i);
        }
        return out;
    }

    /** A row as text, byte arrays by content. */
    private static String render(Row r) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < r.length(); i++) {
            Object v = r.get(i);
            out.add(v instanceof byte[] b ? Arrays.toString(b) : Objects.toString(v));
        }
        return out.toString();
    }

    private static ParquetMetadata footer(Path file) throws IOException {
        try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(file, new Configuration()))) {
            return reader.getFooter();
        }
    }

    private static Path onlyParquetFile(String dir) {
        File[] files = new File(URI.create(dir)).listFiles((d, name) -> name.endsWith(".parquet"));
        assertThat(files).hasSize(1);
        return new Path(files[0].toURI());
    }
}
