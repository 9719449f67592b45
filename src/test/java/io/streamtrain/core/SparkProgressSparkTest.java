package io.streamtrain.core;

import io.streamtrain.testing.SparkLocalTest;
import org.junit.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** Spark local: a long stage is reported while it runs, with tasks, records and time left, and once when it ends. */
public class SparkProgressSparkTest extends SparkLocalTest {

    @org.junit.Rule
    public org.junit.rules.TemporaryFolder tmp = new org.junit.rules.TemporaryFolder();

    @Test
    public void aLongStageReportsItsTasksRecordsRateAndTimeLeftThenItsEnd() {
        List<String> lines = new CopyOnWriteArrayList<>();
        SparkProgress progress = new SparkProgress(0.5, lines::add);
        sc().addSparkListener(progress);
        try {
            String path = tmp.getRoot() + "/numbers";
            spark().range(0, 8_000, 1, 8).write().parquet(path);
            long sum = spark().read().parquet(path).javaRDD()
                    .map(row -> {
                        long i = row.getLong(0);
                        if (i % 1_000 == 0) {
                            Thread.sleep(600);
                        }
                        return i;
                    })
                    .reduce(Long::sum);
            assertThat(sum).isEqualTo(8_000L * 7_999 / 2);
        } finally {
            sc().removeSparkListener(progress);
            progress.stop();
        }
        List<String> running = lines.stream().filter(l -> l.contains("tasks,") && l.contains(" s in,")).toList();
        assertThat(running).as("%s", lines).isNotEmpty();
        assertThat(running).anyMatch(l -> l.matches("progress: \\w+ at SparkProgressSparkTest\\.java:\\d+ \\(stage"
                + " \\d+\\): [1-7]/8 tasks, [\\d,]+ records \\([\\d,]+ records/s\\), \\d+ s in, about \\d+ s left"));
        assertThat(lines).as("a line when a reported stage ends").anyMatch(l -> l.matches("progress: \\w+ at"
                + " SparkProgressSparkTest\\.java:\\d+ \\(stage \\d+\\) done in \\d+ s: 8 tasks, 8,000 records"
                + " \\([\\d,]+ records/s\\)"));
    }
}
