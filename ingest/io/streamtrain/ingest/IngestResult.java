package io.streamtrain.ingest;

/**
 * Counts of one ingest run. {@code read == landed + quarantined} always holds.
 *
 * @param batches     micro-batches that ran
 * @param read        Kafka records read
 * @param landed      records written to landing
 * @param quarantined records written to quarantine
 */
public record IngestResult(long batches, long read, long landed, long quarantined) {

    public IngestResult plus(long[] counts) {
        return plus(counts[0], counts[1], counts[2]);
    }

    public IngestResult plus(long read, long landed, long quarantined) {
        return new IngestResult(batches + 1, this.read + read, this.landed + landed, this.quarantined + quarantined);
    }
}
