package io.streamtrain.ingest;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One Spark task's share of a range run: offsets {@code from} (inclusive) to {@code until} (exclusive) of one
 * partition. A class, not a record: Spark's Kryo ships it to the task.
 */
final class OffsetChunk implements Serializable {

    private static final long serialVersionUID = 1L;

    private final String topic;
    private final int partition;
    private final long from;
    private final long until;

    OffsetChunk(String topic, int partition, long from, long until) {
        this.topic = topic;
        this.partition = partition;
        this.from = from;
        this.until = until;
    }

    /** {@code range} cut into chunks of at most {@code size} offsets, partition by partition. */
    static List<OffsetChunk> of(OffsetRange range, long size) {
        List<OffsetChunk> chunks = new ArrayList<>();
        for (Map.Entry<Integer, Long> end : new TreeMap<>(range.end()).entrySet()) {
            long start = range.start().getOrDefault(end.getKey(), end.getValue());
            for (long from = start; from < end.getValue(); from += size) {
                chunks.add(new OffsetChunk(range.topic(), end.getKey(), from, Math.min(end.getValue(), from + size)));
            }
        }
        return chunks;
    }

    String topic() {
        return topic;
    }

    int partition() {
        return partition;
    }

    long from() {
        return from;
    }

    long until() {
        return until;
    }

    @Override
    public String toString() {
        return topic + "-" + partition + " offsets " + from + " to " + (until - 1);
    }
}
