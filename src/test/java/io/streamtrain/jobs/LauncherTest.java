package io.streamtrain.jobs;

import io.streamtrain.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps the launch scripts, README and docs honest: every class they name exists, every subcommand and flag they pass is
 * one the command line accepts, and every file they point at is in the repository.
 */
class LauncherTest {

    private static final Path ROOT = Fixtures.projectRoot();

    @Test
    void launcherNamesTheRealMainClassAndTheJava17Flags() throws Exception {
        String script = Files.readString(ROOT.resolve("jobs/bin/streamtrain"));
        String flags = Files.readString(ROOT.resolve("jobs/bin/lib/spark-env.sh"));
        Matcher main = Pattern.compile("(io\\.streamtrain\\.[\\w.]+)").matcher(script);
        assertThat(main.find()).isTrue();
        assertThat(Class.forName(main.group(1)).getMethod("main", String[].class)).isNotNull();
        String pom = Files.readString(ROOT.resolve("pom.xml"));
        Matcher opens = Pattern.compile("--add-opens=[\\w./]+=ALL-UNNAMED").matcher(pom.substring(
                pom.indexOf("<java17.opens>"), pom.indexOf("</java17.opens>")));
        int n = 0;
        while (opens.find()) {
            assertThat(flags).contains(opens.group());
            n++;
        }
        assertThat(n).isEqualTo(13);
        assertThat(pom).contains("<mainClass>" + main.group(1) + "</mainClass>");
    }

    @Test
    void everyCommandLineInScriptsReadmeAndDocsParses() throws IOException {
        List<String> lines = new ArrayList<>();
        List<String> files = new ArrayList<>(List.of("jobs/bin/quickstart", "README.md",
                "jobs/airflow/streamtrain_dag.py"));
        try (var docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).forEach(p -> files.add(ROOT.relativize(p).toString()));
        }
        for (String file : files) {
            for (String line : commandLines(file)) {
                int at = line.indexOf("jobs/bin/streamtrain ");
                if (at >= 0 && !line.trim().startsWith("#!")) {
                    lines.add(line.substring(at + "jobs/bin/streamtrain ".length()));
                }
            }
        }
        assertThat(lines).hasSizeGreaterThan(3);
        for (String line : lines) {
            List<String> args = words(line);
            picocli.CommandLine cli = new picocli.CommandLine(new StreamTrain());
            cli.parseArgs(args.toArray(String[]::new));
            for (String arg : args) {
                if (arg.startsWith("conf/")) {
                    assertThat(ROOT.resolve(arg)).as(line).exists();
                }
            }
        }
    }

    /**
     * The lines of {@code file} that may hold a command, each with its continuation lines ({@code \\} at the end)
     * joined; in Markdown only those inside fenced code blocks, where prose cannot pass for a command.
     */
    private static List<String> commandLines(String file) throws IOException {
        boolean markdown = file.endsWith(".md");
        boolean fenced = false;
        List<String> out = new ArrayList<>();
        StringBuilder pending = new StringBuilder();
        for (String line : Files.readAllLines(ROOT.resolve(file))) {
            if (markdown && line.trim().startsWith("```")) {
                fenced = !fenced;
                continue;
            }
            if (markdown && !fenced) {
                continue;
            }
            if (line.endsWith("\\")) {
                pending.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            out.add(pending.append(line).toString());
            pending.setLength(0);
        }
        return out;
    }

    /** Splits a shell line into words, dropping variables' quoting and anything after a pipe or comment. */
    private static List<String> words(String line) {
        String cut = line.split("\\s[|#]|\\s*`|\\\\$")[0];
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("\"([^\"]*)\"|'([^']*)'|(\\S+)").matcher(cut);
        while (m.find()) {
            String w = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
            out.add(w.replace("$stages", "ingest").replace("$data", "/data").replace("\"$@\"", ""));
        }
        out.removeIf(w -> w.isEmpty() || w.equals("$@") || w.equals("\"$@\""));
        return out;
    }

    @Test
    void quickstartRunsThePipelineWithTheLocalProfile() throws IOException {
        String quickstart = Files.readString(ROOT.resolve("jobs/bin/quickstart"));
        assertThat(quickstart).contains("pipeline --conf conf/local.conf");
        assertThat(Arrays.asList(ROOT.resolve("jobs/bin").toFile().list())).contains("streamtrain", "quickstart");
        assertThat(Files.isExecutable(ROOT.resolve("jobs/bin/quickstart"))).isTrue();
        assertThat(Files.isExecutable(ROOT.resolve("jobs/bin/streamtrain"))).isTrue();
    }
}
