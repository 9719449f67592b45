package io.streamtrain.jobs;

import io.streamtrain.core.table.Table;
import io.streamtrain.core.Warehouse;
import io.streamtrain.testing.Fixtures;
import io.streamtrain.testing.LocalRuns;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The model operations as a user runs them from the command line, on a model trained on a slice of Fashion-MNIST:
 * {@code compress} writes its copies and the compression table and prints its figures; {@code score} and
 * {@code evaluate} take a copy by name; {@code explain} passes its sanity check on the trained model; and the
 * model's next evaluation report shows both.
 */
class ModelOpsIT {

    private static final Pattern FIGURE = Pattern.compile("^(\\w+)=([-+0-9.]+)$", Pattern.MULTILINE);

    @TempDir
    Path tmp;

    @Test
    void compressScoreEvaluateAndExplainFromTheCommandLine() throws Exception {
        Path root = tmp.resolve("warehouse");
        Warehouse warehouse = new Warehouse(root.toString());
        assertThat(StreamTrain.execute(command(root, "pipeline", "--stages", "produce,ingest,preprocess,train",
                "--input", Fixtures.fashionSlice().toString(), "--format", "idx", "--run-id", "m1",
                "--set", "train.epochs=4"))).isZero();

        String compressed = printed(command(root, "compress", "--model", "m1", "--run-id", "c1"));
        Map<String, Double> figures = figures(compressed);
        assertThat(figures).containsKeys("fp16_size_ratio", "fp16_accuracy_delta", "int8_size_ratio",
                "int8_accuracy_delta", "pruned_size_ratio", "pruned_accuracy_delta");
        // The target for the default MLP: the 8-bit copy at least 3.5x smaller, accuracy within 0.5 points
        // (here on a test split of a few hundred rows, where one row is more than 0.2 points).
        assertThat(figures.get("int8_size_ratio")).isGreaterThan(3.5);
        assertThat(figures.get("fp16_size_ratio")).isBetween(1.8, 2.2);
        assertThat(Math.abs(figures.get("int8_accuracy_delta"))).isLessThanOrEqualTo(0.01);
        for (String copy : List.of("fp16", "int8", "pruned")) {
            assertThat(Path.of(warehouse.model("m1"), "compressed", copy, "weights.zip")).isRegularFile();
        }

        assertThat(StreamTrain.execute(command(root, "score", "--model", "m1:int8", "--input", "landing",
                "--run-id", "s1"))).isZero();
        assertThat(StreamTrain.execute(command(root, "evaluate", "--model", "m1:int8", "--run-id", "e-int8")))
                .isZero();

        String explained = printed(command(root, "explain", "--model", "m1", "--run-id", "x1"));
        double correlation = figures(explained).get("sanity_rank_correlation");
        assertThat(correlation).isLessThan(0.5);
        assertThat(explained).contains("sanity_check=passed");
        try (Stream<Path> pngs = Files.list(Path.of(warehouse.report("x1"), "explanations"))) {
            assertThat(pngs.filter(p -> p.toString().endsWith(".png")).count()).isGreaterThan(10);
        }

        assertThat(StreamTrain.execute(command(root, "evaluate", "--model", "m1", "--run-id", "e1"))).isZero();
        String index = Files.readString(Path.of(warehouse.report("e1"), "index.html"));
        assertThat(index).contains("<h2>Compressed copies</h2>").contains("<td>int8</td>")
                .contains("<h2>Explanations</h2>")
                .contains(String.format(java.util.Locale.ROOT, "mean Spearman rank correlation %.4f", correlation));

        // A new training of the run id makes the copies and the explanations stale: they are deleted, and the next
        // report does not show them.
        assertThat(StreamTrain.execute(command(root, "train", "--run-id", "m1", "--set", "train.epochs=1"))).isZero();
        assertThat(Path.of(warehouse.model("m1"), "compressed")).doesNotExist();
        assertThat(Path.of(warehouse.model("m1"), "explanations.html")).doesNotExist();
        assertThat(StreamTrain.execute(command(root, "evaluate", "--model", "m1", "--run-id", "e2"))).isZero();
        assertThat(Files.readString(Path.of(warehouse.report("e2"), "index.html")))
                .doesNotContain("<h2>Compressed copies</h2>").doesNotContain("<h2>Explanations</h2>");

        SparkSession spark = LocalRuns.session();
        try {
            List<Row> compression = spark.read().parquet(warehouse.table(Table.COMPRESSION))
                    .where("run_id = 'c1'").orderBy("copy").collectAsList();
            assertThat(compression).extracting(r -> r.<String>getAs("copy"))
                    .containsExactly("fp16", "int8", "original", "pruned");
            assertThat(compression).allSatisfy(r -> assertThat(r.<Double>getAs("agreement")).isBetween(0.9, 1.0));
            long landed = spark.read().parquet(warehouse.table(Table.LANDING)).count();
            assertThat(spark.read().parquet(warehouse.table(Table.SCORES)).where("run_id = 's1'")
                    .where("model_id = 'm1:int8'").count()).isEqualTo(landed);
            assertThat(spark.read().parquet(warehouse.table(Table.EVALUATION)).where("run_id = 'e-int8'")
                    .select("model_id").distinct().collectAsList()).extracting(r -> r.getString(0))
                    .containsExactly("m1:int8");
            // Every command is in the run record, as the pipeline's stages are.
            assertThat(spark.read().parquet(warehouse.table(Table.RUNS)).where("run_id IN ('c1', 's1', 'x1')")
                    .where("status = 'succeeded'").select("stage").collectAsList()).extracting(r -> r.getString(0))
                    .containsExactlyInAnyOrder("compress", "score", "explain");
        } finally {
            spark.stop();
        }
    }

    private static String[] command(Path warehouse, String subcommand, String... args) {
        return LocalRuns.command(warehouse, "modelops-it", subcommand, args);
    }

    /** Runs a command in this JVM, expects exit 0, and returns what it printed. */
    private static String printed(String[] command) {
        PrintStream stdout = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            assertThat(StreamTrain.execute(command)).isZero();
        } finally {
            System.setOut(stdout);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        stdout.print(text);
        return text;
    }

    /** The {@code name=number} lines of a command's output. */
    private static Map<String, Double> figures(String printed) {
        Matcher m = FIGURE.matcher(printed);
        Map<String, Double> out = new java.util.HashMap<>();
        while (m.find()) {
            out.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        return out.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }
}
