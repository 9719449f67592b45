package io.streamtrain.core;

import io.streamtrain.testing.SparkLocalTest;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.junit.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Spark local: the merge of per-partition results keeps partition order and sends the driver a bounded number. */
public class InOrderSparkTest extends SparkLocalTest {

    private static final int PARTITIONS = 1_100;

    @Test
    public void manyPartitionsMergeInOrderAndTheDriverReceivesAtMostFanInResults() throws Exception {
        AtomicInteger results = new AtomicInteger();
        SparkListener resultTasks = new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                if (end.taskType().equals("ResultTask")) {
                    results.incrementAndGet();
                }
            }
        };
        sc().addSparkListener(resultTasks);
        List<Integer> merged;
        try {
            // Concatenation is associative but not commutative: any merge out of partition order shows in the list.
            merged = InOrder.fold(new ArrayList<>(List.of(-1)), singletons(2 * PARTITIONS), InOrderSparkTest::concat);
            sc().listenerBus().waitUntilEmpty();
        } finally {
            sc().removeSparkListener(resultTasks);
        }
        assertThat(merged).containsExactlyElementsOf(IntStream.range(-1, 2 * PARTITIONS).boxed().toList());
        assertThat(results.get()).as("results the driver received").isPositive().isLessThanOrEqualTo(InOrder.FAN_IN);
    }

    @Test
    public void fewPartitionsAndEmptyOnes() {
        assertThat(InOrder.reduce(singletons(3), InOrderSparkTest::concat)).containsExactly(0, 1, 2);
        JavaRDD<List<Integer>> empty = jsc().parallelize(List.<List<Integer>>of(), 40);
        assertThat(InOrder.reduce(empty, InOrderSparkTest::concat)).isNull();
        assertThat(InOrder.fold(List.of(7), empty, InOrderSparkTest::concat)).containsExactly(7);
    }

    private JavaRDD<List<Integer>> singletons(int n) {
        List<List<Integer>> values = IntStream.range(0, n).<List<Integer>>mapToObj(i -> new ArrayList<>(List.of(i)))
                .toList();
        return jsc().parallelize(values, Math.max(1, n / 2));
    }

    private static List<Integer> concat(List<Integer> a, List<Integer> b) {
        List<Integer> both = new ArrayList<>(a);
        both.addAll(b);
        return both;
    }
}
