package io.streamtrain.ingest;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What an ingest killed inside a micro-batch or a range run leaves in the tables is gone before the next run writes; data stays. */
class StagingLeftoversTest {

    @Test
    void removesOnlyTheStagingFolders(@TempDir Path warehouse) throws IOException {
        Path landing = warehouse.resolve("landing");
        Path quarantine = warehouse.resolve("quarantine");
        Path staging = Files.createDirectories(landing.resolve(".spark-staging-6f1c/batch=stream-3"));
        Files.writeString(staging.resolve("part-0.parquet"), "half a batch");
        Files.createDirectories(quarantine.resolve(".spark-staging-77aa"));
        // A range run's task attempts write under a staging folder of their own.
        Path rangeStaging = Files.createDirectories(landing.resolve(RangeReader.STAGING_PREFIX
                + "batch=range-r1/attempt-3/ingest_date=2026-11-29/batch=range-r1"));
        Files.writeString(rangeStaging.resolve("part-0-0.zstd.parquet"), "a task's file");
        Path kept = Files.createDirectories(landing.resolve("ingest_date=2026-11-29/batch=stream-2"));
        Files.writeString(kept.resolve("part-0.parquet"), "landed");
        Files.writeString(landing.resolve("_SUCCESS"), "");

        IngestJob.removeStagingLeftovers(new Configuration(), List.of(landing.toString(), quarantine.toString(),
                warehouse.resolve("ingest_audit").toString()));

        try (var left = Files.list(landing)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("ingest_date=2026-11-29",
                    "_SUCCESS");
        }
        try (var left = Files.list(quarantine)) {
            assertThat(left).isEmpty();
        }
        assertThat(kept.resolve("part-0.parquet")).hasContent("landed");
    }
}
