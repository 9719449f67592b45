package io.streamtrain.preprocess;

import io.streamtrain.core.DataGateException;
import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.Sizing;
import io.streamtrain.core.UserException;
import io.streamtrain.core.Warehouse;
import io.streamtrain.core.table.CuratedTable;
import io.streamtrain.core.table.Ledger;
import io.streamtrain.core.table.Table;
import io.streamtrain.testing.Fixtures;
import io.streamtrain.testing.LandingFixtures;
import io.streamtrain.testing.SparkLocalTest;
import org.apache.spark.sql.Row;
import org.junit.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The data gate means the same in every order: a re-run takes exactly the batches its run took, a refused batch is
 * set aside (later runs go on without it) until a user accepts or drops it on purpose, and with drift checks on a
 * first run is checked against a reference the user names or waits. The files of the curated table, which outside
 * readers see without the ledger, never hold a refused row.
 */
public class GateOrderSparkTest extends SparkLocalTest {

    /** Rows a batch: enough that two batches of one distribution stay well under the PSI threshold. */
    private static final int ROWS = 400;
    private static final Sizing SIZING = new Sizing(128L << 20, 512L << 20);
    private static final PreprocessSettings OPEN = new PreprocessSettings(0.2, 0.0, Pattern.compile("^test-"), 17,
            1e-6);
    private static final PreprocessSettings GATED = OPEN.withGate(new DataGate(1, 1, 0.25, 0, 10));

    private Warehouse warehouse() throws Exception {
        return new Warehouse(Files.createTempDirectory("gate-order").resolve("warehouse").toString());
    }

    private PreprocessResult preprocess(Warehouse w, String runId, PreprocessSettings settings) {
        return PreprocessJob.run(spark(), settings, Fixtures.tinyPixelSchema(), w, SIZING, runId);
    }

    private PreprocessResult decide(Warehouse w, String runId, BatchDecision decision) {
        return PreprocessJob.decide(spark(), GATED, Fixtures.tinyPixelSchema(), w, SIZING, runId, decision);
    }

    private Ledger ledger(Warehouse w) {
        return Ledger.load(new HadoopFiles(spark().sparkContext().hadoopConfiguration()), w.table(Table.CURATED));
    }

    /** Rows of {@code batch} in the curated table's files, as DuckDB or a plain Spark read sees them. */
    private long filesHold(Warehouse w, String batch) {
        return spark().read().parquet(w.table(Table.CURATED)).where("batch = '" + batch + "'").count();
    }

    /** {@link #ROWS} rows of one distribution, shifted to brighter pixels by {@code shift}. */
    private void land(Warehouse w, String batch, String prefix, int shift) {
        LandingFixtures.land(spark(), w, LandingFixtures.separable(prefix, ROWS, 1, shift, 0, batch));
    }

    @Test
    public void reRunsTakeTheirOwnBatchesAndARefusedBatchWaitsForADecision() throws Exception {
        Warehouse w = warehouse();
        land(w, "b0", "a-", 0);
        preprocess(w, "day1", OPEN);
        land(w, "b1", "b-", 0);
        assertThat(preprocess(w, "day2", GATED).batches()).isEqualTo(1);
        // Much brighter images: every feature's histogram moves.
        land(w, "b2", "c-", 120);
        assertThatThrownBy(() -> preprocess(w, "day3", GATED)).isInstanceOf(DataGateException.class)
                .hasMessageContaining("drifted").hasMessageContaining("b2")
                .hasMessageContaining("--accept-batch");
        assertThat(filesHold(w, "b2")).isZero();

        // Clearing day 2 in the scheduler: it takes b1 again, and only b1.
        PreprocessResult again = preprocess(w, "day2", GATED);
        assertThat(again.batches()).isEqualTo(1);
        assertThat(again.landed()).isEqualTo(ROWS);
        assertThat(ledger(w).runs()).extracting(Ledger.Run::runId).containsExactly("day1", "day2");
        assertThat(ledger(w).runs().get(1).batches()).containsExactly("b1");
        assertThat(filesHold(w, "b2")).isZero();

        // One bad hour does not stall the next days: b3 is curated, b2 waits.
        land(w, "b3", "d-", 0);
        PreprocessResult day4 = preprocess(w, "day4", GATED);
        assertThat(day4.batches()).isEqualTo(1);
        assertThat(day4.waiting()).containsExactly("b2");
        assertThat(filesHold(w, "b2")).isZero();
        assertThat(filesHold(w, "b3")).isEqualTo(ROWS);

        // A re-run of an earlier day after later ones: nothing to do, nothing changes; it reports what day 2 curated.
        long rows = CuratedTable.read(spark(), w).count();
        PreprocessResult cleared = preprocess(w, "day2", GATED);
        assertThat(cleared).usingRecursiveComparison().ignoringFields("waiting").isEqualTo(again);
        assertThat(cleared.waiting()).containsExactly("b2");
        assertThat(CuratedTable.read(spark(), w).count()).isEqualTo(rows);
        assertThat(ledger(w).runs()).extracting(Ledger.Run::runId).containsExactly("day1", "day2", "day4");

        // Accepted on purpose: curated by the accepting run, past the gate, with who, when and why on record.
        PreprocessResult accepted = decide(w, "accept-b2",
                new BatchDecision(BatchDecision.Kind.ACCEPT, List.of("b2"), "new camera, brighter on purpose"));
        assertThat(accepted.batches()).isEqualTo(1);
        assertThat(filesHold(w, "b2")).isEqualTo(ROWS);
        assertThat(ledger(w).held()).isEmpty();
        Row decision = spark().read().parquet(w.table(Table.BATCH_DECISIONS)).where("batch = 'b2'").first();
        assertThat(decision.<String>getAs("decision")).isEqualTo("accept");
        assertThat(decision.<String>getAs("decided_by")).isEqualTo(System.getProperty("user.name"));
        assertThat(decision.<String>getAs("reason")).isEqualTo("new camera, brighter on purpose");
        assertThat((Object) decision.getAs("decided_at")).isNotNull();

        // The scheduler retries the accepting command: it was carried out, so nothing changes.
        assertThat(decide(w, "accept-b2", new BatchDecision(BatchDecision.Kind.ACCEPT, List.of("b2"),
                "new camera, brighter on purpose")).batches()).isZero();
        assertThat(filesHold(w, "b2")).isEqualTo(ROWS);
    }

    @Test
    public void aDroppedBatchIsNeverCurated() throws Exception {
        Warehouse w = warehouse();
        land(w, "b0", "a-", 0);
        preprocess(w, "day1", OPEN);
        land(w, "b1", "bright-", 120);
        assertThatThrownBy(() -> preprocess(w, "day2", GATED)).isInstanceOf(DataGateException.class);
        assertThatThrownBy(() -> decide(w, "drop-b9",
                new BatchDecision(BatchDecision.Kind.DROP, List.of("b9"), "typo")))
                .isInstanceOf(UserException.class).hasMessageContaining("b9").hasMessageContaining("b1");

        decide(w, "drop-b1", new BatchDecision(BatchDecision.Kind.DROP, List.of("b1"), "sensor fault"));
        decide(w, "drop-b1", new BatchDecision(BatchDecision.Kind.DROP, List.of("b1"), "sensor fault"));
        land(w, "b2", "c-", 0);
        PreprocessResult day3 = preprocess(w, "day3", GATED);
        assertThat(day3.batches()).isEqualTo(1);
        assertThat(day3.waiting()).isEmpty();
        assertThat(filesHold(w, "b1")).isZero();
        assertThat(ledger(w).dropped()).containsExactly("b1");
        assertThat(spark().read().parquet(w.table(Table.BATCH_DECISIONS)).where("decision = 'drop'").count())
                .isEqualTo(1);
    }

    @Test
    public void withDriftChecksAFirstRunIsCheckedAgainstANamedReferenceOrWaits() throws Exception {
        Warehouse trusted = warehouse();
        land(trusted, "t0", "t-", 0);
        preprocess(trusted, "trusted", OPEN);
        Path reference = Path.of(CuratedTable.scalerPath(trusted, "trusted"));

        Warehouse w = warehouse();
        land(w, "b0", "a-", 0);
        assertThatThrownBy(() -> preprocess(w, "day1", GATED)).isInstanceOf(DataGateException.class)
                .hasMessageContaining("no reference").hasMessageContaining(DataGate.REFERENCE);
        assertThat(ledger(w).held()).extracting(Ledger.Held::batch).containsExactly("b0");

        DataGate withReference = new DataGate(1, 1, 0.25, 0, 10, reference.toString());
        PreprocessResult day1 = preprocess(w, "day1", OPEN.withGate(withReference));
        assertThat(day1.batches()).isEqualTo(1);
        assertThat(filesHold(w, "b0")).isEqualTo(ROWS);

        land(w, "b1", "bright-", 120);
        assertThatThrownBy(() -> preprocess(w, "day2", OPEN.withGate(withReference)))
                .isInstanceOf(DataGateException.class).hasMessageContaining("drifted");
    }
}
