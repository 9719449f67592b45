package io.streamtrain.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.table.Ledger;
import io.streamtrain.core.table.Table;
import io.streamtrain.core.Warehouse;
import io.streamtrain.testing.Fixtures;
import io.streamtrain.testing.LocalRuns;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The warehouse's tables need none of streamtrain's code: after one small run of every command that writes a table
 * (produce, ingest, preprocess, train, a gated evaluate, score), DuckDB, through npm's {@code @duckdb/node-api} and
 * {@code src/test/resources/outside-reader/read-tables.mjs}, finds every table, counts the rows Spark counts, and reads
 * the key columns as standard types: numbers as DOUBLE or BIGINT, times as instants, labels as integers,
 * probabilities and curated float vectors as lists; the two deliberately opaque byte columns are BLOBs of the length
 * the README documents.
 *
 * <p>Needs {@code node} and {@code npm} on the PATH ({@code .ci/run} installs them): without them the test fails, it
 * does not skip. The npm packages are installed once under {@code target/outside-reader}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OutsideReaderIT {

    private static final Path ROOT = Fixtures.projectRoot();
    /** The reader and its npm packages, kept between runs so that npm runs once per clean build. */
    private static final Path READER = ROOT.resolve("target/outside-reader");
    private static final List<String> READER_FILES = List.of("package.json", "package-lock.json", "read-tables.mjs");
    private static final String PACKAGE = "@duckdb/node-api";
    private static final String RUN = "outside-1";
    private static final String SCORE_RUN = "outside-score-1";
    /** One record the door quarantines: its raw bytes must come out of quarantine.value as they went in. */
    private static final String MALFORMED = "{\"id\":\"broken\"";
    private static final int PIXELS = 784;
    private static final int CLASSES = 10;

    // DuckDB's names of the standard types a column may have.
    private static final Set<String> REAL = Set.of("DOUBLE", "FLOAT");
    private static final Set<String> WHOLE = Set.of("BIGINT", "INTEGER");
    private static final Set<String> TEXT = Set.of("VARCHAR");
    private static final Set<String> BYTES = Set.of("BLOB");
    /** Spark's TIMESTAMP_MICROS (conf/application.conf) is an instant, isAdjustedToUTC: not INT96, not a local time. */
    private static final Set<String> INSTANT = Set.of("TIMESTAMP WITH TIME ZONE");
    private static final Set<String> REALS = Set.of("DOUBLE[]", "FLOAT[]");

    @TempDir
    static Path tmp;

    /** What read-tables.mjs printed: per table folder, rows, columns and the lengths of its BLOB and list columns. */
    private JsonNode duckDb;
    /** Per table folder, Spark's count of the same table. */
    private final Map<String, Long> sparkRows = new TreeMap<>();

    @BeforeAll
    void runEveryStageThenReadTheTablesWithDuckDbAndSpark() throws Exception {
        // First, so that a machine without node or npm fails here, before the pipeline's minute.
        installReader();

        Path root = tmp.resolve("warehouse");
        Path extra = tmp.resolve("extra.jsonl");
        // A vector that is not pixels is curated as features_f32 (the slice's images all go to features_u8).
        String fractions = Arrays.stream(new String[PIXELS]).map(s -> "12.5").collect(Collectors.joining(","));
        Files.writeString(extra, MALFORMED + "\n"
                + "{\"id\":\"fractional-1\",\"ts\":1,\"label\":3,\"features\":[" + fractions + "]}\n");
        assertThat(StreamTrain.execute(command(root, "produce", "--input", extra.toString(), "--format", "jsonl")))
                .isZero();
        // Small and quick: the tables' types are tested, not the model.
        assertThat(StreamTrain.execute(command(root, "pipeline", "--stages", "produce,ingest,preprocess,train,evaluate",
                "--input", Fixtures.fashionSlice().toString(), "--format", "idx", "--run-id", RUN,
                "--set", "train.epochs=1", "--set", "train.mlp.hidden-layers=[32]",
                "--set", "evaluate.gate.enabled=true"))).isZero();
        assertThat(StreamTrain.execute(command(root, "score", "--model", RUN, "--input", "landing",
                "--run-id", SCORE_RUN))).isZero();
        // A topic's scorer also writes the freshness table: each micro-batch's latencies.
        assertThat(StreamTrain.execute(command(root, "score", "--model", RUN, "--input", "kafka",
                "--run-id", SCORE_RUN + "-topic"))).isZero();
        dropARefusedBatch(root, extra);

        duckDb = readWithDuckDb(root);
        Warehouse warehouse = new Warehouse(root.toString());
        SparkSession spark = LocalRuns.session();
        try {
            for (Table table : Table.values()) {
                if (duckDb.has(table.relativePath())) {
                    sparkRows.put(table.relativePath(), spark.read().parquet(warehouse.table(table)).count());
                }
            }
        } finally {
            spark.stop();
        }
    }

    /** A batch of ids curated already, refused by a duplicate gate and dropped: a row of batch_decisions. */
    private static void dropARefusedBatch(Path root, Path again) throws Exception {
        assertThat(StreamTrain.execute(command(root, "pipeline", "--stages", "produce,ingest", "--input",
                again.toString(), "--format", "jsonl", "--run-id", "outside-again"))).isZero();
        assertThat(StreamTrain.execute(command(root, "preprocess", "--run-id", "outside-gated", "--set",
                "preprocess.gate.max-duplicate-fraction=0"))).isEqualTo(StreamTrain.DATA_GATE);
        List<String> waiting = Ledger.load(new HadoopFiles(new org.apache.hadoop.conf.Configuration()),
                new Warehouse(root.toString()).table(Table.CURATED)).waiting();
        assertThat(waiting).hasSize(1);
        assertThat(StreamTrain.execute(command(root, "preprocess", "--run-id", "outside-drop", "--drop-batch",
                waiting.get(0), "--reason", "sent twice"))).isZero();
    }

    @Test
    void duckDbFindsEveryTableTheRunWroteAndCountsTheRowsSparkCounts() {
        // Every table but compress's, which this run does not write.
        Set<String> written = Arrays.stream(Table.values()).filter(t -> t != Table.COMPRESSION)
                .map(Table::relativePath).collect(Collectors.toSet());
        List<String> found = new ArrayList<>();
        duckDb.fieldNames().forEachRemaining(found::add);
        assertThat(found).containsExactlyInAnyOrderElementsOf(written);
        Map<String, Long> duckDbRows = new TreeMap<>();
        found.forEach(t -> duckDbRows.put(t, duckDb.get(t).get("rows").asLong()));
        assertThat(duckDbRows).isEqualTo(sparkRows);
        assertThat(duckDbRows).allSatisfy((table, rows) -> assertThat(rows).as(table).isPositive());
        assertThat(duckDbRows.get(Table.PREDICTIONS.relativePath())).as("the slice's test images").isEqualTo(1000);
    }

    @Test
    void curatedFeaturesAreAByteAPixelOrAListOfFloats() {
        columns(Table.CURATED, Map.of("id", TEXT, "label", WHOLE, "features_u8", BYTES, "features_f32",
                Set.of("FLOAT[]"), "partition", WHOLE, "offset", WHOLE, "split", TEXT));
        // Byte j is pixel j: 784 bytes an image, as the README says; the one fractional vector is 784 floats.
        lengths(Table.CURATED, "features_u8", PIXELS, PIXELS);
        lengths(Table.CURATED, "features_f32", PIXELS, PIXELS);
    }

    @Test
    void landingKeepsFeaturesAsByteStreamSplitFloat32sAndKafkaTimesAsInstants() {
        columns(Table.LANDING, Map.of("id", TEXT, "ts", WHOLE, "label", WHOLE, "features_f32_split", BYTES,
                "topic", TEXT, "partition", WHOLE, "offset", WHOLE, "kafka_timestamp", INSTANT, "batch", TEXT));
        lengths(Table.LANDING, "features_f32_split", 4 * PIXELS, 4 * PIXELS);
        columns(Table.QUARANTINE, Map.of("value", BYTES, "stage", TEXT, "reason", TEXT, "offset", WHOLE));
        int sent = MALFORMED.getBytes(StandardCharsets.UTF_8).length;
        lengths(Table.QUARANTINE, "value", sent, sent);
    }

    @Test
    void evaluationTablesHoldNumbersTimesAndIntegerLabels() {
        columns(Table.EVALUATION, Map.of("model_id", TEXT, "slice", TEXT, "class", TEXT, "metric", TEXT,
                "averaging", TEXT, "value", REAL, "ci_low", REAL, "ci_high", REAL, "evaluated_at", INSTANT,
                "run_id", TEXT));
        // The confusion matrix names its classes; predictions and scores give them as class indices.
        columns(Table.CONFUSION_MATRIX, Map.of("actual", TEXT, "predicted", TEXT, "count", WHOLE, "run_id", TEXT));
        columns(Table.PREDICTIONS, Map.of("id", TEXT, "label", WHOLE, "predicted", WHOLE, "probabilities", REALS,
                "model_id", TEXT, "run_id", TEXT));
        lengths(Table.PREDICTIONS, "probabilities", CLASSES, CLASSES);
        columns(Table.SCORES, Map.of("id", TEXT, "label", WHOLE, "predicted", WHOLE, "probabilities", REALS,
                "model_id", TEXT, "run_id", TEXT));
        lengths(Table.SCORES, "probabilities", CLASSES, CLASSES);
        columns(Table.BATCH_DECISIONS, Map.of("batch", TEXT, "decision", TEXT, "reason", TEXT, "decided_by", TEXT,
                "decided_at", INSTANT));
        columns(Table.TRAINING_HISTORY, Map.of("epoch", WHOLE, "loss", REAL, "validation_accuracy", REAL,
                "validation_f1", REAL, "samples", WHOLE, "seconds", REAL, "samples_per_sec", REAL, "run_id", TEXT));
        columns(Table.DECISIONS, Map.of("candidate_model_id", TEXT, "outcome", TEXT, "candidate_value", REAL,
                "only_candidate_correct", WHOLE, "p_value", REAL, "reasons", Set.of("VARCHAR[]"),
                "decided_at", INSTANT));
    }

    @Test
    void bookkeepingTablesHoldCountsTimesAndMaps() {
        columns(Table.INGEST_AUDIT, Map.of("read", WHOLE, "landed", WHOLE, "quarantined", WHOLE,
                "written_at", INSTANT, "batch", TEXT));
        columns(Table.DATA_PROFILE, Map.of("section", TEXT, "name", TEXT, "metric", TEXT, "value", REAL,
                "run_id", TEXT));
        columns(Table.RUNS, Map.of("stage", TEXT, "status", TEXT, "started_at", INSTANT, "ended_at", INSTANT,
                "seconds", REAL, "counts", Set.of("MAP(VARCHAR, DOUBLE)"), "outputs", Set.of("VARCHAR[]"),
                "run_id", TEXT));
    }

    /** Each named column of {@code table} has one of its expected DuckDB types. */
    private void columns(Table table, Map<String, Set<String>> expected) {
        Map<String, String> found = new TreeMap<>();
        seen(table).get("columns").forEach(c -> found.put(c.get("name").asText(), c.get("type").asText()));
        assertThat(expected).allSatisfy((column, types) -> assertThat(found.get(column))
                .as("%s.%s: expected one of %s, DuckDB read %s", table.relativePath(), column, types,
                        found.getOrDefault(column, "no such column"))
                .isIn(types));
    }

    /** The non-null values of a BLOB or list column of {@code table} are from {@code min} to {@code max} long. */
    private void lengths(Table table, String column, int min, int max) {
        JsonNode lengths = seen(table).get("lengths").get(column);
        assertThat(lengths != null && lengths.isObject())
                .as("%s.%s: DuckDB measured no value (every one null, or not a BLOB or list)", table.relativePath(),
                        column)
                .isTrue();
        assertThat(List.of(lengths.get("min").asInt(), lengths.get("max").asInt()))
                .as("%s.%s: shortest and longest value", table.relativePath(), column).containsExactly(min, max);
    }

    private JsonNode seen(Table table) {
        JsonNode node = duckDb.get(table.relativePath());
        assertThat(node != null).as("DuckDB read no table at %s", table.relativePath()).isTrue();
        return node;
    }

    private static String[] command(Path warehouse, String subcommand, String... args) {
        return LocalRuns.command(warehouse, "outside-reader-it", subcommand, args);
    }

    /**
     * Copies the reader to {@link #READER} and installs its pinned npm packages there unless that version already is:
     * Node resolves the script's imports from the folder the script is in.
     */
    private static void installReader() throws IOException, InterruptedException {
        for (String tool : List.of("node", "npm")) {
            try {
                Result version = run(List.of(tool, "--version"), ROOT, 60);
                assertThat(version.exit()).as("%s --version: %s", tool, version.err().strip()).isZero();
                if (tool.equals("node")) {
                    // v20.20.2: DuckDB's package and the reader need Node 18 or later (Debian 12 ships 18).
                    int major = Integer.parseInt(version.out().strip().replaceFirst("^v", "").split("\\.")[0]);
                    assertThat(major).as("Node.js major version (%s); OutsideReaderIT needs 18 or later",
                            version.out().strip()).isGreaterThanOrEqualTo(18);
                }
            } catch (IOException e) {
                fail(tool + " cannot be run (" + e.getMessage() + "): OutsideReaderIT reads the tables with DuckDB"
                        + " from npm; install Node.js and npm (.ci/run does: apt-get install nodejs npm)");
            }
        }
        Files.createDirectories(READER);
        for (String file : READER_FILES) {
            try (InputStream in = OutsideReaderIT.class.getResourceAsStream("/outside-reader/" + file)) {
                assertThat(in).as("test resource outside-reader/%s", file).isNotNull();
                Files.copy(in, READER.resolve(file), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        ObjectMapper json = new ObjectMapper();
        String pinned = json.readTree(READER.resolve("package.json").toFile()).path("dependencies").path(PACKAGE)
                .asText();
        Path installed = READER.resolve("node_modules/" + PACKAGE + "/package.json");
        if (Files.exists(installed) && json.readTree(installed.toFile()).path("version").asText().equals(pinned)) {
            return;
        }
        // npm ci: exactly the lock file's packages, checked against its hashes. Only its exit code counts.
        Result npm = run(List.of("npm", "ci", "--prefix", READER.toString(), "--no-audit", "--no-fund"),
                READER, 600);
        assertThat(npm.exit()).as("npm ci of %s in %s:%n%s%s", PACKAGE, READER, npm.out(), npm.err()).isZero();
    }

    /** read-tables.mjs on the whole warehouse: DuckDB finds the tables itself. */
    private static JsonNode readWithDuckDb(Path warehouse) throws IOException, InterruptedException {
        Result node = run(List.of("node", READER.resolve("read-tables.mjs").toString(), warehouse.toString()),
                READER, 300);
        assertThat(node.exit()).as("read-tables.mjs: %s", node.err().strip()).isZero();
        System.out.println("DuckDB read:\n" + node.out());
        return new ObjectMapper().readTree(node.out());
    }

    private record Result(int exit, String out, String err) {
    }

    /** Runs a command to its end, its output in files, so that neither stream can fill up and block it. */
    private static Result run(List<String> command, Path dir, int timeoutSeconds)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile(tmp, "stdout", ".txt");
        Path err = Files.createTempFile(tmp, "stderr", ".txt");
        Process p = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s");
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }
}
