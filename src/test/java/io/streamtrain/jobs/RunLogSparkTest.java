package io.streamtrain.jobs;

import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.table.Table;
import io.streamtrain.core.Warehouse;
import io.streamtrain.testing.SparkLocalTest;
import org.apache.spark.sql.Row;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A scheduler runs a run id's stages as separate commands: the runs table and run.json hold every stage that ran,
 * each once, and a retried stage replaces its own row.
 */
public class RunLogSparkTest extends SparkLocalTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    @Test
    public void separateCommandsOfOneRunKeepEachOthersStagesAndAReRunReplacesItsOwn() throws Exception {
        Warehouse warehouse = new Warehouse(tmp.newFolder("warehouse").toString());
        HadoopFiles files = new HadoopFiles(spark().sparkContext().hadoopConfiguration());
        record(files, warehouse, "ingest", 100);
        record(files, warehouse, "preprocess", 90);
        record(files, warehouse, "score", 7);
        RunLog other = new RunLog("other-run");
        other.succeeded("ingest", Instant.now(), Map.of("landed", 1.0), List.of());
        other.write(files, warehouse, spark());
        // The retry of ingest: its row is replaced, not added.
        record(files, warehouse, "ingest", 101);

        List<Row> rows = spark().read().parquet(warehouse.table(Table.RUNS)).where("run_id = 'daily'")
                .orderBy("stage").collectAsList();
        assertThat(rows).extracting(r -> r.<String>getAs("stage")).containsExactly("ingest", "preprocess", "score");
        assertThat(rows.get(0).<scala.collection.Map<String, Double>>getAs("counts").get("n").get())
                .isEqualTo(101.0);
        assertThat(spark().read().parquet(warehouse.table(Table.RUNS)).where("run_id = 'other-run'").count())
                .isEqualTo(1);
        String json = files.readString(warehouse.report("daily") + "/run.json");
        assertThat(json).contains("\"preprocess\"").contains("\"score\"").contains("101.0")
                .doesNotContain("100.0");
        assertThat(json.split("\"stage\"", -1)).hasSize(4);
    }

    private void record(HadoopFiles files, Warehouse warehouse, String stage, double n) {
        RunLog log = new RunLog("daily");
        log.succeeded(stage, Instant.now(), Map.of("n", n), List.of("somewhere"));
        log.write(files, warehouse, spark());
    }
}
