package io.streamtrain.jobs;

import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.Warehouse;
import io.streamtrain.core.table.Ledger;
import io.streamtrain.core.table.Table;
import io.streamtrain.testing.ChildJvm;
import io.streamtrain.testing.Fixtures;
import io.streamtrain.testing.Folders;
import io.streamtrain.testing.LocalRuns;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SIGTERM, what Airflow and YARN send, in the middle of a stage's work: ingest after its first micro-batch landed, and
 * preprocess while it writes curated rows. Each ends within 30 s with exit code 143, and the same command run again
 * completes the work with every record landed and curated once.
 */
class SigtermMidStageIT {

    @TempDir
    Path tmp;

    @Test
    void sigtermMidStageEndsWith143AndTheSameCommandCompletesTheWorkOnce() throws Exception {
        Path warehouse = tmp.resolve("warehouse");
        assertThat(StreamTrain.execute(LocalRuns.command(warehouse, "sigterm-it", "produce", "--input",
                Fixtures.fashionSlice().toString(), "--format", "idx", "--run-id", "day1"))).isZero();

        // Ten micro-batches of 400: the signal comes after the first has landed.
        String[] ingest = LocalRuns.command(warehouse, "sigterm-it", "ingest", "--run-id", "day1",
                "--set", "ingest.max-offsets-per-trigger=400");
        terminateOnceSeen(ingest, warehouse.resolve("landing"), "ingest");
        assertThat(StreamTrain.execute(ingest)).isZero();

        String[] preprocess = LocalRuns.command(warehouse, "sigterm-it", "preprocess", "--run-id", "day1");
        terminateOnceSeen(preprocess, warehouse.resolve("curated"), "preprocess");
        assertThat(StreamTrain.execute(preprocess)).isZero();

        Warehouse w = new Warehouse(warehouse.toString());
        SparkSession spark = LocalRuns.session();
        try {
            assertThat(spark.read().parquet(w.table(Table.LANDING)).select("id").distinct().count())
                    .isEqualTo(Fixtures.SLICE_IMAGES);
            assertThat(spark.read().parquet(w.table(Table.LANDING)).count()).isEqualTo(Fixtures.SLICE_IMAGES);
            assertThat(spark.read().parquet(w.table(Table.CURATED)).count()).isEqualTo(Fixtures.SLICE_IMAGES);
        } finally {
            spark.stop();
        }
        assertThat(Ledger.load(new HadoopFiles(new Configuration()), w.table(Table.CURATED)).runs())
                .extracting(Ledger.Run::runId).containsExactly("day1");
    }

    /**
     * Runs {@code args} in a JVM of its own and sends it SIGTERM as soon as a Parquet file shows under
     * {@code output}; asserts that it was still working then and that it ended within 30 s with 143.
     */
    private void terminateOnceSeen(String[] args, Path output, String stage) throws Exception {
        Process p = ChildJvm.start(List.of(args), tmp.resolve(stage + ".out"), tmp.resolve(stage + ".err"));
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (p.isAlive() && !Folders.holds(output, f -> f.toString().endsWith(".parquet"))
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(p.isAlive()).as("%s still working when its first file appeared: %s", stage,
                Files.readString(tmp.resolve(stage + ".err"))).isTrue();
        long start = System.nanoTime();
        p.destroy();
        boolean ended = p.waitFor(60, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly().waitFor();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        String err = Files.readString(tmp.resolve(stage + ".err"));
        assertThat(ended).as("%s ended after SIGTERM: %s", stage, err).isTrue();
        assertThat(p.exitValue()).as(err).isEqualTo(ExitCode.TERMINATED.code());
        assertThat(seconds).as(err).isLessThan(30);
    }
}
