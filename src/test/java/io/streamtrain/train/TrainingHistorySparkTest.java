package io.streamtrain.train;

import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.Warehouse;
import io.streamtrain.core.table.Table;
import io.streamtrain.testing.SparkLocalTest;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The training_history table can be read while a run writes it: a reader listing it between two epochs never meets
 * a file that was replaced, and resumed or repeated runs leave each epoch once.
 */
public class TrainingHistorySparkTest extends SparkLocalTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    @Test
    public void aReaderWhileEpochsAreWrittenAlwaysSeesWholeFiles() throws Exception {
        Warehouse warehouse = new Warehouse(tmp.getRoot().toString());
        String table = warehouse.table(Table.TRAINING_HISTORY);
        TrainingHistory history = TrainingHistory.begin(spark(), files(), warehouse, "r1", List.of());
        history.record(epochs(1));
        AtomicBoolean training = new AtomicBoolean(true);
        CompletableFuture<List<Long>> reader = CompletableFuture.supplyAsync(() -> {
            List<Long> seen = new ArrayList<>();
            while (training.get()) {
                seen.add(spark().read().parquet(table).count());
            }
            return seen;
        });
        try {
            for (int n = 2; n <= 30; n++) {
                history.record(epochs(n));
            }
        } finally {
            training.set(false);
        }

        List<Long> seen = reader.get();
        assertThat(seen).isNotEmpty().isSorted();
        assertThat(epochNumbers(table, "r1")).isEqualTo(IntStream.rangeClosed(1, 30).boxed().toList());
    }

    @Test
    public void aResumedRunAppendsAfterItsCheckpointAndAFreshRunStartsOver() {
        Warehouse warehouse = new Warehouse(tmp.getRoot().toString());
        String table = warehouse.table(Table.TRAINING_HISTORY);
        TrainingHistory.begin(spark(), files(), warehouse, "r1", List.of()).record(epochs(6));
        TrainingHistory.begin(spark(), files(), warehouse, "other", List.of()).record(epochs(2));

        // The checkpoint holds 5 epochs: the 6th row, written after a checkpoint that was lost, is trained again.
        TrainingHistory resumed = TrainingHistory.begin(spark(), files(), warehouse, "r1", epochs(5));
        resumed.record(epochs(8));
        assertThat(epochNumbers(table, "r1")).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);

        TrainingHistory.begin(spark(), files(), warehouse, "r1", List.of()).record(epochs(3));
        assertThat(epochNumbers(table, "r1")).containsExactly(1, 2, 3);
        assertThat(epochNumbers(table, "other")).containsExactly(1, 2);
    }

    private HadoopFiles files() {
        return new HadoopFiles(spark().sparkContext().hadoopConfiguration());
    }

    private List<Integer> epochNumbers(String table, String runId) {
        return spark().read().parquet(table).where("run_id = '" + runId + "'").orderBy("epoch")
                .select("epoch").collectAsList().stream().map(r -> r.getInt(0)).toList();
    }

    private static List<EpochStats> epochs(int n) {
        return IntStream.rangeClosed(1, n).mapToObj(e -> new EpochStats(e, 1.0 / e, 0.5, 0.5, 100, 1.0, 100.0))
                .toList();
    }
}
