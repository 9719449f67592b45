package io.streamtrain.jobs;

import io.streamtrain.testing.ChildJvm;
import io.streamtrain.testing.ExternalKafka;
import io.streamtrain.testing.Fixtures;
import io.streamtrain.testing.HadoopCluster;
import org.apache.commons.io.FileUtils;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * YARN and HDFS as users deploy on them: Hadoop's own test clusters ({@link HadoopCluster}: a NameNode, a DataNode, a
 * ResourceManager and two NodeManagers whose containers are JVMs of their own, with YARN's memory checks on), a Kafka
 * broker in a JVM of its own, and every stage submitted through Spark's {@code SparkSubmit} with {@code --master yarn}
 * in client and in cluster deploy mode, the warehouse and the streaming checkpoints on {@code hdfs://}, Spark's jars
 * uploaded once ({@code spark.yarn.archive}). Run by {@code mvn verify -Pcluster} (.ci/run does).
 */
class YarnIT {

    private static final java.nio.file.Path ROOT = Fixtures.projectRoot();
    private static final Pattern INGEST = Pattern.compile("ingest: +(\\d+) read = (\\d+) landed \\+ (\\d+) quarantined");
    private static final Pattern ACCURACY = Pattern.compile("evaluate: +accuracy (\\d\\.\\d+)");
    /** Reaches the driver only through the environment YARN gives it; the --conf file reads it with ${?...}. */
    private static final String SECRET = "YARN_IT_SECRET";
    private static final String SENTINEL = "SENTINEL-7c2e41-yarn-master-env";

    /** Kept after the run (container logs, the clusters' own logs); emptied when the next run starts. */
    private static final java.nio.file.Path STATE = ROOT.resolve("target/yarn-it");
    private static ExternalKafka kafka;
    private static HadoopCluster hadoop;
    private static URI sparkArchive;
    private static java.nio.file.Path conf;

    /** What one spark-submit printed and returned. */
    private record Submit(int exit, String out, String err) {
    }

    @BeforeAll
    static void startHadoopAndBroker() throws Exception {
        FileUtils.deleteDirectory(STATE.toFile());
        kafka = ExternalKafka.start(STATE.resolve("kafka"));
        hadoop = HadoopCluster.start(STATE.resolve("hadoop"), 2, 6144, 2);
        Submit version = run(List.of(ROOT.resolve("jobs/bin/spark-submit").toString(), "--version"), Map.of());
        assertThat(version.exit()).as(version.err()).isZero();
        sparkArchive = hadoop.sparkArchive(ROOT.resolve("target/spark-home/jars"));
        conf = STATE.resolve("yarn-it.conf");
        Files.writeString(conf, String.join("\n",
                "warehouse = \"" + hadoop.fileSystem().resolve("/user/streamtrain/warehouse") + "\"",
                "kafka.bootstrap-servers = \"" + kafka.bootstrapServers() + "\"",
                "kafka.topic = \"yarn-it\"",
                "train.epochs = 3",
                "train.mlp.hidden-layers = [64]",
                "spark.conf {",
                "  \"spark.ui.enabled\" = \"false\"",
                "  # Unused by an HDFS warehouse; a secret the driver must find in its environment.",
                "  \"spark.hadoop.fs.s3a.secret.key\" = ${?" + SECRET + "}",
                "}",
                ""));
    }

    @AfterAll
    static void stop() throws Exception {
        if (hadoop != null) {
            hadoop.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void everyStageRunsOnYarnInClientModeWithTheWarehouseOnHdfs() throws Exception {
        Submit produce = client("produce", "--input", Fixtures.fashionSlice().toString(), "--format", "idx");
        assertThat(produce.exit()).as(produce.err()).isZero();

        Submit ingest = client("ingest", "--run-id", "client-1");
        assertThat(ingest.exit()).as(ingest.err()).isZero();
        Matcher counts = INGEST.matcher(ingest.out());
        assertThat(counts.find()).as(ingest.out()).isTrue();
        long landed = Long.parseLong(counts.group(2));
        assertThat(Long.parseLong(counts.group(1))).isEqualTo(Fixtures.SLICE_IMAGES);
        assertThat(landed + Long.parseLong(counts.group(3))).isEqualTo(Fixtures.SLICE_IMAGES);
        Submit again = client("ingest", "--run-id", "client-2");
        assertThat(again.exit()).as(again.err()).isZero();
        assertThat(again.out()).as("the checkpoint on HDFS remembers").containsPattern("ingest: +0 read");

        for (String stage : List.of("preprocess", "train")) {
            Submit s = client(stage, "--run-id", "client-1");
            assertThat(s.exit()).as(stage + ": " + s.err()).isZero();
        }
        Submit evaluate = client("evaluate", "--run-id", "client-1", "--model", "client-1");
        assertThat(evaluate.exit()).as(evaluate.err()).isZero();
        assertThat(accuracy(evaluate.out())).as("ten classes: chance is 0.1").isGreaterThan(0.6);

        Submit sql = client("sql", "SELECT count(*) AS landed_rows FROM landing");
        assertThat(sql.exit()).as(sql.err()).isZero();
        assertThat(sql.out()).containsPattern("\\|\\s*" + landed + "\\s*\\|");
        try (FileSystem fs = hadoop.client()) {
            assertThat(fs.exists(new Path(hadoop.fileSystem().resolve(
                    "/user/streamtrain/warehouse/models/client-1/model.zip")))).isTrue();
            assertThat(fs.exists(new Path(hadoop.fileSystem().resolve(
                    "/user/streamtrain/warehouse/_checkpoints/ingest")))).isTrue();
        }

        Submit refused = client("evaluate", "--model", "no-such-model");
        assertThat(refused.exit()).as("a refusal keeps its exit code under spark-submit").isEqualTo(2);
        assertThat(refused.err()).contains("no-such-model").doesNotContain("\tat ");
    }

    private static double accuracy(String out) {
        Matcher m = ACCURACY.matcher(out);
        assertThat(m.find()).as(out).isTrue();
        return Double.parseDouble(m.group(1));
    }

    /** The {@code name} file (stdout or stderr) of the container, among those the NodeManagers ran, that has text. */
    private static String containerFile(String name, String text) throws IOException {
        try (Stream<java.nio.file.Path> files = Files.walk(hadoop.containerLogs())) {
            for (java.nio.file.Path f : files.filter(p -> p.getFileName().toString().equals(name)).toList()) {
                String content = Files.readString(f, StandardCharsets.UTF_8);
                if (content.contains(text)) {
                    return content;
                }
            }
        }
        throw new AssertionError("no container's " + name + " mentions " + text);
    }

    /** Client mode: the driver is spark-submit's own JVM, so the secret is in its environment. */
    private static Submit client(String subcommand, String... args) throws Exception {
        List<String> command = new ArrayList<>(submit("client"));
        command.addAll(List.of(subcommand, "--conf", conf.toString()));
        command.addAll(List.of(args));
        return run(command, Map.of(SECRET, SENTINEL));
    }

    /**
     * Cluster mode: YARN starts the driver in the application master's container, with the Java 17 flags and the
     * secret passed to it; the configuration is shipped with --files and named by its bare name.
     */
    private static Submit cluster(String subcommand, String... args) throws Exception {
        List<String> command = new ArrayList<>(submit("cluster"));
        int at = command.indexOf(ROOT.resolve("target/streamtrain.jar").toString());
        command.addAll(at, List.of("--files", conf.toString(),
                "--conf", "spark.driver.extraJavaOptions=" + String.join(" ", ChildJvm.opens()),
                "--conf", "spark.yarn.appMasterEnv." + SECRET + "=" + SENTINEL));
        command.add(subcommand);
        command.addAll(List.of(args));
        return run(command, Map.of());
    }

    private static List<String> submit(String deployMode) {
        return List.of(ROOT.resolve("jobs/bin/spark-submit").toString(), "--master", "yarn",
                "--deploy-mode", deployMode, "--num-executors", "2", "--executor-cores", "1",
                "--executor-memory", "1g", "--driver-memory", "1g",
                // ND4J's arrays live outside the heap: the container holds heap plus overhead, and JavaCPP collects
                // before the NodeManager's physical-memory check would kill it.
                "--conf", "spark.executor.memoryOverhead=1g",
                "--conf", "spark.executor.extraJavaOptions=-Dorg.bytedeco.javacpp.maxphysicalbytes=1800m",
                "--conf", "spark.executorEnv.OMP_NUM_THREADS=1",
                "--conf", "spark.yarn.archive=" + sparkArchive,
                ROOT.resolve("target/streamtrain.jar").toString());
    }

    private static Submit run(List<String> command, Map<String, String> env) throws IOException,
            InterruptedException {
        java.nio.file.Path out = Files.createTempFile(STATE, "out", ".txt");
        java.nio.file.Path err = Files.createTempFile(STATE, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        Map<String, String> environment = new HashMap<>(env);
        environment.put("HADOOP_CONF_DIR", hadoop.confDir().toString());
        environment.put("STREAMTRAIN_DRIVER_OPTS", "-Xmx1g");
        pb.environment().putAll(environment);
        Process p = pb.start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " ran past 5 minutes; its stderr: " + err);
        }
        return new Submit(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}
