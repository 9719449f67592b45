package io.streamtrain.core;

import io.streamtrain.testing.SparkLocalTest;
import org.junit.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** Spark local: a long stage is reported while it runs, with tasks, records and time left, and once when it ends. */
public class SparkProgressSparkTest extends SparkLocalTest {


    @Test
    public void aLongStageReportsItsTasksRecordsRateAndTimeLeftThenItsEnd() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        SparkProgress progress = new SparkProgress(0.5, lines::add);
        sc().addSparkListener(progress);
        try {
            // Eight tasks of 1,000 numbers, each pausing once; every number goes through the shuffle (no combining),
            // so the first stage writes 8,000 records whatever the session's file settings.
            long count = jsc().parallelize(java.util.stream.IntStream.range(0, 8_000).boxed().toList(), 8)
                    .mapToPair(i -> {
                        if (i % 1_000 == 0) {
                            Thread.sleep(600);
                        }
                        return new scala.Tuple2<>(i, i);
                    })
                    .partitionBy(new org.apache.spark.HashPartitioner(2))
                    .count();
            assertThat(count).isEqualTo(8_000);
            sc().listenerBus().waitUntilEmpty();
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
