package io.streamtrain.jobs;

import io.streamtrain.core.table.Table;
import io.streamtrain.core.Warehouse;
import io.streamtrain.testing.Fixtures;
import io.streamtrain.testing.LocalRuns;
import io.streamtrain.testing.WarehouseSnapshot;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A retried scheduled task must not change what its first attempt left: every stage, run a second time with the same
 * run id, leaves the same tables (row for row, no duplicates) and the same files; what may differ is named in
 * {@link WarehouseSnapshot}.
 */
class ReRunIT {

    /** Images in the Fashion-MNIST slice. */
    private static final long FIXTURE_RECORDS = 4_000;

    @TempDir
    Path tmp;

    @Test
    void everyStageRunTwiceWithTheSameRunIdLeavesTheSameTablesAndFiles() {
        Path warehouse = tmp.resolve("warehouse");
        String slice = Fixtures.fashionSlice().toString();
        List<String[]> stages = List.of(
                new String[]{"produce", "--run-id", "p1", "--input", slice, "--format", "idx"},
                new String[]{"ingest", "--mode", "range", "--run-id", "d1"},
                new String[]{"preprocess", "--run-id", "d1"},
                new String[]{"train", "--run-id", "m1", "--set", "train.epochs=2"},
                new String[]{"evaluate", "--run-id", "m1", "--model", "m1", "--gate"},
                new String[]{"score", "--run-id", "s1", "--model", "m1", "--input", "landing"});
        for (String[] stage : stages) {
            if (stage[0].equals("ingest")) {
                // Another input under produce's run id is refused before anything is sent.
                String other = tmp.resolve("other.jsonl").toString();
                writeOneRecord(other);
                assertThat(run(warehouse, new String[]{"produce", "--run-id", "p1", "--input", other, "--format",
                        "jsonl"})).as("another input under a used produce run id").isEqualTo(2);
            }
            assertThat(run(warehouse, stage)).as("first %s", stage[0]).isZero();
            WarehouseSnapshot first = WarehouseSnapshot.of(warehouse);
            assertThat(run(warehouse, stage)).as("second %s", stage[0]).isZero();
            assertThat(first.differences(WarehouseSnapshot.of(warehouse))).as("tables and files after %s twice",
                    stage[0]).isEmpty();
        }
        SparkSession spark = LocalRuns.session();
        try {
            Dataset<Row> landing = spark.read().parquet(new Warehouse(warehouse.toString()).table(Table.LANDING));
            assertThat(landing.count()).as("each record published and landed once")
                    .isEqualTo(landing.select("id").distinct().count()).isEqualTo(FIXTURE_RECORDS);
        } finally {
            spark.stop();
        }
    }

    private static void writeOneRecord(String path) {
        try {
            Files.writeString(Path.of(path), "{\"id\":\"other-1\",\"ts\":1,\"label\":0,\"features\":[0]}\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int run(Path warehouse, String[] stage) {
        String[] rest = java.util.Arrays.copyOfRange(stage, 1, stage.length);
        return StreamTrain.execute(LocalRuns.command(warehouse, "rerun-it", stage[0], rest));
    }
}
