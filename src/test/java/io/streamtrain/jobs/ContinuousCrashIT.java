package io.streamtrain.jobs;

import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.Warehouse;
import io.streamtrain.core.table.Table;
import io.streamtrain.testing.ChildJvm;
import io.streamtrain.testing.Fixtures;
import io.streamtrain.testing.Folders;
import io.streamtrain.testing.LocalRuns;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code streamtrain continuous} killed with SIGKILL in each phase of a cycle and while its scorer works, in a JVM of
 * its own, and started again with the same command: the cycle a crash cut short is done again under its run id (train
 * resumes from its checkpoint), and in the end every record is landed, curated and scored once, one decision is
 * recorded for the cycle, and the champion pointer names the model that decision evaluated.
 */
class ContinuousCrashIT {

    private static final String TOPIC = "continuous-crash";

    @TempDir
    Path tmp;

    @Test
    void killedInEachPhaseOfACycleTheSameCommandFinishesItWithNothingLostOrDuplicated() throws Exception {
        Path root = tmp.resolve("warehouse");
        Warehouse warehouse = new Warehouse(root.toString());
        assertThat(StreamTrain.execute(LocalRuns.command(root, TOPIC, "produce", "--input",
                Fixtures.fashionSlice().toString()))).isZero();
        // Each start finds the cycle the previous one left unfinished and gets further into it before its kill; the
        // fourth is killed while the scorer works through the topic, the fifth runs on for a minute and stops.
        killWhenLogged(command(5), "preprocess", Pattern.compile("continuous: cycle \\S+ starts"), null);
        killWhenLogged(command(5), "train", Pattern.compile("train: epoch 1/"), root.resolve("models"));
        killWhenLogged(command(5), "evaluate", Pattern.compile("evaluate: run \\S+ scores model"), null);
        killWhenLogged(command(5), "score", Pattern.compile("score batch 2: read"), null);
        Process last = ChildJvm.start(command(1), tmp.resolve("last.out"), tmp.resolve("last.err"));
        assertThat(last.waitFor(5, TimeUnit.MINUTES)).as("the last start stopped after its minute").isTrue();
        String log = Files.readString(tmp.resolve("last.err"));
        assertThat(last.exitValue()).as(log).isZero();
        assertThat(Files.readString(tmp.resolve("score.err"))).contains("done again after a crash");
        assertThat(Files.readString(tmp.resolve("evaluate.err")))
                .contains("training resumed from its last checkpoint");

        SparkSession spark = LocalRuns.session();
        try {
            Dataset<Row> landing = spark.read().parquet(warehouse.table(Table.LANDING));
            assertThat(landing.count()).isEqualTo(Fixtures.SLICE_IMAGES)
                    .isEqualTo(landing.select("id").distinct().count());
            Dataset<Row> curated = spark.read().parquet(warehouse.table(Table.CURATED));
            assertThat(curated.count()).isEqualTo(Fixtures.SLICE_IMAGES)
                    .isEqualTo(curated.select("id").distinct().count());
            Dataset<Row> scores = spark.read().parquet(warehouse.table(Table.SCORES))
                    .where(col("run_id").equalTo(ContinuousLoop.SCORER_RUN_ID));
            assertThat(scores.count()).isEqualTo(Fixtures.SLICE_IMAGES)
                    .isEqualTo(scores.select("id").distinct().count());
            // One cycle, killed three times: one run id, one decision, and the pointer names the model it evaluated.
            List<Row> decisions = spark.read().parquet(warehouse.table(Table.DECISIONS)).collectAsList();
            assertThat(decisions).hasSize(1);
            String champion = Files.readString(Path.of(warehouse.championModelPointer())).trim();
            assertThat(decisions.get(0).<String>getAs("candidate_model_id")).isEqualTo(champion);
            assertThat(decisions.get(0).<String>getAs("outcome")).isEqualTo("promoted");
            assertThat(spark.read().parquet(warehouse.table(Table.EVALUATION)).where(col("model_id").equalTo(champion))
                    .select("run_id").distinct().as(Encoders.STRING()).collectAsList()).containsExactly(champion);
            assertThat(new HadoopFiles(spark.sparkContext().hadoopConfiguration())
                    .readString(warehouse.internal("continuous/cycle"))).startsWith("finished " + champion);
        } finally {
            spark.stop();
        }
    }

    /** The command every start runs: it stops after {@code minutes}, unless killed first. */
    private List<String> command(int minutes) {
        return List.of(LocalRuns.command(tmp.resolve("warehouse"), TOPIC, "continuous", "--minutes",
                String.valueOf(minutes), "--set", "continuous.retrain-records=3000",
                "--set", "ingest.trigger-seconds=1", "--set", "score.trigger-seconds=1",
                "--set", "score.max-offsets-per-trigger=500"));
    }

    /**
     * Starts the command and kills it with SIGKILL once its log shows {@code marker} and, given {@code checkpoints},
     * a training checkpoint's {@code state.json} exists under that folder; fails if the command ends first.
     */
    private void killWhenLogged(List<String> command, String phase, Pattern marker, Path checkpoints)
            throws Exception {
        Path err = tmp.resolve(phase + ".err");
        Process p = ChildJvm.start(command, tmp.resolve(phase + ".out"), err);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        while (!marker.matcher(Files.exists(err) ? Files.readString(err) : "").find()
                || (checkpoints != null && !Folders.holds(checkpoints, f -> f.endsWith("checkpoint/state.json")))) {
            assertThat(p.isAlive()).as("%s: the command ended before '%s': %s", phase, marker,
                    Files.exists(err) ? Files.readString(err) : "").isTrue();
            assertThat(System.nanoTime()).as("%s: '%s' within 4 minutes", phase, marker).isLessThan(deadline);
            Thread.sleep(50);
        }
        p.destroyForcibly().waitFor();
    }
}
