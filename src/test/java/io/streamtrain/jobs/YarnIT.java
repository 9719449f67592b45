package io.streamtrain.jobs;

import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.Warehouse;
import io.streamtrain.core.table.Table;
import io.streamtrain.model.ModelBundle;
import io.streamtrain.testing.ChildJvm;
import io.streamtrain.testing.DagCommands;
import io.streamtrain.testing.ExternalKafka;
import io.streamtrain.testing.Fixtures;
import io.streamtrain.testing.HadoopCluster;
import io.streamtrain.testing.LocalRuns;
import org.apache.commons.io.FileUtils;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
    private static final Pattern ACCURACY = Pattern.compile("evaluate: +accuracy (\\d\\.\\d+)");
    /** Reaches the driver only through the environment YARN gives it; the --conf file reads it with ${?...}. */
    private static final String SECRET = "YARN_IT_SECRET";
    private static final String SENTINEL = "SENTINEL-7c2e41-yarn-master-env";
    private static final java.nio.file.Path LOCAL_JAR = ROOT.resolve("target/streamtrain.jar");
    private static final int KILL_RECORDS = 3000;
    private static final String CLUSTER_WAREHOUSE = "/user/streamtrain/cluster-warehouse";
    /** Small and quick, the same on YARN and on the embedded default. */
    private static final List<String> MODEL = List.of("train.epochs=2", "train.mlp.hidden-layers=[32]");
    /**
     * What spark-submit returns in cluster mode when the driver exits with the gate's 3: YARN records the application
     * as failed, and Spark's client exits 1 for any failed application.
     */
    private static final int REJECTED_IN_CLUSTER_MODE = 1;

    /** Kept after the run (container logs, the clusters' own logs); emptied when the next run starts. */
    private static final java.nio.file.Path STATE = ROOT.resolve("target/yarn-it");
    private static ExternalKafka kafka;
    private static HadoopCluster hadoop;
    private static URI sparkArchive;
    /** The application jar, put on HDFS once: named by its hdfs:// URI, spark-submit does not upload it again. */
    private static String jar;
    private static java.nio.file.Path conf;
    private static java.nio.file.Path secretConf;

    /** What one spark-submit printed and returned. */
    private record Submit(int exit, String out, String err) {
    }

    @BeforeAll
    static void startHadoopAndBroker() throws Exception {
        FileUtils.deleteDirectory(STATE.toFile());
        kafka = ExternalKafka.start(STATE.resolve("kafka"));
        hadoop = HadoopCluster.start(STATE.resolve("hadoop"), 2, 6144, 2);
        Submit version = run(List.of(ROOT.resolve("jobs/bin/spark-submit").toString(), "--version"));
        assertThat(version.exit()).as(version.err()).isZero();
        sparkArchive = hadoop.sparkArchive(ROOT.resolve("target/spark-home/jars"));
        try (FileSystem fs = hadoop.client()) {
            Path onHdfs = new Path(hdfs("/user/streamtrain/lib/streamtrain.jar"));
            fs.copyFromLocalFile(new Path(LOCAL_JAR.toUri()), onHdfs);
            jar = onHdfs.toString();
        }
        List<String> settings = List.of(
                "warehouse = \"" + hdfs("/user/streamtrain/warehouse") + "\"",
                "kafka.bootstrap-servers = \"" + kafka.bootstrapServers() + "\"",
                "kafka.topic = \"yarn-it\"",
                String.join("\n", MODEL),
                "spark.conf {",
                "  \"spark.ui.enabled\" = \"false\"");
        conf = STATE.resolve("yarn-it.conf");
        Files.writeString(conf, String.join("\n", settings) + "\n}\n");
        secretConf = STATE.resolve("yarn-secret.conf");
        Files.writeString(secretConf, String.join("\n", settings) + "\n"
                + "  # Unused by an HDFS warehouse; a secret the driver must find in its own environment.\n"
                + "  \"spark.hadoop.fs.s3a.secret.key\" = ${?" + SECRET + "}\n}\n");
    }

    @AfterAll
    static void stop() throws Exception {
        if (kafka != null) {
            kafka.close();
        }
        if (hadoop != null) {
            hadoop.close();
            // The NodeManagers' memory checks were on and never fired (they log a container over its limit).
            assertThat(Files.readString(hadoop.log(), StandardCharsets.ISO_8859_1)).doesNotContain("memory limit");
        }
    }

    /**
     * The DAG's command lines as they are (the configuration shipped with --files and named by its bare name) for
     * today and tomorrow, on YARN in client mode with the warehouse on HDFS and one executor of two cores, and the
     * same lines on the embedded default (local[2], a local warehouse) reading the same Kafka records: the same
     * lineage and the same decisions, value for value.
     */
    @Test
    void theDagsCommandsForTwoDaysDecideOnYarnAndHdfsAsOnTheEmbeddedDefault() throws Exception {
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        List<List<String>> day1 = DagCommands.of(today);
        List<List<String>> day2 = DagCommands.of(today.plusDays(1));
        java.nio.file.Path local = STATE.resolve("local-warehouse");

        // Produce uses no Spark: it runs in this JVM.
        assertThat(StreamTrain.execute("produce", "--conf", conf.toString(), "--input",
                Fixtures.fashionSlice().toString(), "--format", "idx")).isZero();
        runDay(day1, local);
        assertThat(StreamTrain.execute("produce", "--conf", conf.toString(), "--synthetic", "1500")).isZero();
        runDay(day2, local);

        HadoopFiles files = new HadoopFiles(new org.apache.hadoop.conf.Configuration());
        Warehouse onHdfs = new Warehouse(hdfs("/user/streamtrain/warehouse").toString());
        Warehouse onDisk = new Warehouse(local.toString());
        for (String runId : List.of(DagCommands.runId(day1.get(0)), DagCommands.runId(day2.get(0)))) {
            assertThat(ModelBundle.lineage(files, onHdfs, runId)).as(runId).usingRecursiveComparison()
                    .ignoringFields("landingFiles").isEqualTo(ModelBundle.lineage(files, onDisk, runId));
        }
        SparkSession spark = LocalRuns.session();
        try {
            assertThat(decisions(spark, onHdfs)).hasSize(2).isEqualTo(decisions(spark, onDisk));
            assertThat(spark.read().parquet(onHdfs.table(Table.LANDING)).count())
                    .isEqualTo(spark.read().parquet(onDisk.table(Table.LANDING)).count());
        } finally {
            spark.stop();
        }

        Submit refused = client("evaluate", "--conf", conf.toString(), "--model", "no-such-model");
        assertThat(refused.exit()).as("a refusal keeps its exit code under spark-submit").isEqualTo(2);
        assertThat(refused.err()).contains("no-such-model").doesNotContain("\tat ");
    }

    /**
     * Cluster mode: the driver runs in YARN's application master with the configuration shipped by --files and the
     * secret from spark.yarn.appMasterEnv; the gate's refusal reaches the scheduler as a failed application, and its
     * decision is read from the decisions table.
     */
    @Test
    void inClusterModeTheDriverRunsInYarnAndASchedulerReadsTheGatesDecisionFromTheDecisionsTable() throws Exception {
        String warehouse = "warehouse=" + hdfs(CLUSTER_WAREHOUSE);
        String[] topic = {"--set", "kafka.topic=yarn-cluster", "--set", warehouse};
        Submit produce = client("produce", "--conf", conf.toString(), "--input", Fixtures.fashionSlice().toString(),
                "--format", "idx", topic[0], topic[1], topic[2], topic[3]);
        assertThat(produce.exit()).as(produce.err()).isZero();

        // The first model is promoted: there is no champion yet. Ingest in range mode, as the Airflow DAG runs it: its
        // tasks, in YARN's containers, stage their files on HDFS, and the driver moves them in.
        Submit promoted = cluster("pipeline", topic, "--stages", "ingest,preprocess,train,evaluate", "--set",
                "evaluate.gate.enabled=true", "--set", "ingest.mode=range", "--run-id", "cluster-1");
        assertThat(promoted.exit()).as(promoted.err()).isZero();
        String driverOut = containerFile("stdout", "gate:");
        assertThat(accuracy(driverOut)).isGreaterThan(0.6);
        assertThat(driverOut).contains("promoted cluster-1");

        // A weak candidate, trained on this machine into the same warehouse (quicker than another application).
        assertThat(StreamTrain.execute(LocalRuns.command(hdfs(CLUSTER_WAREHOUSE).toString(), "yarn-cluster", "train",
                "--run-id", "cluster-weak", "--set", "train.epochs=1", "--set", "train.mlp.hidden-layers=[2]",
                "--set", "kafka.bootstrap-servers=\"" + kafka.bootstrapServers() + "\"")))
                .isZero();
        Submit rejected = cluster("evaluate", topic, "--model", "cluster-weak", "--gate", "--run-id", "cluster-weak");
        assertThat(rejected.exit()).as("YARN reports the application, not the driver's exit code 3")
                .isEqualTo(REJECTED_IN_CLUSTER_MODE);
        // What a scheduler's next task runs: a query of the table on HDFS (no need for a YARN application).
        Submit decision = run(List.of(ROOT.resolve("jobs/bin/spark-submit").toString(), "--master", "local[1]",
                LOCAL_JAR.toString(), "sql", "--conf", conf.toString(), "--set", warehouse,
                "SELECT outcome FROM decisions WHERE candidate_model_id = 'cluster-weak'"));
        assertThat(decision.exit()).as(decision.err()).isZero();
        assertThat(decision.out()).contains("rejected");

        // YARN's default runs a failed application's master again (two attempts): a second evaluation of the rejected
        // candidate. spark.yarn.maxAppAttempts=1 leaves retries to the scheduler, which knows exit codes.
        try (Stream<java.nio.file.Path> files = Files.walk(hadoop.containerLogs())) {
            assertThat(files.map(f -> f.getFileName().toString()).filter(n -> n.matches("container_\\d+_\\d+_0[2-9]_.*")))
                    .as("containers of an application's second attempt").isEmpty();
        }
        for (Submit s : List.of(produce, promoted, rejected, decision)) {
            assertThat(s.out() + s.err()).doesNotContain(SENTINEL);
        }
        // YARN itself keeps the master's environment where it launches the container: in the launch script (copied
        // to the container's log folder) and in the application's Spark configuration, localized on the
        // NodeManagers. Nowhere else: not in any container's output.
        try (Stream<java.nio.file.Path> files = Files.walk(hadoop.containerLogs())) {
            List<String> holders = new ArrayList<>();
            for (java.nio.file.Path file : files.filter(Files::isRegularFile).toList()) {
                if (readIfThere(file).contains(SENTINEL)) {
                    holders.add(file.getFileName().toString());
                }
            }
            // Not empty: the search looked where YARN keeps the containers' files.
            assertThat(holders).isNotEmpty().allMatch(name -> name.equals("launch_container.sh")
                    || name.equals("__spark_conf__.properties"));
        }
    }

    /**
     * Exactly once with the warehouse and the streaming checkpoint on HDFS: ingest killed with SIGKILL inside its
     * micro-batches twice, the broker killed and restarted, a batch whose commit was lost replayed; every record
     * lands once, in landing or in quarantine. Ingest runs in local mode here (what is on trial is HDFS's part).
     */
    @Test
    void ingestKilledInsideMicroBatchesAndABrokerRestartLandEveryRecordOnceOnHdfs() throws Exception {
        URI warehouse = hdfs("/user/streamtrain/kill-warehouse");
        // Produce uses no Spark: it runs in this JVM, and only ingest is killed.
        assertThat(StreamTrain.execute(LocalRuns.command(warehouse.toString(), "yarn-kill", "produce",
                "--synthetic", Integer.toString(KILL_RECORDS),
                "--set", "kafka.bootstrap-servers=\"" + kafka.bootstrapServers() + "\""))).isZero();
        Path commits = new Path(warehouse.resolve(warehouse.getPath() + "/_checkpoints/ingest/commits"));
        Random random = new Random(20261207);
        for (int kill = 0; kill < 2; kill++) {
            Process ingest = localIngest(warehouse);
            try (FileSystem fs = hadoop.client()) {
                long committed = fs.exists(commits) ? fs.listStatus(commits).length : 0;
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
                while (ingest.isAlive() && System.nanoTime() < deadline
                        && (!fs.exists(commits) || fs.listStatus(commits).length <= committed)) {
                    Thread.sleep(100);
                }
            }
            Thread.sleep(random.nextInt(2000));
            assertThat(ingest.isAlive()).as("ingest %d was still in its micro-batches when killed", kill).isTrue();
            ingest.destroyForcibly().waitFor();
        }
        kafka.kill();
        kafka.restart();
        assertThat(runToEnd(localIngest(warehouse))).isZero();

        // A crash after the last batch wrote its output but before Spark committed it: Spark re-runs the batch.
        try (FileSystem fs = hadoop.client()) {
            Path newest = Arrays.stream(fs.listStatus(commits)).map(FileStatus::getPath)
                    .filter(p -> p.getName().matches("\\d+"))
                    .max(Comparator.comparingInt(p -> Integer.parseInt(p.getName()))).orElseThrow();
            assertThat(fs.delete(newest, false)).isTrue();
        }
        assertThat(runToEnd(localIngest(warehouse))).isZero();

        SparkSession spark = LocalRuns.session();
        try {
            Warehouse w = new Warehouse(warehouse.toString());
            // The generator's malformed events are quarantined: every Kafka record is in one of the two, once.
            Dataset<Row> records = spark.read().parquet(w.table(Table.LANDING)).select("partition", "offset")
                    .union(spark.read().parquet(w.table(Table.QUARANTINE)).select("partition", "offset"));
            assertThat(records.count()).isEqualTo(KILL_RECORDS);
            assertThat(records.distinct().count()).isEqualTo(KILL_RECORDS);
        } finally {
            spark.stop();
        }
    }

    /**
     * Each of a day's DAG commands on YARN (as the DAG ships its configuration) and on the embedded default, side by
     * side: the two share nothing but the topic they read, and the next command starts when both have ended.
     */
    private static void runDay(List<List<String>> day, java.nio.file.Path localWarehouse) throws Exception {
        ExecutorService embedded = Executors.newSingleThreadExecutor(r -> new Thread(r, "embedded-default"));
        try {
            for (int i = 0; i < day.size(); i++) {
                List<String> command = new ArrayList<>(day.get(i));
                String[] onDisk = LocalRuns.command(localWarehouse, "yarn-it", command.get(0),
                        withLocalSettings(command));
                Future<Integer> local = embedded.submit(() -> StreamTrain.execute(onDisk));
                command.set(command.indexOf("--conf") + 1, conf.getFileName().toString());
                List<String> submit = new ArrayList<>(submit("client", 1, 2));
                submit.addAll(submit.indexOf(jar), List.of("--files", conf.toString()));
                submit.addAll(command);
                Submit onYarn = run(submit);
                check(command, i == day.size() - 1, onYarn, local.get(5, TimeUnit.MINUTES));
            }
        } finally {
            embedded.shutdownNow();
        }
    }

    /** The command ended alike on YARN and on the embedded default: 0, or the gate's 3 for the day's evaluate. */
    private static void check(List<String> command, boolean gated, Submit onYarn, int local) {
        assertThat(onYarn.exit()).as("%s: %s", command, onYarn.err()).isIn(gated ? List.of(0, 3) : List.of(0));
        assertThat(local).as("%s on the embedded default", command).isEqualTo(onYarn.exit());
    }

    /** The DAG command's arguments after the subcommand, without its --conf: the test's settings instead. */
    private static String[] withLocalSettings(List<String> command) {
        List<String> args = DagCommands.withoutConf(command);
        args.addAll(List.of("--set", "kafka.bootstrap-servers=\"" + kafka.bootstrapServers() + "\""));
        MODEL.forEach(setting -> args.addAll(List.of("--set", setting)));
        return args.subList(1, args.size()).toArray(String[]::new);
    }

    private static List<Row> decisions(SparkSession spark, Warehouse warehouse) {
        return spark.read().parquet(warehouse.table(Table.DECISIONS))
                .select("candidate_model_id", "champion_model_id", "outcome", "metric", "candidate_value",
                        "champion_value", "only_candidate_correct", "only_champion_correct")
                .orderBy("candidate_model_id").collectAsList();
    }

    /** The file's bytes as text, or nothing once YARN has cleaned it away (a finished container's files go). */
    private static String readIfThere(java.nio.file.Path file) throws IOException {
        try {
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            return "";
        }
    }

    /** Ingest of topic yarn-kill into {@code warehouse} in local mode, in a JVM of its own, in batches of 150. */
    private static Process localIngest(URI warehouse) throws IOException {
        List<String> args = List.of(LocalRuns.command(warehouse.toString(), "yarn-kill", "ingest",
                "--set", "kafka.bootstrap-servers=\"" + kafka.bootstrapServers() + "\"",
                "--set", "ingest.max-offsets-per-trigger=150"));
        return ChildJvm.start(args, STATE.resolve("kill-ingest.out"), STATE.resolve("kill-ingest.err"));
    }

    private static int runToEnd(Process process) throws InterruptedException {
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).as("finished; see " + STATE.resolve("kill-ingest.err"))
                .isTrue();
        return process.exitValue();
    }

    private static URI hdfs(String path) {
        return hadoop.fileSystem().resolve(path);
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

    /** Client mode: the driver is spark-submit's own JVM. */
    private static Submit client(String subcommand, String... args) throws Exception {
        List<String> command = new ArrayList<>(submit("client", 2, 1));
        command.add(subcommand);
        command.addAll(List.of(args));
        return run(command);
    }

    /**
     * Cluster mode: YARN starts the driver in the application master's container, with the Java 17 flags and the
     * secret passed to it, once (a failed driver is not run again by YARN); the configuration is shipped with --files
     * and named by its bare name.
     */
    private static Submit cluster(String subcommand, String[] settings, String... args) throws Exception {
        List<String> command = new ArrayList<>(submit("cluster", 2, 1));
        command.addAll(command.indexOf(jar), List.of("--files", secretConf.toString(),
                "--conf", "spark.driver.extraJavaOptions=" + String.join(" ", ChildJvm.opens()),
                "--conf", "spark.yarn.appMasterEnv." + SECRET + "=" + SENTINEL,
                "--conf", "spark.yarn.maxAppAttempts=1"));
        command.addAll(List.of(subcommand, "--conf", secretConf.getFileName().toString()));
        command.addAll(List.of(settings));
        command.addAll(List.of(args));
        return run(command);
    }

    /**
     * spark-submit on YARN with {@code executors} executors of {@code cores} cores: one of two is {@code local[2]}'s
     * shape (one JVM, two task slots), two of one train across two JVMs.
     */
    private static List<String> submit(String deployMode, int executors, int cores) {
        return List.of(ROOT.resolve("jobs/bin/spark-submit").toString(), "--master", "yarn",
                "--deploy-mode", deployMode, "--num-executors", Integer.toString(executors),
                "--executor-cores", Integer.toString(cores),
                "--executor-memory", "1g", "--driver-memory", "1g",
                // ND4J's arrays live outside the heap: the container holds heap plus overhead, and JavaCPP collects
                // before the NodeManager's physical-memory check would kill it.
                "--conf", "spark.executor.memoryOverhead=1g",
                "--conf", "spark.executor.extraJavaOptions=-Dorg.bytedeco.javacpp.maxphysicalbytes=1800m",
                "--conf", "spark.executorEnv.OMP_NUM_THREADS=1",
                "--conf", "spark.yarn.archive=" + sparkArchive,
                jar);
    }

    /** Starts {@code command} with the cluster's client configuration; its output goes to {@code out} and {@code err}. */
    private static Process start(List<String> command, java.nio.file.Path out, java.nio.file.Path err)
            throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("HADOOP_CONF_DIR", hadoop == null ? "" : hadoop.confDir().toString());
        pb.environment().put("STREAMTRAIN_DRIVER_OPTS", "-Xmx1g");
        return pb.start();
    }

    private static Process start(List<String> command) throws IOException {
        return start(command, Files.createTempFile(STATE, "out", ".txt"), Files.createTempFile(STATE, "err", ".txt"));
    }

    private static Submit run(List<String> command) throws IOException, InterruptedException {
        java.nio.file.Path out = Files.createTempFile(STATE, "out", ".txt");
        java.nio.file.Path err = Files.createTempFile(STATE, "err", ".txt");
        Process p = start(command, out, err);
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " ran past 5 minutes; its stderr: " + err);
        }
        return new Submit(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}
