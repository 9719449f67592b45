package io.streamtrain.jobs;

import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.Warehouse;
import io.streamtrain.testing.DagCommands;
import io.streamtrain.testing.Fixtures;
import io.streamtrain.testing.LocalRuns;
import io.streamtrain.model.Lineage;
import io.streamtrain.model.ModelBundle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The daily DAG's own command lines ({@code jobs/airflow/streamtrain_dag.py}, read with Python's ast by
 * {@code dag_commands.py}, no Airflow needed), for two consecutive dates on the embedded default: every command
 * first passes its {@code --dry-run}, then runs; the second day fine-tunes the champion on the second day's records
 * only, and a retried day changes nothing.
 */
class AirflowDagIT {

    /** Small and quick: the DAG's commands are what is tested, not the model. */
    private static final String[] QUICK = {"--set", "train.epochs=2", "--set", "train.mlp.hidden-layers=[32]"};

    @TempDir
    Path tmp;

    @Test
    void twoDaysOfTheDagsCommandsEachPassItsDryRunAndTheSecondDayTrainsOnItsOwnRecords() throws Exception {
        // Today and tomorrow: today's records, published now, fall in today's interval; tomorrow's are published
        // after today's run and before tomorrow's.
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        List<List<String>> day1 = DagCommands.of(today);
        List<List<String>> day2 = DagCommands.of(today.plusDays(1));
        String id1 = DagCommands.runId(day1.get(0));
        String id2 = DagCommands.runId(day2.get(0));

        assertThat(StreamTrain.execute(local("produce", "--input", Fixtures.fashionSlice().toString(),
                "--format", "idx"))).isZero();
        runDay(day1, 0);
        assertThat(StreamTrain.execute(local("produce", "--synthetic", "1500"))).isZero();
        // The first gated model became champion; the second may or may not beat it (3: kept the champion).
        runDay(day2, -1);

        HadoopFiles files = new HadoopFiles(new org.apache.hadoop.conf.Configuration());
        Warehouse warehouse = new Warehouse(tmp.resolve("warehouse").toString());
        Lineage first = ModelBundle.lineage(files, warehouse, id1);
        Lineage second = ModelBundle.lineage(files, warehouse, id2);
        assertThat(first.warmStartOf()).as("no champion before day 1").isNull();
        assertThat(second.warmStartOf()).as("day 2 fine-tunes day 1's champion").isEqualTo(id1);
        assertThat(second.landingFiles()).isNotEmpty()
                .allSatisfy(f -> assertThat(f).contains("batch=range-" + id2));
        for (Lineage.KafkaRange range : second.kafka()) {
            long firstEnd = first.kafka().stream().filter(r -> r.partition() == range.partition())
                    .mapToLong(Lineage.KafkaRange::toOffset).max().orElse(-1);
            assertThat(range.fromOffset()).as("only records after day 1's").isGreaterThan(firstEnd);
        }

        // Airflow retries day 2's ingest and train: the same records, the same model lineage; the train resumes.
        assertThat(StreamTrain.execute(local(day2.get(0)))).isZero();
        assertThat(StreamTrain.execute(local(day2.get(2)))).isZero();
        // The retried ingest rewrote its batch under new file names: the same records, offsets and batches.
        assertThat(ModelBundle.lineage(files, warehouse, id2)).usingRecursiveComparison()
                .ignoringFields("landingFiles").isEqualTo(second);
    }

    /** Each command's dry run, then the command; {@code lastExit} -1 accepts 0 or 3 from the gated evaluate. */
    private void runDay(List<List<String>> day, int lastExit) {
        for (int i = 0; i < day.size(); i++) {
            List<String> command = day.get(i);
            List<String> dry = new ArrayList<>(command);
            dry.add("--dry-run");
            assertThat(StreamTrain.execute(local(dry))).as("dry run of %s", command).isZero();
            int exit = StreamTrain.execute(local(command));
            if (i == day.size() - 1 && lastExit < 0) {
                assertThat(exit).as("%s", command).isIn(0, 3);
            } else {
                assertThat(exit).as("%s", command).isZero();
            }
        }
    }

    /** The DAG's command for the test's warehouse and the embedded broker: its --conf replaced by the local one. */
    private String[] local(List<String> dagCommand) {
        List<String> args = DagCommands.withoutConf(dagCommand);
        args.addAll(List.of(QUICK));
        return local(args.toArray(String[]::new));
    }

    private String[] local(String... args) {
        return LocalRuns.command(tmp.resolve("warehouse"), "airflow-it", args[0],
                Arrays.copyOfRange(args, 1, args.length));
    }
}
