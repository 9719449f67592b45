package io.streamtrain.ingest;

import java.util.Map;

/**
 * The Kafka offsets one range-mode run reads: per partition, from {@code start} (inclusive) to {@code end}
 * (exclusive).
 *
 * @param topic     the topic
 * @param start     first offset per partition
 * @param end       end offset per partition, exclusive
 * @param committed true once the run's output is written
 */
public record OffsetRange(String topic, Map<Integer, Long> start, Map<Integer, Long> end, boolean committed) {

    public OffsetRange {
        start = Map.copyOf(start);
        end = Map.copyOf(end);
    }

    public long size() {
        return end.entrySet().stream().mapToLong(e -> e.getValue() - start.getOrDefault(e.getKey(), e.getValue()))
                .sum();
    }

    public OffsetRange asCommitted() {
        return new OffsetRange(topic, start, end, true);
    }
}
