package io.streamtrain.preprocess;

import io.streamtrain.core.EncryptionSettings;
import io.streamtrain.core.table.CompactFeatures;
import io.streamtrain.model.Scaler;
import io.streamtrain.core.table.IngestTables;
import io.streamtrain.core.table.PackedFeatures;
import io.streamtrain.testing.Fixtures;
import io.streamtrain.testing.SparkLocalTest;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.Test;

import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Spark local: duplicates are quarantined not dropped, splits are deterministic, scaling uses train only. */
public class CurationSparkTest extends SparkLocalTest {

    private static Row landed(String id, int label, float[] f, int partition, long offset) {
        return RowFactory.create(id, 1L, label, PackedFeatures.pack(f), "t", partition, offset, new Timestamp(0), "1970-01-01", "b0");
    }

    private Dataset<Row> landing(List<Row> rows) {
        return PackedFeatures.unpacked(spark().createDataFrame(rows, IngestTables.LANDING));
    }

    /** {@code n} rows: the first 200 ids match the pinned test pattern, the rest are split by their hash. */
    private static List<Row> idsToSplit(int n) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(landed((i < 200 ? "test-" : "train-") + i, i % 3, new float[]{0, 0, 0}, i % 2, i));
        }
        return rows;
    }

    private static PreprocessSettings settings(double validation, double test) {
        return new PreprocessSettings(validation, test, Pattern.compile("^test-"), 17, 1e-6);
    }

    @Test
    public void duplicatesAndMisfitsAreQuarantinedWithTheFirstCopyKept() {
        List<Row> rows = List.of(
                landed("a", 0, new float[]{0, 0, 0}, 0, 5),
                landed("a", 1, new float[]{1, 1, 1}, 0, 9),
                landed("a", 1, new float[]{1, 1, 1}, 1, 2),
                landed("b", 2, new float[]{0, 1, 0}, 0, 6),
                landed("c", 7, new float[]{0, 1, 0}, 0, 7),
                landed("d", 0, new float[]{0, 1}, 0, 8));
        Dataset<Row> checked = Curation.check(landing(rows), Fixtures.tinySchema()).cache();
        Dataset<Row> accepted = Curation.accepted(checked);
        Dataset<Row> rejected = Curation.rejected(checked, "preprocess");

        assertThat(accepted.count() + rejected.count()).isEqualTo(rows.size());
        Row keptA = accepted.where("id = 'a'").first();
        assertThat(keptA.<Long>getAs("offset")).isEqualTo(5L);
        Map<String, Long> reasons = rejected.groupBy("reason").count().collectAsList().stream()
                .collect(Collectors.toMap(r -> r.getString(0), r -> r.getLong(1)));
        assertThat(reasons).containsExactlyInAnyOrderEntriesOf(
                Map.of("DUPLICATE_ID", 2L, "UNKNOWN_LABEL", 1L, "WRONG_VECTOR_LENGTH", 1L));
        assertThat(rejected.where("reason = 'DUPLICATE_ID'").first().<String>getAs("message"))
                .isEqualTo("id already landed at t/0@5");
        assertThat(rejected.schema().fieldNames()).isEqualTo(IngestTables.QUARANTINE.fieldNames());
    }

    @Test
    public void idsCuratedBeforeAreDuplicatesWhetherTheNewIdsAreBroadcastOrNot() {
        List<Row> rows = List.of(
                landed("old", 0, new float[]{0, 0, 0}, 0, 11),
                landed("new", 1, new float[]{1, 1, 1}, 0, 12),
                landed("bad", 9, new float[]{1, 1, 1}, 0, 13));
        Dataset<Row> checked = Curation.check(landing(rows), Fixtures.tinySchema());
        Dataset<Row> curated = spark().createDataFrame(List.of(RowFactory.create("old", "t", 3, 7L),
                        RowFactory.create("bad", "t", 3, 8L), RowFactory.create("gone", "t", 3, 9L)),
                new org.apache.spark.sql.types.StructType().add("id", "string").add("topic", "string")
                        .add("partition", "int").add("offset", "long"));
        for (long newRows : new long[]{rows.size(), Curation.BROADCAST_NEW_ROWS + 1}) {
            Map<String, String> reasons = Curation.againstCurated(checked, curated, newRows)
                    .select("id", "reason", "message").collectAsList().stream()
                    .collect(Collectors.toMap(r -> r.getString(0), r -> r.isNullAt(1) ? "" : r.getString(1) + ": "
                            + r.getString(2)));
            // A row already refused keeps its own reason; only a valid row can be a duplicate.
            assertThat(reasons).containsOnlyKeys("old", "new", "bad");
            assertThat(reasons.get("old")).isEqualTo("DUPLICATE_ID: id already curated from t/3@7");
            assertThat(reasons.get("new")).isEmpty();
            assertThat(reasons.get("bad")).startsWith("UNKNOWN_LABEL");
        }
    }

    @Test
    public void splitIsDeterministicByIdAndPinsTheTestSet() {
        List<Row> rows = idsToSplit(2000);
        Dataset<Row> split = Curation.assignSplit(landing(rows), settings(0.2, 0.1)).cache();
        assertThat(split.where("id LIKE 'test-%' AND split != 'test'").count()).isZero();
        long validation = split.where("split = 'validation'").count();
        long hashedTest = split.where("split = 'test' AND id LIKE 'train-%'").count();
        assertThat(validation).isBetween(300L, 420L);
        assertThat(hashedTest).isBetween(130L, 230L);

        // Same id, same split, whatever else is in the batch.
        Dataset<Row> again = Curation.assignSplit(landing(rows.subList(1000, 2000)), settings(0.2, 0.1));
        long disagreements = again.as("x").join(split.as("y"), "id")
                .where(col("x.split").notEqual(col("y.split"))).count();
        assertThat(disagreements).isZero();
    }

    @Test
    public void aHoldoutShareIsDrawnByTheSameHashAndLeavesTheOtherSplitsAsTheyWereWhenZero() {
        List<Row> rows = idsToSplit(4000);
        PreprocessSettings held = new PreprocessSettings(0.2, 0.1, 0.05, Pattern.compile("^test-"), 17, 1e-6,
                Scaler.Kind.STANDARD, false, false, DataGate.OPEN, EncryptionSettings.OFF);
        Dataset<Row> split = Curation.assignSplit(landing(rows), held).cache();
        assertThat(split.where("split = 'holdout'").count()).isBetween(130L, 260L);
        assertThat(split.where("id LIKE 'test-%' AND split != 'test'").count()).isZero();
        // Test keeps its buckets; holdout takes the next ones, then validation: with a share of 0 nothing moves.
        Dataset<Row> without = Curation.assignSplit(landing(rows), settings(0.2, 0.1));
        Dataset<Row> zero = Curation.assignSplit(landing(rows), held.withHoldoutFraction(0));
        assertThat(without.except(zero).count()).isZero();
        assertThat(split.where("split = 'test'").except(without.where("split = 'test'")).count()).isZero();
        assertThat(split.where("split = 'holdout'").join(without.where("split = 'validation'"), "id").count())
                .as("the buckets after test's: validation's first ones without a holdout")
                .isEqualTo(split.where("split = 'holdout'").count());
    }

    @Test
    public void scalerIsFittedOnTrainOnlyAndStandardises() {
        List<Row> rows = List.of(
                landed("train-1", 0, new float[]{0, 2, 5}, 0, 1),
                landed("train-2", 1, new float[]{0, 4, 5}, 0, 2),
                landed("test-1", 2, new float[]{1000, 1000, 1000}, 0, 3));
        Dataset<Row> split = CompactFeatures.encode(Curation.assignSplit(landing(rows), settings(0, 0)));
        Scaler scaler = Scaler.of(Scaler.Kind.STANDARD, CompactFeatures.stats(split.where("split = 'train'"), 3),
                1e-6, "v1");
        assertThat(scaler.center()).containsExactly(0.0, 3.0, 5.0);
        // Sample standard deviation of {2, 4} is sqrt(2); constant features keep scale 1.
        assertThat(scaler.scale()[1]).isCloseTo(Math.sqrt(2), within(1e-9));
        assertThat(scaler.scale()[0]).isEqualTo(1.0);

        assertThat(scaler.apply(new float[]{0, 2, 5})[1]).isCloseTo((float) (-1 / Math.sqrt(2)), within(1e-6f));
        assertThat(Scaler.fromJson(scaler.toJson())).isEqualTo(scaler);
        assertThat(Scaler.fromJson(scaler.toJson()).stats()).isEqualTo(scaler.stats());
    }

    @Test
    public void pixelsAreStoredAsBytesAndOtherValuesAsFloats() {
        List<Row> rows = List.of(
                landed("pixels", 0, new float[]{0, 128, 255}, 0, 1),
                landed("fraction", 1, new float[]{0, 0.5f, 1}, 0, 2),
                landed("too-big", 1, new float[]{0, 256, 1}, 0, 3));
        Dataset<Row> stored = CompactFeatures.encode(landing(rows)).cache();
        assertThat(stored.schema().apply(CompactFeatures.U8).dataType())
                .isEqualTo(org.apache.spark.sql.types.DataTypes.BinaryType);
        Row pixels = stored.where("id = 'pixels'").first();
        assertThat((byte[]) pixels.getAs(CompactFeatures.U8)).containsExactly(0, (byte) 128, (byte) 255);
        assertThat(pixels.isNullAt(pixels.fieldIndex(CompactFeatures.F32))).isTrue();
        for (String id : List.of("fraction", "too-big")) {
            Row r = stored.where(col("id").equalTo(id)).first();
            assertThat(r.isNullAt(r.fieldIndex(CompactFeatures.U8))).as(id).isTrue();
        }
        // Read back, every vector is exactly what landed.
        Map<String, List<Float>> back = stored.select(col("id"),
                        CompactFeatures.decode(col(CompactFeatures.U8), col(CompactFeatures.F32)).as("f"))
                .collectAsList().stream().collect(Collectors.toMap(r -> r.getString(0), r -> r.getList(1)));
        assertThat(back.get("pixels")).containsExactly(0f, 128f, 255f);
        assertThat(back.get("fraction")).containsExactly(0f, 0.5f, 1f);
        assertThat(back.get("too-big")).containsExactly(0f, 256f, 1f);
    }
}
