package io.streamtrain.jobs;

import io.streamtrain.core.table.Table;
import io.streamtrain.core.Warehouse;
import io.streamtrain.testing.Fixtures;
import io.streamtrain.testing.LocalRuns;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A retried scheduled task must not change what its first attempt left: every stage, run a second time with the same
 * run id, leaves the same tables (row for row, no duplicates) and the same files. What may differ is named here and
 * nowhere else: the columns and fields that record when a run happened or how long it took, the random name Spark
 * gives each write's files, and the bytes of Parquet footers (parquet-mr lists a column's encodings from a hash set, in
 * an order that changes from one JVM to the next), which is why tables are compared by their rows.
 */
class ReRunIT {

    /** Wall-clock columns and fields: when a run happened and how fast it went, never what it computed. */
    private static final Set<String> CLOCK = Set.of("written_at", "started_at", "ended_at", "seconds",
            "samples_per_sec", "samplesPerSec", "evaluated_at", "decided_at", "scored_at", "created_at", "profiled_at");
    /** Spark's per-write file name: part-00000-UUID.c000 */
    private static final Pattern WRITE_ID = Pattern.compile(
            "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    /** Images in the Fashion-MNIST slice. */
    private static final long FIXTURE_RECORDS = 4_000;

    @TempDir
    Path tmp;

    @Test
    void everyStageRunTwiceWithTheSameRunIdLeavesTheSameTablesAndFiles() {
        Path warehouse = tmp.resolve("warehouse");
        String slice = Fixtures.fashionSlice().toString();
        List<String[]> stages = List.of(
                new String[]{"produce", "--run-id", "p1", "--input", slice, "--format", "idx"},
                new String[]{"ingest", "--mode", "range", "--run-id", "d1"},
                new String[]{"preprocess", "--run-id", "d1"},
                new String[]{"train", "--run-id", "m1", "--set", "train.epochs=2"},
                new String[]{"evaluate", "--run-id", "m1", "--model", "m1", "--gate"},
                new String[]{"score", "--run-id", "s1", "--model", "m1", "--input", "landing"});
        for (String[] stage : stages) {
            if (stage[0].equals("ingest")) {
                // Another input under produce's run id is refused before anything is sent.
                String other = tmp.resolve("other.jsonl").toString();
                writeOneRecord(other);
                assertThat(run(warehouse, new String[]{"produce", "--run-id", "p1", "--input", other, "--format",
                        "jsonl"})).as("another input under a used produce run id").isEqualTo(2);
            }
            assertThat(run(warehouse, stage)).as("first %s", stage[0]).isZero();
            Snapshot first = Snapshot.of(warehouse);
            assertThat(run(warehouse, stage)).as("second %s", stage[0]).isZero();
            Snapshot second = Snapshot.of(warehouse);
            assertThat(differences(first.files(), second.files())).as("files after %s twice", stage[0]).isEmpty();
            assertThat(differences(first.tables(), second.tables())).as("tables after %s twice", stage[0]).isEmpty();
        }
        SparkSession spark = LocalRuns.session();
        try {
            Dataset<Row> landing = spark.read().parquet(new Warehouse(warehouse.toString()).table(Table.LANDING));
            assertThat(landing.count()).as("each record published and landed once")
                    .isEqualTo(landing.select("id").distinct().count()).isEqualTo(FIXTURE_RECORDS);
        } finally {
            spark.stop();
        }
    }

    /** The entries of two maps that differ, each as "key: before -> after" (or "absent"). */
    private static <V> List<String> differences(Map<String, V> before, Map<String, V> after) {
        Set<String> keys = new java.util.TreeSet<>(before.keySet());
        keys.addAll(after.keySet());
        List<String> out = new ArrayList<>();
        for (String key : keys) {
            V a = before.get(key);
            V b = after.get(key);
            if (a instanceof List<?> rowsBefore && b instanceof List<?> rowsAfter && !a.equals(b)) {
                List<Object> gone = new ArrayList<>(rowsBefore);
                gone.removeAll(rowsAfter);
                List<Object> added = new ArrayList<>(rowsAfter);
                added.removeAll(rowsBefore);
                out.add(key + ": " + rowsBefore.size() + " -> " + rowsAfter.size() + " rows; gone "
                        + gone.subList(0, Math.min(3, gone.size())) + "; added "
                        + added.subList(0, Math.min(3, added.size())));
            } else if (!java.util.Objects.equals(a, b)) {
                out.add(key + ": " + (a == null ? "absent" : a) + "\n  -> " + (b == null ? "absent" : b));
            }
        }
        return out;
    }

    private static void writeOneRecord(String path) {
        try {
            Files.writeString(Path.of(path), "{\"id\":\"other-1\",\"ts\":1,\"label\":0,\"features\":[0]}\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int run(Path warehouse, String[] stage) {
        String[] rest = java.util.Arrays.copyOfRange(stage, 1, stage.length);
        return StreamTrain.execute(LocalRuns.command(warehouse, "rerun-it", stage[0], rest));
    }

    /**
     * What a warehouse holds: every table's rows (sorted, clock columns left out) and every other file's content
     * digest (a zip by its entries, a JSON or text file without its clock fields), under names with Spark's write ids
     * replaced.
     */
    private record Snapshot(Map<String, List<String>> tables, Map<String, String> files) {

        static Snapshot of(Path root) {
            Warehouse warehouse = new Warehouse(root.toString());
            Map<String, List<String>> tables = new TreeMap<>();
            SparkSession spark = LocalRuns.session();
            try {
                for (Table table : Table.values()) {
                    Path path = Path.of(warehouse.table(table));
                    if (Files.isDirectory(path) && hasParquet(path)) {
                        tables.put(table.viewName(), rows(spark.read().parquet(path.toString())));
                    }
                }
            } finally {
                spark.stop();
            }
            return new Snapshot(tables, files(root));
        }

        private static List<String> rows(Dataset<Row> table) {
            List<Column> kept = new ArrayList<>();
            for (String name : table.columns()) {
                if (!CLOCK.contains(name)) {
                    kept.add(col(name));
                }
            }
            List<String> rows = new ArrayList<>();
            for (Row row : table.select(kept.toArray(Column[]::new)).collectAsList()) {
                rows.add(row.json());
            }
            rows.sort(null);
            assertThat(new java.util.HashSet<>(rows)).as("no duplicate rows").hasSameSizeAs(rows);
            return rows;
        }

        private static boolean hasParquet(Path dir) {
            try (Stream<Path> walk = Files.walk(dir)) {
                return walk.anyMatch(p -> p.toString().endsWith(".parquet"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static Map<String, String> files(Path root) {
            Map<String, String> files = new TreeMap<>();
            try (Stream<Path> walk = Files.walk(root)) {
                for (Path p : walk.filter(Files::isRegularFile).toList()) {
                    String name = root.relativize(p).toString();
                    if (name.startsWith("_kafka") || name.endsWith(".crc")) {
                        continue;
                    }
                    files.put(WRITE_ID.matcher(name).replaceAll("<write>"),
                            name.endsWith(".parquet") ? "parquet" : digest(p));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return files;
        }

        private static String digest(Path file) throws IOException {
            String name = file.getFileName().toString();
            if (name.endsWith(".zip")) {
                StringBuilder entries = new StringBuilder();
                try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(file))) {
                    for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                        entries.append(e.getName()).append('=').append(sha(zip)).append(' ');
                    }
                }
                return entries.toString();
            }
            if (!name.matches(".*\\.(json|md|csv|html|conf|txt)")) {
                try (InputStream in = Files.newInputStream(file)) {
                    return sha(in);
                }
            }
            String text = Files.readString(file);
            for (String field : CLOCK) {
                text = text.replaceAll("\"" + field + "\"\\s*:\\s*(\"[^\"]*\"|[-0-9.eE]+)", "\"" + field + "\":<clock>");
            }
            return text;
        }

        private static String sha(InputStream in) throws IOException {
            try {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                sha.update(in.readAllBytes());
                return HexFormat.of().formatHex(sha.digest());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
