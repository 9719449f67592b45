package io.streamtrain.testing;

import io.streamtrain.core.Warehouse;
import io.streamtrain.core.table.Table;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a warehouse holds, for comparing two of them: every table's rows (sorted, clock columns left out) and every
 * other file's content digest (a zip by its entries, a JSON or text file without its clock fields). What may differ is
 * named here and nowhere else: the columns and fields that record when something happened or how long it took, the
 * instants in names and texts (scaler versions, report folders), the random name Spark gives each write's files, and
 * what the caller names as the run's surroundings (the warehouse's own path, the broker's address). Tables are
 * compared by their rows because Parquet footers differ between JVMs (parquet-mr lists a column's encodings from a
 * hash set).
 */
public record WarehouseSnapshot(Map<String, List<String>> tables, Map<String, String> files) {

    /** Wall-clock columns and fields: when something happened and how fast it went, never what it computed. */
    public static final Set<String> CLOCK = Set.of("written_at", "started_at", "ended_at", "seconds",
            "samples_per_sec", "samplesPerSec", "evaluated_at", "decided_at", "scored_at", "created_at", "profiled_at",
            "kafka_timestamp", "timestamp");
    /** Spark's per-write file name: part-00000-UUID.c000 */
    private static final Pattern WRITE_ID = Pattern.compile(
            "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    /** An instant in a name or a text: 20261206T171640.311Z, 2026-12-06T17:16:40.311Z. */
    private static final Pattern INSTANT = Pattern.compile(
            "\\d{8}T\\d{6}(\\.\\d+)?Z|\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:?\\d{2})?");

    /** The snapshot of the warehouse at {@code root}; {@code surroundings} are replaced by their names. */
    public static WarehouseSnapshot of(Path root, Map<String, String> surroundings) {
        Map<String, String> replaced = new TreeMap<>(surroundings);
        replaced.put(root.toString(), "<warehouse>");
        Warehouse warehouse = new Warehouse(root.toString());
        Map<String, List<String>> tables = new TreeMap<>();
        SparkSession spark = LocalRuns.session();
        try {
            for (Table table : Table.values()) {
                Path path = Path.of(warehouse.table(table));
                if (Files.isDirectory(path) && hasParquet(path)) {
                    tables.put(table.viewName(), rows(spark.read().parquet(path.toString()), replaced));
                }
            }
        } finally {
            spark.stop();
        }
        return new WarehouseSnapshot(tables, files(root, replaced));
    }

    /** The snapshot of the warehouse at {@code root}. */
    public static WarehouseSnapshot of(Path root) {
        return of(root, Map.of());
    }

    /** The tables and files that differ, each as "name: this -> other" (or "absent"). */
    public List<String> differences(WarehouseSnapshot other) {
        List<String> out = new ArrayList<>(differences(tables, other.tables));
        out.addAll(differences(files, other.files));
        return out;
    }

    private static <V> List<String> differences(Map<String, V> before, Map<String, V> after) {
        Set<String> keys = new TreeSet<>(before.keySet());
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
            } else if (!Objects.equals(a, b)) {
                out.add(key + ": " + (a == null ? "absent" : a) + "\n  -> " + (b == null ? "absent" : b));
            }
        }
        return out;
    }

    private static List<String> rows(Dataset<Row> table, Map<String, String> surroundings) {
        List<Column> kept = new ArrayList<>();
        for (String name : table.columns()) {
            if (!CLOCK.contains(name)) {
                kept.add(col(name));
            }
        }
        List<String> rows = new ArrayList<>();
        for (Row row : table.select(kept.toArray(Column[]::new)).collectAsList()) {
            rows.add(neutral(row.json(), surroundings));
        }
        rows.sort(null);
        assertThat(new HashSet<>(rows)).as("no duplicate rows").hasSameSizeAs(rows);
        return rows;
    }

    private static boolean hasParquet(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.anyMatch(p -> p.toString().endsWith(".parquet"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Files by name; names that become equal once their instants are replaced are told apart by a count. */
    private static Map<String, String> files(Path root, Map<String, String> surroundings) {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
                String name = root.relativize(p).toString();
                if (name.startsWith("_kafka") || name.endsWith(".crc")) {
                    continue;
                }
                String neutral = INSTANT.matcher(WRITE_ID.matcher(name).replaceAll("<write>")).replaceAll("<time>");
                String key = neutral;
                for (int n = 2; files.containsKey(key); n++) {
                    key = neutral + " #" + n;
                }
                files.put(key, name.endsWith(".parquet") ? "parquet" : digest(p, surroundings));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    private static String digest(Path file, Map<String, String> surroundings) throws IOException {
        String name = file.getFileName().toString();
        if (name.endsWith(".zip")) {
            StringBuilder entries = new StringBuilder();
            try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(file))) {
                for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                    byte[] bytes = zip.readAllBytes();
                    String digest = isText(e.getName())
                            ? sha(text(new String(bytes, StandardCharsets.UTF_8), surroundings)) : sha(bytes);
                    entries.append(e.getName()).append('=').append(digest).append(' ');
                }
            }
            return entries.toString();
        }
        if (!isText(name)) {
            try (InputStream in = Files.newInputStream(file)) {
                return sha(in.readAllBytes());
            }
        }
        return text(Files.readString(file), surroundings);
    }

    private static boolean isText(String name) {
        return name.matches(".*\\.(json|md|csv|html|conf|txt)");
    }

    /** A text without its clock fields and instants, its surroundings replaced by their names. */
    private static String text(String text, Map<String, String> surroundings) {
        for (String field : CLOCK) {
            text = text.replaceAll("\"" + field + "\"\\s*:\\s*(\"[^\"]*\"|[-0-9.eE]+)", "\"" + field + "\":<clock>");
        }
        return neutral(text, surroundings);
    }

    private static String neutral(String text, Map<String, String> surroundings) {
        for (Map.Entry<String, String> e : surroundings.entrySet()) {
            text = text.replace(e.getKey(), e.getValue());
        }
        return INSTANT.matcher(WRITE_ID.matcher(text).replaceAll("<write>")).replaceAll("<time>");
    }

    private static String sha(String text) {
        return sha(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String sha(byte[] bytes) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(bytes);
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
