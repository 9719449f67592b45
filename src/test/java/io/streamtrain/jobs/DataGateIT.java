package io.streamtrain.jobs;

import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.Warehouse;
import io.streamtrain.core.table.Ledger;
import io.streamtrain.core.table.Table;
import io.streamtrain.testing.LandingFixtures;
import io.streamtrain.testing.LocalRuns;
import io.streamtrain.testing.Stderr;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The data gate through the command line: a preprocess whose new batches break a {@code preprocess.gate.*} threshold
 * exits with code 4 and one line naming the check, the value and the key, commits nothing, sets the batch aside, and
 * passes once the threshold allows the data.
 */
class DataGateIT {

    @TempDir
    Path tmp;

    private String[] command(String... args) {
        List<String> all = new ArrayList<>(List.of(LocalRuns.command(tmp.resolve("warehouse"), "gate-it",
                "preprocess", "--set", "schema.feature-count=3", "--set", "schema.labels=[a, b, c]")));
        all.addAll(List.of(args));
        return all.toArray(String[]::new);
    }

    @Test
    void tooManyDuplicatesExitWithFourAndCommitNothing() throws Exception {
        Warehouse warehouse = new Warehouse(tmp.resolve("warehouse").toString());
        List<Row> rows = new ArrayList<>(LandingFixtures.separable("id-", 100, 1, 0, 0, "stream-0"));
        // Ten ids sent twice: 10 of 110 landed rows are duplicates.
        for (int i = 0; i < 10; i++) {
            rows.add(LandingFixtures.landed("id-" + i, 0, new float[]{1, 2, 3}, i % 2, 1000 + i, "stream-0"));
        }
        SparkSession spark = LocalRuns.session();
        try {
            LandingFixtures.land(spark, warehouse, rows);
        } finally {
            spark.stop();
        }

        Stderr run = Stderr.of(() -> StreamTrain.execute(command("--run-id", "p1", "--set",
                "preprocess.gate.max-duplicate-fraction=0.05")));
        String stderr = run.stderr();
        assertThat(run.exit()).as(stderr).isEqualTo(StreamTrain.DATA_GATE);
        List<String> ours = run.lines("streamtrain");
        assertThat(ours).hasSize(1);
        assertThat(ours.get(0)).contains("data gate", "0.0909 of the 110 landed rows were duplicate ids",
                "preprocess.gate.max-duplicate-fraction = 0.05");
        assertThat(stderr).doesNotContainPattern("(?m)^\\s+at [\\w$.]+\\(");
        Ledger ledger = Ledger.load(new HadoopFiles(new Configuration()), warehouse.table(Table.CURATED));
        assertThat(ledger.runs()).isEmpty();
        assertThat(ledger.waiting()).containsExactly("stream-0");
        assertThat(ours.get(0)).contains("set aside", "--accept-batch stream-0");
        assertThat(Files.readString(tmp.resolve("warehouse/reports/p1/data.md"))).contains("**Failed**");

        assertThat(StreamTrain.execute(command("--run-id", "p1", "--set",
                "preprocess.gate.max-duplicate-fraction=0.1"))).isZero();
        assertThat(Files.readString(tmp.resolve("warehouse/curated/_ledger.json"))).contains("\"p1\"");
        assertThat(StreamTrain.execute(LocalRuns.command(tmp.resolve("warehouse"), "gate-it", "sql",
                "SELECT metric, value FROM data_profile WHERE section = 'rows'"))).isZero();
    }
}
