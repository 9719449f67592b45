package io.streamtrain.core;

import io.streamtrain.testing.SparkLocalTest;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Observation;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;
import org.junit.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Stopping a stream (the continuous loop's end, a test, a shutdown) interrupts the micro-batch in flight. Spark ends
 * the query as stopped only when what the batch throws is an interruption it recognises; anything else fails the
 * query, and the command exits 1 (found in CI: {@code ScoreIT} stopped its scorer while a batch waited for its counts).
 */
public class StoppedMidBatchSparkTest extends SparkLocalTest {

    @Test
    public void aStreamStoppedWhileABatchWaitsForItsCountsEndsStoppedNotFailed() throws Exception {
        CountDownLatch waiting = new CountDownLatch(1);
        StreamingQuery query = spark().readStream().format("rate").option("rowsPerSecond", 1).load()
                .writeStream()
                .trigger(Trigger.ProcessingTime(100, TimeUnit.MILLISECONDS))
                .foreachBatch((Dataset<Row> batch, Long id) -> {
                    waiting.countDown();
                    // No action fills this observation: the batch waits until the stop interrupts it.
                    ParquetTables.observed(new Observation("never-filled-" + id));
                })
                .start();
        assertThat(waiting.await(60, TimeUnit.SECONDS)).isTrue();
        query.stop();
        assertThat(query.isActive()).isFalse();
        assertThat(query.exception().isEmpty()).as("the query ended with %s", query.exception()).isTrue();
    }
}
