package io.streamtrain.jobs;

import io.streamtrain.core.table.Table;
import io.streamtrain.core.Warehouse;
import io.streamtrain.testing.LandingFixtures;
import io.streamtrain.testing.LocalRuns;
import io.streamtrain.testing.Stderr;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.util.Arrays;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Parquet modular encryption with the local key file: the curated files have encrypted footers and cannot be read
 * without the keys, and preprocess, train, evaluate and {@code sql} read them back with the keys.
 */
class EncryptionIT {

    @TempDir
    Path tmp;

    private String[] command(String subcommand, Path keyFile, String... args) {
        List<String> all = new ArrayList<>(List.of(LocalRuns.command(tmp.resolve("warehouse"), "encryption-it",
                subcommand, "--set", "schema.feature-count=3", "--set", "schema.labels=[a, b, c]")));
        if (keyFile != null) {
            all.addAll(List.of("--set", "encryption.kms=local-key-file",
                    "--set", "encryption.master-key-file=" + keyFile));
        }
        all.addAll(List.of(args));
        return all.toArray(String[]::new);
    }

    @Test
    void curatedColumnsAreUnreadableWithoutTheKeyAndReadBackWithIt() throws Exception {
        Path keys = tmp.resolve("master-keys.properties");
        Files.writeString(keys, "columns = " + Base64.getEncoder().encodeToString("0123456789abcdef".getBytes(
                StandardCharsets.US_ASCII)) + "\nfooter = " + Base64.getEncoder().encodeToString(
                "fedcba9876543210".getBytes(StandardCharsets.US_ASCII)) + "\n");
        Warehouse warehouse = new Warehouse(tmp.resolve("warehouse").toString());
        List<Row> rows = new ArrayList<>(LandingFixtures.separable("id-", 400, 1, 0, 0, "stream-0"));
        SparkSession spark = LocalRuns.session();
        try {
            LandingFixtures.land(spark, warehouse, rows);
        } finally {
            spark.stop();
        }

        assertThat(StreamTrain.execute(command("pipeline", keys, "--stages", "preprocess,train,evaluate",
                "--run-id", "enc-1", "--set", "preprocess.test-fraction=0.2", "--set", "train.epochs=3",
                "--set", "train.mlp.hidden-layers=[8]", "--set", "train.early-stopping-patience=0"))).isZero();
        assertThat(Files.readString(tmp.resolve("warehouse/reports/enc-1/metrics.csv"))).contains("overall,accuracy,");

        List<Path> files;
        try (Stream<Path> walk = Files.walk(tmp.resolve("warehouse/curated"))) {
            files = walk.filter(p -> p.toString().endsWith(".parquet")).toList();
        }
        assertThat(files).isNotEmpty();
        for (Path f : files) {
            // An encrypted footer ends a Parquet file with "PARE" instead of "PAR1".
            try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "r")) {
                byte[] magic = new byte[4];
                raf.seek(raf.length() - 4);
                raf.readFully(magic);
                assertThat(new String(magic, StandardCharsets.US_ASCII)).as(f.toString()).isEqualTo("PARE");
            }
        }
        SparkSession keyless = LocalRuns.session();
        try {
            assertThatThrownBy(() -> keyless.read().parquet(warehouse.table(Table.CURATED)).count())
                    .as("without the key").isInstanceOf(Exception.class).hasStackTraceContaining("ncrypted footer");
            assertThat(keyless.read().parquet(warehouse.table(Table.LANDING)).count())
                    .as("other tables stay plain").isEqualTo(400);
        } finally {
            keyless.stop();
        }
        assertThat(StreamTrain.execute(command("sql", keys,
                "SELECT split, count(*) FROM curated GROUP BY split"))).isZero();

        keylessIsRefused("sql", "SELECT count(*) FROM curated");
        keylessIsRefused("train", "--run-id", "keyless");
        keylessIsRefused("evaluate", "--model", "enc-1", "--run-id", "keyless-eval");
        assertThat(tmp.resolve("warehouse/models/keyless")).as("nothing started").doesNotExist();
    }

    /** Without the keys, a reader of the curated table is told in one line what to give, before any job starts. */
    private void keylessIsRefused(String... args) {
        Stderr run = Stderr.of(() -> StreamTrain.execute(command(args[0], null,
                Arrays.copyOfRange(args, 1, args.length))));
        String stderr = run.stderr();
        assertThat(run.exit()).as(stderr).isEqualTo(StreamTrain.USAGE);
        List<String> ours = run.lines("streamtrain");
        assertThat(ours).as(stderr).hasSize(1);
        assertThat(ours.get(0)).contains("curated", "encrypted", "encryption.kms", "encryption.master-key-file");
        assertThat(stderr).doesNotContainPattern("(?m)^\\s+at [\\w$.]+\\(");
    }
}
