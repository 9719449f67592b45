package io.streamtrain.core.table;

import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import static org.apache.spark.sql.types.DataTypes.createStructField;

/** Schemas of the tables ingest writes. */
public final class IngestTables {

    /** Partition column of landing, quarantine and the audit: which ingest micro-batch wrote the row. */
    public static final String BATCH = "batch";
    /**
     * Landing's first partition column: the UTC date of the record's Kafka timestamp, so that a re-run of a batch puts
     * every record in the same partition as the first attempt did.
     */
    public static final String INGEST_DATE = "ingest_date";

    private static final StructField[] KAFKA = {
            createStructField("topic", DataTypes.StringType, false),
            createStructField("partition", DataTypes.IntegerType, false),
            createStructField("offset", DataTypes.LongType, false),
            createStructField("kafka_timestamp", DataTypes.TimestampType, true),
    };

    /** A landed example with its Kafka coordinates; the features packed as {@link PackedFeatures} describes. */
    public static final StructType LANDING = new StructType(new StructField[]{
            createStructField("id", DataTypes.StringType, false),
            createStructField("ts", DataTypes.LongType, false),
            createStructField("label", DataTypes.IntegerType, false),
            createStructField(PackedFeatures.COLUMN, DataTypes.BinaryType, false),
            KAFKA[0], KAFKA[1], KAFKA[2], KAFKA[3],
            createStructField(INGEST_DATE, DataTypes.StringType, true),
            createStructField(BATCH, DataTypes.StringType, false),
    });

    /** A rejected record: the raw bytes, where they came from, and why. */
    public static final StructType QUARANTINE = new StructType(new StructField[]{
            createStructField("id", DataTypes.StringType, true),
            createStructField("key", DataTypes.StringType, true),
            createStructField("value", DataTypes.BinaryType, true),
            KAFKA[0], KAFKA[1], KAFKA[2], KAFKA[3],
            createStructField("stage", DataTypes.StringType, false),
            createStructField("reason", DataTypes.StringType, false),
            createStructField("message", DataTypes.StringType, false),
            createStructField(BATCH, DataTypes.StringType, false),
    });

    /** Every Kafka record after validation: landing columns, raw key and value, and a reason when rejected. */
    public static final StructType VALIDATED = new StructType(new StructField[]{
            createStructField("id", DataTypes.StringType, true),
            createStructField("ts", DataTypes.LongType, true),
            createStructField("label", DataTypes.IntegerType, true),
            createStructField(PackedFeatures.COLUMN, DataTypes.BinaryType, true),
            KAFKA[0], KAFKA[1], KAFKA[2], KAFKA[3],
            createStructField("key", DataTypes.StringType, true),
            createStructField("value", DataTypes.BinaryType, true),
            createStructField("reason", DataTypes.StringType, true),
            createStructField("message", DataTypes.StringType, true),
            createStructField(BATCH, DataTypes.StringType, false),
    });

    /** Per batch: read = landed + quarantined. */
    public static final StructType AUDIT = new StructType(new StructField[]{
            createStructField("read", DataTypes.LongType, false),
            createStructField("landed", DataTypes.LongType, false),
            createStructField("quarantined", DataTypes.LongType, false),
            createStructField("written_at", DataTypes.TimestampType, false),
            createStructField(BATCH, DataTypes.StringType, false),
    });

    private IngestTables() {
    }
}
