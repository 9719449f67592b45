package io.streamtrain.core;

import io.streamtrain.testing.SparkLocalTest;
import org.apache.spark.api.java.JavaRDD;
import org.junit.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Results handed back by the tasks of an action are folded in partition order, whatever order the tasks finish
 * in; a partition computed twice counts once; a missing one is an error, never a silent undercount.
 */
public class PartitionResultsSparkTest extends SparkLocalTest {

    @Test
    public void foldsEachPartitionOnceInPartitionOrder() {
        PartitionResults<ArrayList<Integer>> results = PartitionResults.register(jsc(),
                (a, b) -> {
                    a.addAll(b);
                    return a;
                });
        JavaRDD<Integer> rows = jsc().parallelize(IntStream.range(0, 40).boxed().toList(), 8)
                .mapPartitionsWithIndex((index, it) -> {
                    ArrayList<Integer> seen = new ArrayList<>();
                    List<Integer> out = new ArrayList<>();
                    it.forEachRemaining(v -> {
                        seen.add(v);
                        out.add(v);
                    });
                    if (index % 2 == 0) {
                        // Even partitions finish last.
                        Thread.sleep(50);
                    }
                    results.put(index, seen);
                    return out.iterator();
                }, false);
        assertThat(rows.count()).isEqualTo(40);
        // A second action recomputes every partition: nothing is counted twice.
        assertThat(rows.count()).isEqualTo(40);
        assertThat(results.merged(8)).containsExactlyElementsOf(IntStream.range(0, 40).boxed().toList());
    }

    @Test
    public void aMissingPartitionIsAnError() {
        PartitionResults<Integer> results = PartitionResults.register(jsc(), Integer::sum);
        jsc().parallelize(List.of(1, 2, 3, 4), 4).foreachPartition(it -> {
            int v = it.next();
            if (v != 3) {
                results.put(v - 1, v);
            }
        });
        assertThatThrownBy(() -> results.merged(4)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("expected the results of 4 partitions, got the first 2 and [3]");
    }
}
