package io.streamtrain.ingest;

import io.streamtrain.core.table.IngestTables;
import io.streamtrain.core.table.PackedFeatures;
import io.streamtrain.testing.Fixtures;
import io.streamtrain.testing.SparkLocalTest;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.Test;

import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Spark local: the ingest transformation on Kafka-shaped rows accounts for every record exactly once. */
public class ValidationSparkTest extends SparkLocalTest {

    private static final StructType KAFKA = new StructType()
            .add("key", DataTypes.BinaryType, true)
            .add("value", DataTypes.BinaryType, true)
            .add("topic", DataTypes.StringType)
            .add("partition", DataTypes.IntegerType)
            .add("offset", DataTypes.LongType)
            .add("timestamp", DataTypes.TimestampType);

    private Dataset<Row> kafkaRows(List<String> values) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            String v = values.get(i);
            rows.add(RowFactory.create(null, v == null ? null : v.getBytes(StandardCharsets.UTF_8), "t", i % 2,
                    (long) i, new Timestamp(1_700_000_000_000L + i)));
        }
        return spark().createDataFrame(rows, KAFKA);
    }

    @Test
    public void everyRecordLandsOrIsQuarantinedOnce() {
        List<String> values = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            values.add("{\"id\":\"ok-" + i + "\",\"ts\":1,\"label\":" + (i % 3) + ",\"features\":[0,0.5,1]}");
        }
        values.add("{not json");
        values.add(null);
        values.add("{\"id\":\"short\",\"ts\":1,\"label\":0,\"features\":[0]}");
        values.add("{\"id\":\"hot\",\"ts\":1,\"label\":0,\"features\":[0,0,9]}");

        Dataset<Row> validated = Validation.validate(kafkaRows(values), Fixtures.tinyRules(), "b1").cache();
        Dataset<Row> landed = Validation.landed(validated);
        Dataset<Row> quarantined = Validation.quarantined(validated);

        io.streamtrain.core.SchemaCheck.require(landed, IngestTables.LANDING, "landed rows");
        assertThat(landed.schema().fieldNames()).isEqualTo(IngestTables.LANDING.fieldNames());
        assertThat(quarantined.schema().fieldNames()).isEqualTo(IngestTables.QUARANTINE.fieldNames());
        assertThat(landed.count()).isEqualTo(40);
        assertThat(quarantined.count()).isEqualTo(4);

        Set<Long> offsets = new HashSet<>();
        for (Row r : validated.select("offset").collectAsList()) {
            assertThat(offsets.add(r.getLong(0))).isTrue();
        }
        assertThat(offsets).hasSize(values.size());

        List<String> reasons = quarantined.orderBy("offset").select("reason").as(
                org.apache.spark.sql.Encoders.STRING()).collectAsList();
        assertThat(reasons).containsExactly("MALFORMED_JSON", "NULL_VALUE", "WRONG_VECTOR_LENGTH", "OUT_OF_RANGE");
        Row hot = quarantined.where("reason = 'OUT_OF_RANGE'").first();
        assertThat(new String((byte[]) hot.getAs("value"), StandardCharsets.UTF_8)).contains("\"hot\"");
        assertThat(hot.<String>getAs("stage")).isEqualTo("ingest");
        assertThat(hot.<Long>getAs("offset")).isEqualTo(43L);
        // Only a pixel was wrong: the row still names the record.
        assertThat(hot.<String>getAs("id")).isEqualTo("hot");
        assertThat(quarantined.where("reason = 'WRONG_VECTOR_LENGTH'").first().<String>getAs("id")).isEqualTo("short");
        assertThat(quarantined.where("reason = 'MALFORMED_JSON'").first().<String>getAs("id")).isNull();

        // The landed vector reads back exactly as sent, through the same SQL function users call.
        PackedFeatures.register(spark());
        landed.createOrReplaceTempView("landed");
        Row ok = spark().sql("SELECT unpack_features(" + PackedFeatures.COLUMN + ") AS f FROM landed WHERE id = 'ok-7'")
                .first();
        assertThat(ok.<Float>getList(0)).containsExactly(0f, 0.5f, 1f);
    }
}
