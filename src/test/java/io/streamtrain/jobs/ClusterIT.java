package io.streamtrain.jobs;

import io.streamtrain.testing.ExternalKafka;
import io.streamtrain.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real cluster: a Spark standalone Master and two Workers, each a JVM of its own ({@code jobs/bin/standalone-cluster}),
 * a Kafka broker in another ({@link ExternalKafka}), and every stage submitted through Spark's own {@code SparkSubmit}
 * ({@code jobs/bin/spark-submit}) with the packaged jar, in client and in cluster deploy mode, executors in their own
 * JVMs. Run by {@code mvn verify -Pcluster} (.ci/run does).
 */
class ClusterIT {

    private static final Path ROOT = Fixtures.projectRoot();
    private static final Pattern INGEST = Pattern.compile("ingest: +(\\d+) read = (\\d+) landed \\+ (\\d+) quarantined");
    private static final Pattern ACCURACY = Pattern.compile("evaluate: +accuracy (\\d\\.\\d+)");

    @TempDir
    static Path tmp;
    private static ExternalKafka kafka;
    private static String master;
    private static Path conf;

    /** What one spark-submit printed and returned. */
    private record Submit(int exit, String out, String err) {
    }

    @BeforeAll
    static void startClusterAndBroker() throws Exception {
        kafka = ExternalKafka.start(tmp.resolve("kafka"));
        Submit started = run(List.of(ROOT.resolve("jobs/bin/standalone-cluster").toString(), "start", "--workers", "2",
                "--cores", "1", "--memory", "3g", "--port", Integer.toString(Fixtures.freePort())));
        assertThat(started.exit()).as(started.err()).isZero();
        master = started.out().trim();
        conf = tmp.resolve("cluster-it.conf");
        Files.writeString(conf, String.join("\n",
                "warehouse = \"" + tmp.resolve("warehouse") + "\"",
                "kafka.bootstrap-servers = \"" + kafka.bootstrapServers() + "\"",
                "kafka.topic = \"cluster-it\"",
                "train.epochs = 3",
                "train.mlp.hidden-layers = [64]",
                "spark.conf { \"spark.ui.enabled\" = \"false\" }",
                ""));
    }

    @AfterAll
    static void stop() throws Exception {
        run(List.of(ROOT.resolve("jobs/bin/standalone-cluster").toString(), "stop"));
        if (kafka != null) {
            kafka.close();
        }
    }

    /**
     * Client mode: the driver is spark-submit's JVM and the stages' tasks run in the Workers' executors. One
     * application for the four Spark stages (YarnIT submits each stage as its own application).
     */
    @Test
    void thePipelineRunsInClientModeOnTheWorkersExecutorsAndAccountsForEveryRecord() throws Exception {
        // Produce uses no Spark: it runs in this JVM.
        assertThat(StreamTrain.execute("produce", "--conf", conf.toString(), "--input",
                Fixtures.fashionSlice().toString(), "--format", "idx")).isZero();

        Submit pipeline = client("pipeline", "--stages", "ingest,preprocess,train,evaluate", "--run-id", "client-1");
        assertThat(pipeline.exit()).as(pipeline.err()).isZero();
        Matcher counts = INGEST.matcher(pipeline.out());
        assertThat(counts.find()).as(pipeline.out()).isTrue();
        long read = Long.parseLong(counts.group(1));
        long landed = Long.parseLong(counts.group(2));
        long quarantined = Long.parseLong(counts.group(3));
        assertThat(read).isEqualTo(4000);
        assertThat(landed + quarantined).isEqualTo(read);
        assertThat(accuracy(pipeline.out())).as("ten classes: chance is 0.1").isGreaterThan(0.6);

        Submit sql = client("sql", "SELECT count(*) AS landed_rows FROM landing");
        assertThat(sql.exit()).as(sql.err()).isZero();
        assertThat(sql.out()).containsPattern("\\|\\s*" + landed + "\\s*\\|");

        Submit refused = client("evaluate", "--model", "no-such-model");
        assertThat(refused.exit()).as("a refusal keeps its exit code under spark-submit").isEqualTo(2);
        assertThat(refused.err()).contains("no-such-model").doesNotContain("\tat ");
    }

    @Test
    void thePipelineRunsInADriverThatAWorkerStartedWithTheConfigShippedByName() throws Exception {
        assertThat(StreamTrain.execute("produce", "--conf", conf.toString(), "--input",
                Fixtures.fashionSlice().toString(), "--format", "idx", "--set", "kafka.topic=cluster-mode")).isZero();

        Submit pipeline = cluster("pipeline", "--stages", "ingest,preprocess,train,evaluate", "--conf",
                conf.getFileName().toString(), "--set", "kafka.topic=cluster-mode", "--set",
                "warehouse=" + tmp.resolve("cluster-warehouse"), "--run-id", "cluster-1");
        assertThat(pipeline.exit()).as(pipeline.err()).isZero();
        String driverOut = driverStdout("cluster-1");
        assertThat(accuracy(driverOut)).isGreaterThan(0.6);
        assertThat(tmp.resolve("cluster-warehouse/models/cluster-1/model.zip")).exists();
        assertThat(tmp.resolve("cluster-warehouse/reports/cluster-1/metrics.csv")).exists();

        // spark-submit itself exits 0 in standalone cluster mode whatever the driver's fate (Spark's Client does);
        // the driver's exit code reaches the Worker, which records the failure.
        Submit failed = cluster("evaluate", "--conf", conf.getFileName().toString(), "--set",
                "warehouse=" + tmp.resolve("cluster-warehouse"), "--model", "no-such-model");
        assertThat(failed.exit()).as(failed.err()).isZero();
        String driverErr = driverFile("stderr", "no-such-model");
        assertThat(driverErr.lines().filter(l -> l.startsWith("streamtrain evaluate:")).toList()).singleElement()
                .asString().contains("no-such-model");
        assertThat(driverErr).doesNotContain("\tat io.streamtrain");
        assertThat(Files.readString(tmp.resolve("standalone/worker-1.log"))
                + Files.readString(tmp.resolve("standalone/worker-2.log"))).contains("exited with failure");
    }

    private static double accuracy(String out) {
        Matcher m = ACCURACY.matcher(out);
        assertThat(m.find()).as(out).isTrue();
        return Double.parseDouble(m.group(1));
    }

    /** The stdout of the driver a Worker ran for the submission whose arguments named {@code runId}. */
    private static String driverStdout(String runId) throws IOException {
        return driverFile("stdout", runId);
    }

    /** The {@code name} file (stdout or stderr) of the driver, among those Workers ran, that mentions {@code text}. */
    private static String driverFile(String name, String text) throws IOException {
        try (Stream<Path> files = Files.walk(tmp.resolve("standalone"))) {
            for (Path out : files.filter(p -> p.getFileName().toString().equals(name)
                    && p.getParent().getFileName().toString().startsWith("driver-")).toList()) {
                String content = Files.readString(out, StandardCharsets.UTF_8);
                if (content.contains(text)) {
                    return content;
                }
            }
        }
        throw new AssertionError("no driver's " + name + " mentions " + text);
    }

    private static Submit client(String subcommand, String... args) throws Exception {
        List<String> command = new ArrayList<>(submit("client"));
        command.addAll(List.of(subcommand, "--conf", conf.toString()));
        command.addAll(List.of(args));
        return run(command);
    }

    /**
     * Cluster deploy mode: the Master has a Worker start the driver, which needs the Java 17 flags passed to it, and
     * the configuration is shipped with --files and named by its bare name.
     */
    private static Submit cluster(String subcommand, String... args) throws Exception {
        List<String> command = new ArrayList<>(submit("cluster"));
        command.add(3, "--files");
        command.add(4, conf.toString());
        command.add(subcommand);
        command.addAll(List.of(args));
        return run(command);
    }

    private static List<String> submit(String deployMode) throws IOException {
        String opens = String.join(" ", Files.readAllLines(ROOT.resolve("jobs/bin/lib/spark-env.sh")).stream()
                .map(String::trim).filter(l -> l.startsWith("--add-opens=")).toList());
        return List.of(ROOT.resolve("jobs/bin/spark-submit").toString(), "--master", master,
                "--deploy-mode", deployMode, "--executor-memory", "1g", "--executor-cores", "1",
                "--driver-memory", "1g",
                "--conf", "spark.driver.extraJavaOptions=" + opens,
                "--conf", "spark.standalone.submit.waitAppCompletion=true",
                ROOT.resolve("target/streamtrain.jar").toString());
    }

    private static Submit run(List<String> command) throws IOException, InterruptedException {
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("STANDALONE_STATE", tmp.resolve("standalone").toString());
        pb.environment().put("STREAMTRAIN_DRIVER_OPTS", "-Xmx1g");
        Process p = pb.start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " ran past 5 minutes");
        }
        return new Submit(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}
