package io.streamtrain.jobs;

import io.streamtrain.core.Warehouse;
import io.streamtrain.core.table.Table;
import io.streamtrain.testing.ChildJvm;
import io.streamtrain.testing.Fixtures;
import io.streamtrain.testing.LocalRuns;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A warehouse on a small file system of its own (a tmpfs, which needs root to mount; the test is skipped without)
 * that runs out of space during ingest and during preprocess: each stage ends with one line that names the full disk
 * and the command that continues, and once space is freed that command completes with every record landed and
 * curated once.
 */
class DiskFullIT {

    /** Room for the slice's broker log, landing and curated tables, with space to spare. */
    private static final String SIZE = "96m";
    /** What the filler leaves free: less than any stage writes. */
    private static final long LEFT = 16 << 10;

    @TempDir
    Path tmp;

    /** A log line's start, as log4j writes it here: {@code 26/12/07 05:04:05 INFO} or {@code 05:04:05 INFO}. */
    private static final Pattern LOG_LINE = Pattern.compile("^(\\d\\d/\\d\\d/\\d\\d )?\\d\\d:\\d\\d:\\d\\d [A-Z]+ ");

    private Path mount;

    @AfterEach
    void unmount() throws Exception {
        if (mount != null) {
            run("umount", "-l", mount.toString());
        }
    }

    @Test
    void aFullDiskEndsAStageWithOneLineAndTheContinuationCompletesIt() throws Exception {
        mount = Files.createDirectories(tmp.resolve("small-disk"));
        Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=" + SIZE, "tmpfs", mount.toString()) == 0,
                "mounting a tmpfs needs root");
        Path warehouse = mount.resolve("warehouse");
        Path filler = mount.resolve("filler");
        assertThat(StreamTrain.execute(LocalRuns.command(warehouse, "full-it", "produce", "--input",
                Fixtures.fashionSlice().toString(), "--format", "idx"))).isZero();

        for (String stage : List.of("ingest", "preprocess")) {
            String[] command = LocalRuns.command(warehouse, "full-it", stage, "--run-id", "day1");
            fill(filler);
            assertOneLineNamingTheFullDisk(execute(command), "streamtrain " + stage + " --run-id day1");
            Files.delete(filler);
            assertThat(StreamTrain.execute(command)).as(stage + " again, with space").isZero();
        }

        Warehouse w = new Warehouse(warehouse.toString());
        SparkSession spark = LocalRuns.session();
        try {
            long landed = spark.read().parquet(w.table(Table.LANDING)).count();
            long landedIds = spark.read().parquet(w.table(Table.LANDING)).select("id").distinct().count();
            long curated = spark.read().parquet(w.table(Table.CURATED)).count();
            assertThat(landed).as("every image of the slice landed once").isEqualTo(Fixtures.SLICE_IMAGES)
                    .isEqualTo(landedIds);
            assertThat(curated).as("and was curated once").isEqualTo(landed);
        } finally {
            spark.stop();
        }
    }

    private static void assertOneLineNamingTheFullDisk(Failure failure, String continuation) {
        assertThat(failure.exit).as(failure.stderr).isEqualTo(StreamTrain.FAILED);
        List<String> ours = failure.stderr.lines().filter(l -> l.startsWith("streamtrain")).toList();
        assertThat(ours).as(failure.stderr).hasSize(1);
        assertThat(ours.get(0)).contains("the disk is full", "No space left on device", continuation);
        // Spark's and Kafka's logs (on stderr in this JVM) have their traces, also after the command's line: the
        // embedded broker's shutdown hook logs the full disk with one. No trace follows the line itself.
        String after = failure.stderr.substring(failure.stderr.indexOf(ours.get(0)) + ours.get(0).length());
        List<String> untilTheNextLogLine = after.lines().dropWhile(String::isBlank)
                .takeWhile(l -> !LOG_LINE.matcher(l).find()).toList();
        assertThat(untilTheNextLogLine).noneMatch(l -> l.matches("\\s+at [\\w$.]+\\(.*"));
    }

    /** Fills the file system of {@code filler} up to {@link #LEFT} free bytes. */
    private static void fill(Path filler) throws IOException {
        long free = Files.getFileStore(filler.getParent()).getUsableSpace();
        try (RandomAccessFile file = new RandomAccessFile(filler.toFile(), "rw")) {
            byte[] block = new byte[1 << 20];
            long left = free - LEFT;
            while (left > 0) {
                int n = (int) Math.min(block.length, left);
                file.write(block, 0, n);
                left -= n;
            }
        }
    }

    private record Failure(int exit, String stderr) {
    }

    /** {@code args} in a JVM of its own, as a scheduler runs a command: the failure must end that process. */
    private Failure execute(String[] args) throws Exception {
        Path out = tmp.resolve("out.txt");
        Path err = tmp.resolve("err.txt");
        Process p = ChildJvm.start(List.of(args), out, err);
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("ended within 5 minutes: %s", Files.readString(err)).isTrue();
        return new Failure(p.exitValue(), Files.readString(err, StandardCharsets.UTF_8));
    }

    private static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }
}
