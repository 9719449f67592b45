package io.streamtrain.preprocess;

import io.streamtrain.core.table.CuratedTable;
import io.streamtrain.core.table.Ledger;
import io.streamtrain.core.table.CompactFeatures;
import io.streamtrain.model.Scaler;
import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.Sizing;
import io.streamtrain.core.table.Table;
import io.streamtrain.core.Warehouse;
import io.streamtrain.testing.Fixtures;
import io.streamtrain.testing.LandingFixtures;
import io.streamtrain.testing.SparkLocalTest;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Spark local: preprocess reads only batches it has not curated, deduplicates against ids curated before, re-runs its
 * latest run without duplicating a row, removes what a failed run left, and {@code --full} gives the same table as
 * the sum of the incremental runs.
 */
public class PreprocessJobSparkTest extends SparkLocalTest {

    private static final Sizing SIZING = new Sizing(128L << 20, 512L << 20);
    private static final PreprocessSettings SETTINGS = new PreprocessSettings(0.2, 0.0, Pattern.compile("^test-"),
            17, 1e-6);

    private Warehouse warehouse() throws Exception {
        Path dir = Files.createTempDirectory("preprocess-it");
        return new Warehouse(dir.resolve("warehouse").toString());
    }

    private PreprocessResult preprocess(Warehouse w, String runId, PreprocessSettings settings) {
        return PreprocessJob.run(spark(), settings, Fixtures.tinyPixelSchema(), w, SIZING, runId);
    }

    private Dataset<Row> curated(Warehouse w) {
        return spark().read().parquet(w.table(Table.CURATED));
    }

    /** Every curated row as "id|label|split|features", the content two tables must share to be the same. */
    private Set<String> content(Warehouse w) {
        return curated(w).select(col("id"), col("label"), col(CuratedTable.SPLIT),
                        CompactFeatures.decode(col(CompactFeatures.U8), col(CompactFeatures.F32)).as("f"))
                .collectAsList().stream()
                .map(r -> r.getString(0) + "|" + r.getInt(1) + "|" + r.getString(2) + "|" + r.getList(3))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static void assertAccounted(PreprocessResult r) {
        assertThat(r.landed()).as("landed = curated + quarantined, run " + r.runId())
                .isEqualTo(r.train() + r.validation() + r.test() + r.quarantined());
    }

    @Test
    public void incrementalRunsReadOnlyNewBatchesAndEqualAFullRebuild() throws Exception {
        Warehouse w = warehouse();
        HadoopFiles files = new HadoopFiles(spark().sparkContext().hadoopConfiguration());
        List<Row> day1 = new ArrayList<>(LandingFixtures.separable("id-", 200, 1, 0, 0, "b0"));
        day1.addAll(LandingFixtures.separable("test-", 40, 2, 0, 1000, "b0"));
        LandingFixtures.land(spark(), w, day1);
        PreprocessResult first = preprocess(w, "r1", SETTINGS);
        assertThat(first.batches()).isEqualTo(1);
        assertThat(first.landed()).isEqualTo(240);
        assertThat(first.test()).isEqualTo(40);
        assertThat(first.quarantined()).isZero();
        assertAccounted(first);

        // Day 2: new ids, one id curated yesterday (a later copy) and one id sent twice today. The Kafka key is the
        // id, so every copy of an id is in the same partition, later copies at higher offsets.
        List<Row> day2 = new ArrayList<>(LandingFixtures.separable("day2-", 100, 3, 30, 2000, "b1"));
        day2.add(LandingFixtures.landed("id-5", 1, new float[]{1, 1, 1}, 1, 5000, "b1"));
        day2.add(LandingFixtures.landed("day2-7", 2, new float[]{2, 2, 2}, 1, 5001, "b1"));
        LandingFixtures.land(spark(), w, day2);
        PreprocessResult second = preprocess(w, "r2", SETTINGS);
        assertThat(second.batches()).as("only the new batch").isEqualTo(1);
        assertThat(second.landed()).as("only the new batch's rows").isEqualTo(102);
        assertThat(second.duplicates()).isEqualTo(2);
        assertThat(second.quarantined()).isEqualTo(2);
        assertThat(spark().read().parquet(w.table(Table.QUARANTINE)).count()).as("as counted").isEqualTo(2);
        assertAccounted(second);
        Dataset<Row> dupes = spark().read().parquet(w.table(Table.QUARANTINE)).where("reason = 'DUPLICATE_ID'");
        assertThat(dupes.where("id = 'id-5'").first().<String>getAs("message"))
                .isEqualTo("id already curated from t/1@5");
        assertThat(curated(w).count()).isEqualTo(240 + 100);
        assertThat(curated(w).select("id").distinct().count()).isEqualTo(240 + 100);
        Scaler afterTwo = Scaler.current(files, w).orElseThrow();
        assertThat(afterTwo.version()).isEqualTo("r2");
        assertThat(afterTwo.stats().count()).as("fitted on train only, both days")
                .isEqualTo(first.train() + second.train());

        // Nothing new: nothing written, the ledger and scaler unchanged.
        PreprocessResult idle = preprocess(w, "r3", SETTINGS);
        assertThat(idle.batches()).isZero();
        assertThat(Ledger.load(files, w.table(Table.CURATED)).runs()).extracting(Ledger.Run::runId)
                .containsExactly("r1", "r2");

        // The latest run re-run rewrites exactly its own output; an earlier one has nothing to do.
        Set<String> before = content(w);
        long quarantinedBefore = spark().read().parquet(w.table(Table.QUARANTINE)).count();
        PreprocessResult again = preprocess(w, "r2", SETTINGS);
        assertThat(again).isEqualTo(second);
        assertThat(again.batches()).isEqualTo(1);
        assertThat(content(w)).isEqualTo(before);
        assertThat(spark().read().parquet(w.table(Table.QUARANTINE)).count()).isEqualTo(quarantinedBefore);
        assertThat(Scaler.current(files, w).orElseThrow()).isEqualTo(afterTwo);
        // An earlier run run again changes nothing and reports what it curated then.
        assertThat(preprocess(w, "r1", SETTINGS)).isEqualTo(first);
        assertThat(content(w)).isEqualTo(before);
        assertThat(Ledger.load(files, w.table(Table.CURATED)).runs()).extracting(Ledger.Run::runId)
                .containsExactly("r1", "r2");

        // --full: one run over all of landing, the same rows, and (up to rounding) the same scaler.
        PreprocessResult full = preprocess(w, "full-1", SETTINGS.withFull(true));
        assertThat(full.landed()).isEqualTo(first.landed() + second.landed());
        assertThat(full.quarantined()).isEqualTo(first.quarantined() + second.quarantined());
        assertAccounted(full);
        assertThat(content(w)).isEqualTo(before);
        assertThat(Ledger.load(files, w.table(Table.CURATED)).runs()).extracting(Ledger.Run::runId)
                .containsExactly("full-1");
        Scaler rebuilt = Scaler.current(files, w).orElseThrow();
        for (int i = 0; i < 3; i++) {
            assertThat(rebuilt.center()[i]).isCloseTo(afterTwo.center()[i], within(1e-9));
            assertThat(rebuilt.scale()[i]).isCloseTo(afterTwo.scale()[i], within(1e-9));
        }
        assertThat(spark().read().parquet(w.table(Table.QUARANTINE)).count()).isEqualTo(quarantinedBefore);
    }

    @Test
    public void rowsOfARunTheLedgerDoesNotListAreRemovedBeforeTheNextRun() throws Exception {
        Warehouse w = warehouse();
        LandingFixtures.land(spark(), w, LandingFixtures.separable("id-", 50, 5, 0, 0, "b0"));
        preprocess(w, "r1", SETTINGS);
        // A run that crashed after writing its rows but before committing its ledger entry: a copy of r1's files.
        Path curated = Path.of(w.table(Table.CURATED));
        Path crashed = curated.resolve("split=train/" + CuratedTable.RUN + "=crashed");
        Files.createDirectories(crashed);
        try (var parts = Files.list(curated.resolve("split=train/" + CuratedTable.RUN + "=r1"))) {
            for (Path p : parts.filter(p -> p.toString().endsWith(".parquet")).toList()) {
                Files.copy(p, crashed.resolve(p.getFileName()));
            }
        }
        LandingFixtures.land(spark(), w, LandingFixtures.separable("new-", 30, 6, 0, 100, "b1"));
        PreprocessResult next = preprocess(w, "r2", SETTINGS);
        assertThat(next.duplicates()).as("r1's ids are not duplicated by the leftovers").isZero();
        assertThat(crashed).doesNotExist();
        assertThat(curated(w).count()).isEqualTo(80);
        assertThat(curated(w).select("id").distinct().count()).isEqualTo(80);
    }

    @Test
    public void aFrozenScalerStaysAndMinMaxIsFittedOnTrain() throws Exception {
        Warehouse w = warehouse();
        HadoopFiles files = new HadoopFiles(spark().sparkContext().hadoopConfiguration());
        PreprocessSettings frozen = new PreprocessSettings(0.2, 0.0, 0.0, Pattern.compile("^test-"), 17, 1e-6,
                Scaler.Kind.MIN_MAX, true, false, DataGate.OPEN, io.streamtrain.core.EncryptionSettings.OFF);
        LandingFixtures.land(spark(), w, LandingFixtures.separable("id-", 80, 7, 0, 0, "b0"));
        preprocess(w, "r1", frozen);
        Scaler first = Scaler.current(files, w).orElseThrow();
        assertThat(first.kind()).isEqualTo(Scaler.Kind.MIN_MAX);
        Row range = curated(w).where("split = 'train'")
                .select(CompactFeatures.decode(col(CompactFeatures.U8), col(CompactFeatures.F32)).as("f"))
                .selectExpr("min(f[0])", "max(f[0])").first();
        assertThat(first.center()[0]).isEqualTo(range.getFloat(0));
        assertThat(first.scale()[0]).isEqualTo(range.getFloat(1) - range.getFloat(0));

        LandingFixtures.land(spark(), w, LandingFixtures.separable("id2-", 80, 8, 100, 500, "b1"));
        PreprocessResult second = preprocess(w, "r2", frozen);
        assertThat(second.scalerVersion()).isEqualTo("r1");
        assertThat(Scaler.current(files, w).orElseThrow()).isEqualTo(first);
    }

    @Test
    public void aRunThatBreaksTheGateCommitsNothingAndWritesItsProfile() throws Exception {
        Warehouse w = warehouse();
        HadoopFiles files = new HadoopFiles(spark().sparkContext().hadoopConfiguration());
        PreprocessSettings gated = SETTINGS.withGate(new DataGate(1, 1, 0.25, 0, 10));
        LandingFixtures.land(spark(), w, LandingFixtures.separable("id-", 200, 9, 0, 0, "b0"));
        // A first run has no reference to measure drift against: it runs without the drift check.
        PreprocessResult first = preprocess(w, "r1", SETTINGS);
        assertThat(Files.readString(Path.of(w.report("r1"), "data.md"))).contains("## Gate\n\nPassed.");

        // Much brighter images: every feature's histogram moves.
        LandingFixtures.land(spark(), w, LandingFixtures.separable("bright-", 100, 10, 120, 500, "b1"));
        assertThatThrownBy(() -> preprocess(w, "r2", gated)).isInstanceOf(io.streamtrain.core.DataGateException.class)
                .hasMessageContaining("drifted from the training reference")
                .hasMessageContaining(DataGate.MAX_FEATURE_PSI);
        assertThat(Ledger.load(files, w.table(Table.CURATED)).runs()).extracting(Ledger.Run::runId)
                .containsExactly("r1");
        assertThat(CuratedTable.read(spark(), w).count()).as("train sees none of r2's rows")
                .isEqualTo(first.train() + first.validation() + first.test());
        assertThat(Files.readString(Path.of(w.report("r2"), "data.md"))).contains("**Failed**");
        Dataset<Row> profile = spark().read().parquet(w.table(Table.DATA_PROFILE)).where("run_id = 'r2'");
        assertThat(profile.where("section = 'rows' AND metric = 'landed'").first().<Double>getAs("value"))
                .isEqualTo(100.0);
        assertThat(profile.where("section = 'drift' AND name = 'f0'").first().<Double>getAs("value"))
                .isGreaterThan(0.25);

        // Accepted once the threshold is raised: the same batches are curated by the re-run.
        PreprocessResult accepted = preprocess(w, "r2", SETTINGS);
        assertThat(accepted.landed()).isEqualTo(100);
        assertThat(curated(w).count()).isEqualTo(300);
    }
}
