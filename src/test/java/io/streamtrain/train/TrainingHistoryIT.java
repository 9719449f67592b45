package io.streamtrain.train;

import io.streamtrain.core.table.Table;
import io.streamtrain.core.Warehouse;
import io.streamtrain.jobs.StreamTrain;
import io.streamtrain.testing.Fixtures;
import io.streamtrain.testing.LocalRuns;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A running training shows in the training_history table: train runs as the packaged launcher in a process of its
 * own, and while it is still training the table already holds the epochs it finished.
 */
class TrainingHistoryIT {

    private static final Path ROOT = Fixtures.projectRoot();

    @TempDir
    Path tmp;

    @Test
    void everyFinishedEpochIsInTheTableWhileTrainingRuns() throws Exception {
        Path warehouse = tmp.resolve("warehouse");
        assertThat(StreamTrain.execute(LocalRuns.command(warehouse, "history-it", "pipeline", "--stages",
                "produce,ingest,preprocess", "--input", Fixtures.fashionSlice().toString(), "--format", "idx")))
                .isZero();

        List<String> command = new ArrayList<>(List.of("bash", ROOT.resolve("jobs/bin/streamtrain").toString()));
        command.addAll(List.of(LocalRuns.command(warehouse, "history-it", "train", "--run-id", "running",
                "--set", "train.epochs=200", "--set", "train.early-stopping-patience=0")));
        ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("train.log").toFile());
        pb.environment().put("STREAMTRAIN_JAVA_OPTS", "-Xmx2g");
        Process train = pb.start();
        Path history = Path.of(new Warehouse(warehouse.toString()).table(Table.TRAINING_HISTORY), "run_id=running");
        try {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
            long epochs = 0;
            while (epochs < 2 && System.nanoTime() < deadline && train.isAlive()) {
                Thread.sleep(2000);
                epochs = Files.exists(history) ? rows(history) : 0;
            }
            assertThat(epochs).as(Files.readString(tmp.resolve("train.log"))).isGreaterThanOrEqualTo(2);
            assertThat(train.isAlive()).as("still training, 198 epochs to go").isTrue();
        } finally {
            train.destroyForcibly().waitFor();
        }
    }

    /** Rows of the run's history partition, read as any reader would, while the run appends to it. */
    private static long rows(Path partition) {
        SparkSession spark = LocalRuns.session();
        try {
            return spark.read().parquet(partition.toString()).count();
        } finally {
            spark.stop();
        }
    }
}
