package io.streamtrain.preprocess;

import io.streamtrain.core.table.CuratedTable;
import io.streamtrain.core.table.Split;
import io.streamtrain.core.RecordSchema;
import io.streamtrain.core.table.IngestTables;
import io.streamtrain.core.table.Reason;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;

import java.util.Arrays;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

/**
 * The pure steps of preprocess, each {@code Dataset<Row> -> Dataset<Row>}. Rows carry a nullable {@code reason}
 * column until {@link #accepted} and {@link #rejected} separate them; nothing is dropped silently.
 */
public final class Curation {

    public static final String STAGE = "preprocess";
    /** Quarantine's {@code batch} value of preprocess run {@code runId}'s rejects is this prefix and the run id. */
    public static final String QUARANTINE_BATCH_PREFIX = STAGE + "-";
    private static final int BUCKETS = 10_000;

    private Curation() {
    }

    /**
     * Marks every landed copy of an id but the first (lowest topic, partition, offset) as a duplicate, and every
     * example that no longer fits the schema (after a schema change) with its reason.
     */
    public static Dataset<Row> check(Dataset<Row> landing, RecordSchema schema) {
        var byId = Window.partitionBy("id").orderBy("topic", "partition", "offset");
        Column firstCopy = concat(lit("id already landed at "), first(col("topic")).over(byId), lit("/"),
                first(col("partition")).over(byId), lit("@"), first(col("offset")).over(byId));
        Column rank = row_number().over(byId);
        return landing
                .withColumn("reason", when(rank.gt(1), lit(Reason.DUPLICATE_ID.name()))
                        .when(size(col("features")).notEqual(schema.featureCount()),
                                lit(Reason.WRONG_VECTOR_LENGTH.name()))
                        .when(col("label").lt(0).or(col("label").geq(schema.classCount())),
                                lit(Reason.UNKNOWN_LABEL.name())))
                .withColumn("message", when(col("reason").equalTo(Reason.DUPLICATE_ID.name()), firstCopy)
                        .when(col("reason").equalTo(Reason.WRONG_VECTOR_LENGTH.name()),
                                concat(lit("features has "), size(col("features")).cast(DataTypes.StringType),
                                        lit(" values, expected " + schema.featureCount())))
                        .when(col("reason").equalTo(Reason.UNKNOWN_LABEL.name()),
                                concat(lit("label "), col("label").cast(DataTypes.StringType),
                                        lit(" is not a class index 0.." + (schema.classCount() - 1)))));
    }

    /**
     * Adds {@code split}: ids matching the pinned pattern go to test; the rest by a salted hash of the id, so an id
     * always lands in the same split, whichever run or partition it arrives in. The hash's buckets go to test, then
     * holdout, then validation, then train: a holdout fraction of 0 leaves every other split as it was.
     */
    public static Dataset<Row> assignSplit(Dataset<Row> df, PreprocessSettings settings) {
        Column bucket = pmod(xxhash64(col("id"), lit(settings.splitSeed())), lit(BUCKETS));
        long testBuckets = Math.round(settings.testFraction() * BUCKETS);
        long holdoutBuckets = Math.round(settings.holdoutFraction() * BUCKETS);
        long validationBuckets = Math.round(settings.validationFraction() * BUCKETS);
        return df.withColumn(CuratedTable.SPLIT,
                when(col("id").rlike(settings.pinnedTest().pattern()), lit(Split.TEST.value()))
                        .when(bucket.lt(testBuckets), lit(Split.TEST.value()))
                        .when(bucket.lt(testBuckets + holdoutBuckets), lit(Split.HOLDOUT.value()))
                        .when(bucket.lt(testBuckets + holdoutBuckets + validationBuckets),
                                lit(Split.VALIDATION.value()))
                        .otherwise(lit(Split.TRAIN.value())));
    }

    /** New rows up to this many have their ids broadcast to find the duplicates (about 64 bytes an id). */
    static final long BROADCAST_NEW_ROWS = 1_000_000;

    /**
     * Marks rows of {@code checked} whose id is already in {@code curated} (columns id, topic, partition, offset; one
     * row per id) as {@link Reason#DUPLICATE_ID}, naming where the curated copy came from. Joins, so no id reaches the
     * driver: the new rows are checked against every id ever curated at the cost of reading one column. First the
     * curated rows whose id is new are found; up to {@link #BROADCAST_NEW_ROWS} new rows, by broadcasting the new ids,
     * so the curated table, which grows with every run, is scanned but never shuffled or sorted, and the duplicates
     * found are broadcast in turn to mark the new rows.
     *
     * @param newRows how many rows {@code checked} holds
     */
    public static Dataset<Row> againstCurated(Dataset<Row> checked, Dataset<Row> curated, long newRows) {
        boolean few = newRows <= BROADCAST_NEW_ROWS;
        Dataset<Row> newIds = checked.select(col("id").as("new_id"));
        Dataset<Row> seen = curated.join(few ? broadcast(newIds) : newIds,
                        curated.col("id").equalTo(newIds.col("new_id")), "left_semi")
                .select(col("id").as("curated_id"), concat(lit("id already curated from "), col("topic"), lit("/"),
                        col("partition"), lit("@"), col("offset")).as("curated_at"));
        Column dup = col("reason").isNull().and(col("curated_at").isNotNull());
        return checked.join(few ? broadcast(seen) : seen, checked.col("id").equalTo(seen.col("curated_id")), "left")
                .withColumn("message", when(dup, col("curated_at")).otherwise(col("message")))
                .withColumn("reason", when(dup, lit(Reason.DUPLICATE_ID.name())).otherwise(col("reason")))
                .drop("curated_id", "curated_at");
    }

    public static Dataset<Row> accepted(Dataset<Row> checked) {
        return checked.where(col("reason").isNull()).drop("reason", "message");
    }

    /** Rejected rows in the quarantine table's shape; the raw value is in landing, so it is left null. */
    public static Dataset<Row> rejected(Dataset<Row> checked, String batch) {
        return checked.where(col("reason").isNotNull())
                .withColumn("key", col("id"))
                .withColumn("value", lit(null).cast(DataTypes.BinaryType))
                .withColumn("stage", lit(STAGE))
                .withColumn(IngestTables.BATCH, lit(batch))
                .select(Arrays.stream(IngestTables.QUARANTINE.fieldNames()).map(c -> col(c))
                        .toArray(Column[]::new));
    }
}
