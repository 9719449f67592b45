package io.streamtrain.testing;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The daily DAG's own command lines ({@code jobs/airflow/streamtrain_dag.py}, read with Python's ast by
 * {@code dag_commands.py}, no Airflow needed), for a date: per task, the streamtrain arguments, in task order.
 */
public final class DagCommands {

    private static final Path ROOT = Fixtures.projectRoot();

    private DagCommands() {
    }

    /** What dag_commands.py prints for {@code day}: ingest, preprocess, train and evaluate. */
    public static List<List<String>> of(LocalDate day) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("python3", ROOT.resolve("jobs/airflow/dag_commands.py").toString(),
                ROOT.resolve("jobs/airflow/streamtrain_dag.py").toString(), day.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        ObjectMapper json = new ObjectMapper();
        List<List<String>> commands = new ArrayList<>();
        for (String line : out.strip().split("\n")) {
            List<String> task = Arrays.asList(json.readValue(line, String[].class));
            commands.add(task.subList(1, task.size()));
        }
        assertThat(commands).extracting(c -> c.get(0)).containsExactly("ingest", "preprocess", "train", "evaluate");
        return commands;
    }

    /** The command's {@code --run-id}. */
    public static String runId(List<String> command) {
        return command.get(command.indexOf("--run-id") + 1);
    }

    /** The command with its {@code --conf} (the cluster's) left out, for a test to give its own settings. */
    public static List<String> withoutConf(List<String> command) {
        List<String> args = new ArrayList<>(command);
        int conf = args.indexOf("--conf");
        args.remove(conf + 1);
        args.remove(conf);
        return args;
    }
}
