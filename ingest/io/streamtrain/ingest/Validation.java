package io.streamtrain.ingest;

import io.streamtrain.core.table.IngestTables;
import io.streamtrain.core.table.PackedFeatures;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

import java.sql.Timestamp;
import java.util.Iterator;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.date_format;
import static org.apache.spark.sql.functions.lit;

/**
 * The pure part of ingest: Kafka rows in, validated rows out, then split into landing and quarantine. No I/O, so
 * tests run exactly this on in-memory Kafka-shaped rows.
 */
public final class Validation {

    public static final String STAGE = "ingest";

    private Validation() {
    }

    /**
     * @param kafka rows with the Kafka source's columns key, value, topic, partition, offset, timestamp
     * @param batch the batch label every output row carries
     */
    public static Dataset<Row> validate(Dataset<Row> kafka, IngestRules rules, String batch) {
        Dataset<Row> in = kafka.select(col("key").cast("string"), col("value"), col("topic"), col("partition"),
                col("offset"), col("timestamp"));
        return in.mapPartitions(new ParsePartition(rules, batch), Encoders.row(IngestTables.VALIDATED));
    }

    public static Dataset<Row> landed(Dataset<Row> validated) {
        return validated.where(col("reason").isNull())
                .withColumn(IngestTables.INGEST_DATE, date_format(col("kafka_timestamp"), "yyyy-MM-dd"))
                .select(columns(IngestTables.LANDING.fieldNames()));
    }

    public static Dataset<Row> quarantined(Dataset<Row> validated) {
        return validated.where(col("reason").isNotNull())
                .withColumn("stage", lit(STAGE))
                .select(columns(IngestTables.QUARANTINE.fieldNames()));
    }

    private static Column[] columns(String[] names) {
        Column[] out = new Column[names.length];
        for (int i = 0; i < names.length; i++) {
            out[i] = col(names[i]);
        }
        return out;
    }

    /** Parses one partition with one reusable parser. */
    private static final class ParsePartition implements MapPartitionsFunction<Row, Row> {
        private final IngestRules rules;
        private final String batch;

        ParsePartition(IngestRules rules, String batch) {
            this.rules = rules;
            this.batch = batch;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            RecordParser parser = new RecordParser(rules);
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return rows.hasNext();
                }

                @Override
                public Row next() {
                    Row r = rows.next();
                    String key = r.getString(0);
                    byte[] value = r.isNullAt(1) ? null : (byte[]) r.get(1);
                    ParsedRecord p = parser.parse(key, value);
                    String topic = r.getString(2);
                    int partition = r.getInt(3);
                    long offset = r.getLong(4);
                    Timestamp timestamp = r.isNullAt(5) ? null : r.getTimestamp(5);
                    if (p.isAccepted()) {
                        return RowFactory.create(p.id(), p.ts(), p.labelOrNull(), PackedFeatures.pack(p.features()), topic,
                                partition, offset, timestamp, key, null, null, null, batch);
                    }
                    // The id when it could be read, so a quarantined row can be traced back to its source.
                    return RowFactory.create(p.id(), null, null, null, topic, partition, offset, timestamp, key, value,
                            p.reason().name(), p.message(), batch);
                }
            };
        }
    }
}
