package io.streamtrain.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamtrain.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code jobs/bin/streamtrain} as a user runs it: the shaded jar that {@code mvn verify} packaged, with Spark and
 * Hadoop from the provided classpath, in a process of its own. In-process tests share the test classpath and cannot
 * see a class the jar lacks or relocates; this one can, and it sees the real exit codes of {@code main}.
 */
class LauncherIT {

    private static final Path ROOT = Fixtures.projectRoot();

    @TempDir
    Path tmp;

    /** What one launch printed and returned. */
    private record Launch(int exit, String out, String err) {
    }

    @Test
    void thePackagedJarRunsThePipelineAndExitsZero() throws Exception {
        Launch run = launch("pipeline", "--conf", "conf/local.conf", "--set", "warehouse=" + tmp.resolve("w"),
                "--set", "spark.conf.\"spark.master\"=\"local[2]\"", "--run-id", "launcher-1",
                "--input", Fixtures.fashionSlice().toString(), "--format", "idx",
                "--set", "train.epochs=1", "--set", "train.mlp.hidden-layers=[32]");

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("produce:    4000 records published", "evaluate:   accuracy");
        assertThat(tmp.resolve("w/models/launcher-1/model.zip")).exists();
        JsonNode record = new ObjectMapper().readTree(tmp.resolve("w/reports/launcher-1/run.json").toFile());
        assertThat(record.get("run_id").asText()).isEqualTo("launcher-1");
        assertThat(record.get("stages").findValuesAsText("stage"))
                .containsExactly("produce", "ingest", "preprocess", "train", "evaluate");
        assertThat(record.get("stages").findValuesAsText("status")).containsOnly("succeeded");
        assertThat(record.get("stages").get(0).get("counts").get("published").asDouble()).isEqualTo(4000);
        assertThat(record.get("stages").get(4).get("outputs").toString()).contains("metrics/evaluation");
        try (Stream<Path> files = Files.list(tmp.resolve("w/metrics/runs/run_id=launcher-1"))) {
            assertThat(files.filter(f -> f.toString().endsWith(".parquet")).count()).isOne();
        }
        assertThat(run.err()).contains("Spark's scratch disk");
        // The plots are drawn by the shaded jar's XChart, headless, as a scheduler would run it.
        for (String file : List.of("confusion.png", "f1.png", "reliability.png", "learning-curve.png", "index.html")) {
            assertThat(tmp.resolve("w/reports/launcher-1/" + file)).isNotEmptyFile();
        }
    }

    @Test
    void aRefusedCommandExitsTwoWithOneLine() throws Exception {
        Launch run = launch("train", "--conf", "conf/local.conf", "--set", "warehouse=" + tmp.resolve("empty"));

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err().lines().filter(l -> l.startsWith("streamtrain")).toList())
                .singleElement().asString().contains("run preprocess first");
        assertThat(run.err()).doesNotContain("\tat ");
        assertThat(tmp.resolve("empty")).doesNotExist();
    }

    @Test
    void yarnWithoutTheClustersConfigurationIsRefusedWithOneLine() throws Exception {
        List<String> command = List.of("bash", ROOT.resolve("jobs/bin/spark-submit").toString(), "--master", "yarn",
                ROOT.resolve("target/streamtrain.jar").toString(), "sql", "--conf", "conf/local.conf", "SELECT 1");
        ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true);
        pb.environment().remove("HADOOP_CONF_DIR");
        pb.environment().remove("YARN_CONF_DIR");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(1, TimeUnit.MINUTES)).isTrue();

        assertThat(p.exitValue()).as(out).isEqualTo(2);
        assertThat(out.lines().toList()).singleElement().asString().contains("HADOOP_CONF_DIR");
    }

    private Launch launch(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", ROOT.resolve("jobs/bin/streamtrain").toString()));
        command.addAll(List.of(args));
        Path out = tmp.resolve("out.txt");
        Path err = tmp.resolve("err.txt");
        ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        // A small heap: the slice is 4,000 images, and the suite's own JVM runs beside it.
        pb.environment().put("STREAMTRAIN_JAVA_OPTS", "-Xmx2g");
        Process p = pb.start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("jobs/bin/streamtrain " + String.join(" ", args) + " ran past 5 minutes");
        }
        return new Launch(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}
