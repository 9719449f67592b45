package io.streamtrain.jobs;

import io.streamtrain.core.kafka.EmbeddedKafka;
import io.streamtrain.testing.Fixtures;
import io.streamtrain.testing.LocalRuns;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad invocations and bad inputs through the real command line, against a real Kafka broker: each gives its exit code
 * and one line on stderr with no stack trace, and a command refused with exit 2 leaves the warehouse exactly as it was
 * and creates no topic.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CommandLineErrorsIT {

    @TempDir
    static Path tmp;

    private EmbeddedKafka broker;
    private Path inputs;

    /** One bad invocation: a name, the exit code it must give, a word its message must hold, and its arguments. */
    record Case(String name, int exit, String mentions, Function<CommandLineErrorsIT, String[]> args) {
        @Override
        public String toString() {
            return name;
        }
    }

    @BeforeAll
    void startBrokerAndWriteInputs() throws IOException {
        broker = EmbeddedKafka.start(Files.createDirectories(tmp.resolve("broker")), 0);
        inputs = Files.createDirectories(tmp.resolve("inputs"));
        Files.writeString(inputs.resolve("syntax.conf"), "train {\n  epochs = [1,\n}\n");
        Files.writeString(inputs.resolve("unset-secret.conf"), Files.readString(Path.of(LocalRuns.LOCAL))
                + "\nkafka.properties { \"sasl.jaas.config\" = ${?STREAMTRAIN_SURELY_UNSET_JAAS} }\n");
        Files.writeString(inputs.resolve("nolabel.csv"), "id,pixel1,pixel2\na,1,2\n");
        Files.writeString(inputs.resolve("empty.csv"), "");
        Files.writeString(inputs.resolve("events.jsonl"), "{}\n");
        Path lone = Files.createDirectories(inputs.resolve("lone-idx"));
        Files.copy(Fixtures.fashionSlice().resolve("train-images-idx3-ubyte.gz"),
                lone.resolve("train-images-idx3-ubyte.gz"));
        Path truncated = Files.createDirectories(inputs.resolve("truncated-idx"));
        writeIdx(truncated.resolve("train-images-idx3-ubyte"), 0x803, new int[]{10, 28, 28}, 10 * 784 - 1);
        writeIdx(truncated.resolve("train-labels-idx1-ubyte"), 0x801, new int[]{10}, 10);
        Path mismatched = Files.createDirectories(inputs.resolve("mismatched-idx"));
        writeIdx(mismatched.resolve("train-images-idx3-ubyte"), 0x803, new int[]{10, 28, 28}, 10 * 784);
        writeIdx(mismatched.resolve("train-labels-idx1-ubyte"), 0x801, new int[]{9}, 9);
        Path magic = Files.createDirectories(inputs.resolve("magic-idx"));
        writeIdx(magic.resolve("train-images-idx3-ubyte"), 0x801, new int[]{10, 28, 28}, 10 * 784);
        writeIdx(magic.resolve("train-labels-idx1-ubyte"), 0x801, new int[]{10}, 10);
        Path notGzip = Files.createDirectories(inputs.resolve("notgzip-idx"));
        Files.writeString(notGzip.resolve("train-images-idx3-ubyte.gz"), "plain text");
        Files.writeString(notGzip.resolve("train-labels-idx1-ubyte.gz"), "plain text");
    }

    @AfterAll
    void stopBroker() {
        broker.close();
    }

    static Stream<Case> refusedBeforeAnythingStarts() {
        return Stream.of(
                new Case("no subcommand", 2, "Missing subcommand", t -> new String[0]),
                new Case("unknown subcommand", 2, "frobnicate", t -> new String[]{"frobnicate"}),
                new Case("unknown option", 2, "--bogus", t -> t.local("train", "--bogus")),
                new Case("missing --conf file", 2, "--conf", t -> new String[]{"train", "--conf", "/no/such.conf"}),
                new Case("HOCON syntax error", 2, "syntax.conf", t -> new String[]{"train", "--conf",
                        t.input("syntax.conf")}),
                new Case("misspelt key", 2, "train.epocs", t -> t.local("train", "--set", "train.epocs=3")),
                new Case("a secret from an unset variable", 2, "STREAMTRAIN_SURELY_UNSET_JAAS", t -> new String[]{
                        "ingest", "--conf", t.input("unset-secret.conf"), "--set", "warehouse=" + t.warehouse()}),
                new Case("zero epochs", 2, "train.epochs", t -> t.local("train", "--set", "train.epochs=0")),
                new Case("epochs not a number", 2, "train.epochs", t -> t.local("train", "--set", "train.epochs=abc")),
                new Case("--set without =", 2, "key=value", t -> t.local("train", "--set", "train.epochs")),
                new Case("run id escaping the warehouse", 2, "--run-id", t -> t.local("train", "--run-id", "../x")),
                new Case("--model as a path", 2, "--model", t -> t.local("evaluate", "--model", "../../etc")),
                new Case("unknown gate metric", 2, "evaluate.gate.metric", t -> t.local("evaluate", "--gate",
                        "--set", "evaluate.gate.metric=speed")),
                new Case("interval confidence of 1", 2, "evaluate.confidence", t -> t.local("evaluate",
                        "--set", "evaluate.confidence=1")),
                new Case("score with no model", 2, "run train first", t -> t.local("score", "--input", "landing")),
                new Case("score a topic that does not exist", 2, "does not exist", t -> t.withModel("score-topic",
                        MLP_784_10, "score", "--model", "m1", "--input", "kafka:no-such-topic")),
                new Case("score a topic on unreachable Kafka", 2, "did not answer", t -> t.then(t.withModel(
                        "score-unreachable", MLP_784_10, "score", "--model", "m1", "--input", "kafka"),
                        "--set", "kafka.bootstrap-servers=\"127.0.0.1:9\"")),
                new Case("score --input kafka:TOPIC with a bad name", 2, "kafka:TOPIC", t -> t.local("score",
                        "--input", "kafka:no topic")),
                new Case("score --mode for a Parquet input", 2, "--mode", t -> t.local("score", "--input",
                        "landing", "--mode", "stream")),
                new Case("--warm-start as a path", 2, "--warm-start", t -> t.local("train", "--warm-start", "/tmp/m")),
                new Case("--resume without --run-id", 2, "--resume", t -> t.local("train", "--resume")),
                new Case("--resume-if-checkpointed without --run-id", 2, "--resume-if-checkpointed",
                        t -> t.local("train", "--resume-if-checkpointed")),
                new Case("--resume with no checkpoint", 2, "checkpoint", t -> t.withCurated("train", "--resume",
                        "--run-id", "never-ran")),
                new Case("--resume with --warm-start", 2, "--warm-start", t -> t.local("train", "--resume",
                        "--run-id", "r1", "--warm-start", "latest")),
                new Case("--warm-start latest with no model", 2, "run train first", t -> t.withCurated("train",
                        "--warm-start", "latest")),
                new Case("missing jsonl file", 2, "/no/such.jsonl", t -> t.local("produce", "--input",
                        "/no/such.jsonl", "--format", "jsonl")),
                new Case("jsonl given a folder", 2, "is a folder", t -> t.local("produce", "--input", t.input(""),
                        "--format", "jsonl")),
                new Case("idx given a file", 2, "not a folder", t -> t.local("produce", "--input",
                        t.input("events.jsonl"), "--format", "idx")),
                new Case("idx image file without labels", 2, "partner", t -> t.local("produce", "--input",
                        t.input("lone-idx"), "--format", "idx")),
                new Case("truncated idx file", 2, "truncated", t -> t.local("produce", "--input",
                        t.input("truncated-idx"), "--format", "idx")),
                new Case("idx images and labels disagree", 2, "labels", t -> t.local("produce", "--input",
                        t.input("mismatched-idx"), "--format", "idx")),
                new Case("idx wrong magic number", 2, "magic", t -> t.local("produce", "--input",
                        t.input("magic-idx"), "--format", "idx")),
                new Case("idx .gz that is not gzip", 2, "gzip", t -> t.local("produce", "--input",
                        t.input("notgzip-idx"), "--format", "idx")),
                new Case("csv without a label column", 2, "label", t -> t.local("produce", "--input",
                        t.input("nolabel.csv"), "--format", "csv")),
                new Case("empty csv", 2, "empty", t -> t.local("produce", "--input", t.input("empty.csv"),
                        "--format", "csv")),
                new Case("unknown input format", 2, "produce.format", t -> t.local("produce", "--input",
                        t.input("events.jsonl"), "--format", "xml")),
                new Case("ingest with nothing produced", 2, "produce first", t -> t.embedded("ingest")),
                new Case("unknown ingest mode", 2, "ingest.mode", t -> t.local("ingest", "--mode", "sometimes")),
                new Case("range ingest over a streaming checkpoint", 2, "one mode per warehouse",
                        t -> t.streamed("ingest", "--mode", "range")),
                new Case("preprocess with no landing table", 2, "run ingest first", t -> t.local("preprocess")),
                new Case("accepting a batch without a reason", 2, "--reason", t -> t.local("preprocess",
                        "--accept-batch", "b1")),
                new Case("accepting and dropping at once", 2, "--drop-batch", t -> t.local("preprocess",
                        "--accept-batch", "b1", "--drop-batch", "b2", "--reason", "x")),
                new Case("a reason without a decision", 2, "--accept-batch", t -> t.local("preprocess",
                        "--reason", "x")),
                new Case("a gate reference that is no file", 2, "preprocess.gate.reference", t -> t.local(
                        "preprocess", "--set", "preprocess.gate.max-feature-psi=0.25", "--set",
                        "preprocess.gate.reference=/no/such/scaler.json")),
                new Case("train with no curated table", 2, "run preprocess first", t -> t.local("train")),
                new Case("evaluate with no model", 2, "run train first", t -> t.withCurated("evaluate")),
                new Case("latest pointer outside models/", 2, "run id", t -> t.badPointer("evaluate")),
                new Case("unknown stage", 2, "--stages", t -> t.local("pipeline", "--stages", "produce,foo")),
                new Case("CNN too deep for the image", 2, "train.cnn.filters", t -> t.local("pipeline", "--set",
                        "train.model=cnn", "--set", "train.cnn.filters=[8, 8, 8, 8, 8]")),
                new Case("no Spark master", 2, "spark.master", t -> new String[]{"train", "--set",
                        "warehouse=" + t.warehouse()}),
                new Case("malformed Spark master", 2, "spark.master", t -> t.local("train", "--set",
                        "spark.conf.\"spark.master\"=laptop")),
                new Case("unreachable Kafka", 2, "did not answer", t -> t.embedded("ingest", "--set",
                        "kafka.bootstrap-servers=\"127.0.0.1:9\"")),
                new Case("Kafka property that breaks exactly-once", 2, "group.id", t -> t.local("ingest", "--set",
                        "kafka.properties.\"group.id\"=mine")),
                new Case("sql with no tables", 2, "No tables", t -> t.local("sql", "SELECT 1")),
                new Case("bench ingest without a master", 2, "spark.master", t -> new String[]{"bench", "ingest"}),
                new Case("bench train with zero epochs", 2, "--epochs", t -> new String[]{"bench", "train",
                        "--conf", LocalRuns.LOCAL, "--epochs", "0"}),
                new Case("bench with no benchmark named", 2, "Missing benchmark", t -> new String[]{"bench"}),
                new Case("model trained for other classes", 2, "predicts 3 classes", t -> t.withModel("classes",
                        "{\"confs\":[{\"layer\":{\"@class\":\"org.deeplearning4j.nn.conf.layers.DenseLayer\","
                                + "\"nin\":784,\"nout\":16}},{\"layer\":{\"@class\":"
                                + "\"org.deeplearning4j.nn.conf.layers.OutputLayer\",\"nin\":16,\"nout\":3}}]}",
                        "evaluate", "--model", "m1")),
                new Case("model that is not a DL4J zip", 2, "no network configuration", t -> t.withModel("broken", null,
                        "train", "--warm-start", "m1")),
                new Case("run id that names the latest pointer", 2, "reserved", t -> t.local("train", "--run-id",
                        "latest")),
                new Case("secret in a malformed --set is not echoed", 2, "Unmatched argument", t -> t.local("train",
                        "--set", "kafka.properties.\"sasl.jaas.config\"", "password=\"hunter2\";")),
                new Case("bench scale with fewer than 10 records", 2, "--records", t -> new String[]{"bench",
                        "scale", "--conf", LocalRuns.LOCAL, "--records", "5"}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedBeforeAnythingStarts")
    void isRefusedInOneLineAndLeavesNothingBehind(Case c) {
        String[] args = c.args().apply(this);
        // Every warehouse of the test (the shared one and those prepared for single cases), not the broker's log.
        Map<String, Long> before = snapshot(tmp);
        Set<String> topicsBefore = topics();
        Run run = run(args);

        assertThat(run.exit).as(run.describe()).isEqualTo(c.exit());
        assertOneLine(run, c.mentions());
        assertThat(run.out + run.err).doesNotContain("hunter2");
        assertThat(snapshot(tmp)).as("the warehouses after " + c.name()).isEqualTo(before);
        assertThat(topics()).as("topics after " + c.name()).isEqualTo(topicsBefore);
    }

    @Test
    void aDryRunChecksEverythingAndWritesNothing() {
        Map<String, Long> before = snapshot(Path.of(warehouse()));
        Set<String> topicsBefore = topics();
        Run run = run(local("pipeline", "--dry-run", "--run-id", "dry", "--input",
                Fixtures.fashionSlice().toString(), "--format", "idx"));

        assertThat(run.exit).as(run.describe()).isZero();
        assertThat(run.out).contains("produce", "ingest", "preprocess", "train", "evaluate",
                "effective settings (secrets redacted)", warehouse() + "/models/dry");
        assertThat(snapshot(Path.of(warehouse()))).isEqualTo(before);
        assertThat(topics()).isEqualTo(topicsBefore);
    }

    @Test
    void aFailureAfterWorkBeganSaysWhatWasDoneAndHowToContinue() throws IOException {
        // Every record is bad: ingest quarantines all of them, so there is no landing table for preprocess to read.
        Path bad = tmp.resolve("all-bad.jsonl");
        Files.writeString(bad, "{\"id\":\"a\"\nnot json\n");
        Path warehouse = tmp.resolve("all-bad-warehouse");
        Run run = run(LocalRuns.command(warehouse, "all-bad", "pipeline", "--stages", "produce,ingest,preprocess",
                "--run-id", "bad-1", "--input", bad.toString(), "--format", "jsonl"));

        assertThat(run.exit).as(run.describe()).isEqualTo(1);
        assertOneLine(run, "preprocess failed");
        assertThat(run.errLines().stream().filter(l -> l.startsWith("streamtrain")).findFirst().orElseThrow())
                .contains("finished: produce, ingest", "to continue", "run ingest first",
                        "streamtrain preprocess --run-id bad-1");
    }

    // -- the invocations' settings --------------------------------------------------------------------------------

    String warehouse() {
        return tmp.resolve("warehouse").toString();
    }

    String input(String name) {
        return inputs.resolve(name).toString();
    }

    /** A network configuration that fits Fashion-MNIST's schema (784 features, 10 classes). */
    static final String MLP_784_10 = "{\"confs\":[{\"layer\":{\"@class\":"
            + "\"org.deeplearning4j.nn.conf.layers.DenseLayer\",\"nin\":784,\"nout\":16}},{\"layer\":{\"@class\":"
            + "\"org.deeplearning4j.nn.conf.layers.OutputLayer\",\"nin\":16,\"nout\":10}}]}";

    /** {@code command} with {@code more} arguments after it (a later --set overrides an earlier one). */
    String[] then(String[] command, String... more) {
        List<String> all = new ArrayList<>(List.of(command));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    /** The local profile on the test's warehouse and the real broker, then {@code args}. */
    String[] local(String... args) {
        return inWarehouse(Path.of(warehouse()), args);
    }

    /** The local profile with the embedded broker (the default), on the test's warehouse. */
    String[] embedded(String... args) {
        return LocalRuns.command(Path.of(warehouse()), "errors-it", args[0], Arrays.copyOfRange(args, 1, args.length));
    }

    private String[] withBroker(String[] command) {
        List<String> all = new ArrayList<>(List.of(command));
        all.addAll(List.of("--set", "kafka.bootstrap-servers=\"" + broker.bootstrapServers() + "\""));
        // Options after the subcommand's positional query would be read as part of it: keep sql's query last.
        if (command[0].equals("sql")) {
            all.remove(command[command.length - 1]);
            all.add(command[command.length - 1]);
        }
        return all.toArray(String[]::new);
    }

    /** {@code args} (a subcommand first) with the local profile and the real broker, on warehouse {@code w}. */
    private String[] inWarehouse(Path w, String... args) {
        return withBroker(LocalRuns.command(w, "errors-it", args[0], Arrays.copyOfRange(args, 1, args.length)));
    }

    /** A warehouse whose curated table exists (its content does not matter to the checks). */
    String[] withCurated(String... args) {
        Path w = tmp.resolve("curated-warehouse");
        touch(w.resolve("curated/split=test/part-0.parquet"));
        return inWarehouse(w, args);
    }

    /**
     * A warehouse with a curated table and a model {@code m1} whose zip holds {@code configuration} as its network
     * configuration, or is no zip at all when it is null.
     */
    String[] withModel(String name, String configuration, String... args) {
        Path w = tmp.resolve("model-warehouse-" + name);
        touch(w.resolve("curated/split=test/part-0.parquet"));
        touch(w.resolve("curated/split=train/part-0.parquet"));
        Path zip = w.resolve("models/m1/model.zip");
        try {
            Files.createDirectories(zip.getParent());
            if (configuration == null) {
                Files.writeString(zip, "not a zip");
            } else {
                try (java.util.zip.ZipOutputStream out = new java.util.zip.ZipOutputStream(Files.newOutputStream(zip))) {
                    out.putNextEntry(new java.util.zip.ZipEntry("configuration.json"));
                    out.write(configuration.getBytes(StandardCharsets.UTF_8));
                    out.closeEntry();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return inWarehouse(w, args);
    }

    /** A warehouse that ingest already read in streaming mode. */
    String[] streamed(String... args) {
        Path w = tmp.resolve("streamed-warehouse");
        touch(w.resolve("_checkpoints/ingest/metadata"));
        return inWarehouse(w, args);
    }

    /** A warehouse whose {@code models/latest} points outside {@code models/}. */
    String[] badPointer(String... args) {
        Path w = tmp.resolve("pointer-warehouse");
        touch(w.resolve("curated/split=test/part-0.parquet"));
        touch(w.resolve("models/other/model.zip"));
        try {
            Files.writeString(w.resolve("models/latest"), "../other\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return inWarehouse(w, args);
    }

    // -- running and checking ---------------------------------------------------------------------------------------

    /** What one invocation printed and returned. */
    record Run(String[] args, int exit, String out, String err) {
        List<String> errLines() {
            return err.lines().filter(l -> !l.isBlank()).toList();
        }

        String describe() {
            return String.join(" ", args) + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    private static synchronized Run run(String[] args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(tee(outBytes, out), true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(tee(errBytes, err), true, StandardCharsets.UTF_8));
            int exit = StreamTrain.execute(args);
            return new Run(args, exit, outBytes.toString(StandardCharsets.UTF_8),
                    errBytes.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    /** The user's message: exactly one line from streamtrain, naming what it must, and no stack trace anywhere. */
    private static void assertOneLine(Run run, String mentions) {
        List<String> ours = run.errLines().stream().filter(l -> l.startsWith("streamtrain")).toList();
        assertThat(ours).as(run.describe()).hasSize(1);
        assertThat(ours.get(0)).as(run.describe()).contains(mentions);
        assertThat(run.err + run.out).as(run.describe())
                .doesNotContainPattern("(?m)^\\s+at [\\w$.]+\\(")
                .doesNotContain("Caused by:");
    }

    private Set<String> topics() {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers()))) {
            return admin.listTopics().names().get();
        } catch (Exception e) {
            throw new IllegalStateException("Cannot list the test broker's topics", e);
        }
    }

    /** Every file under {@code root} with its size and modification time; empty if it does not exist. */
    private static Map<String, Long> snapshot(Path root) {
        Map<String, Long> files = new TreeMap<>();
        if (!Files.exists(root)) {
            return files;
        }
        try (Stream<Path> all = Files.walk(root)) {
            all.filter(p -> !root.relativize(p).startsWith("broker")).forEach(p -> {
                try {
                    files.put(root.relativize(p) + (Files.isDirectory(p) ? "/" : ""),
                            Files.isDirectory(p) ? 0 : Files.size(p) * 31 + Files.getLastModifiedTime(p).toMillis());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    private static void touch(Path file) {
        try {
            Files.createDirectories(file.getParent());
            if (!Files.exists(file)) {
                Files.write(file, new byte[]{1});
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An IDX file whose header says {@code dims} and whose body holds {@code bodyBytes} zero bytes, gzipped. */
    private static void writeIdx(Path file, int magic, int[] dims, int bodyBytes) throws IOException {
        Path gz = file.resolveSibling(file.getFileName() + ".gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            java.nio.ByteBuffer header = java.nio.ByteBuffer.allocate(4 + 4 * dims.length).putInt(magic);
            for (int d : dims) {
                header.putInt(d);
            }
            out.write(header.array());
            out.write(new byte[bodyBytes]);
        }
    }

    private static OutputStream tee(OutputStream a, OutputStream b) {
        return new OutputStream() {
            @Override
            public void write(int x) throws IOException {
                a.write(x);
                b.write(x);
            }

            @Override
            public void write(byte[] bytes, int off, int len) throws IOException {
                a.write(bytes, off, len);
                b.write(bytes, off, len);
            }
        };
    }
}
