package io.streamtrain.ingest;

import io.streamtrain.core.Warehouse;
import io.streamtrain.core.stage.StageResult;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Counts of one ingest run. {@code read == landed + quarantined} always holds.
 *
 * @param batches     micro-batches that ran
 * @param read        Kafka records read
 * @param landed      records written to landing
 * @param quarantined records written to quarantine
 */
public record IngestResult(long batches, long read, long landed, long quarantined) implements StageResult {

    @Override
    public Map<String, Double> counts() {
        Map<String, Double> c = new LinkedHashMap<>();
        c.put("read", (double) read);
        c.put("landed", (double) landed);
        c.put("quarantined", (double) quarantined);
        c.put("batches", (double) batches);
        return c;
    }

    @Override
    public String summary(Warehouse warehouse) {
        return String.format("ingest:     %d read = %d landed + %d quarantined (%d batches)%n", read, landed,
                quarantined, batches);
    }


    public IngestResult plus(long[] counts) {
        return plus(counts[0], counts[1], counts[2]);
    }

    public IngestResult plus(long read, long landed, long quarantined) {
        return new IngestResult(batches + 1, this.read + read, this.landed + landed, this.quarantined + quarantined);
    }
}
