package io.streamtrain.evaluate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.Warehouse;
import io.streamtrain.core.table.CuratedTable;
import io.streamtrain.core.table.Ledger;
import io.streamtrain.core.table.Split;
import io.streamtrain.core.table.Table;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.UncheckedIOException;
import java.util.List;

import static org.apache.spark.sql.functions.col;

/**
 * The test rows an evaluation run scores: those of the preprocess runs committed when its first attempt began, kept in
 * one JSON file per run id under the warehouse. A retry, or a scheduler's clear of an earlier date after later days
 * curated more, scores the same rows and so writes the same tables.
 */
final class TestRows {

    static final String PINS = "evaluate/test-rows";
    private static final ObjectMapper JSON = new ObjectMapper();

    private TestRows() {
    }

    /** The test split of evaluation run {@code runId}, pinned to its preprocess runs on the first attempt. */
    static Dataset<Row> of(SparkSession spark, HadoopFiles files, Warehouse warehouse, String runId) {
        Dataset<Row> test = CuratedTable.split(spark, warehouse, Split.TEST);
        List<String> runs = pinned(files, warehouse, runId);
        return test.where(col(CuratedTable.RUN).isin(runs.toArray()));
    }

    private static List<String> pinned(HadoopFiles files, Warehouse warehouse, String runId) {
        String path = warehouse.internal(PINS) + "/" + runId + ".json";
        try {
            if (files.exists(path)) {
                return JSON.readValue(files.readString(path), new TypeReference<List<String>>() { });
            }
            List<String> runs = Ledger.load(files, warehouse.table(Table.CURATED)).runs().stream()
                    .map(Ledger.Run::runId).toList();
            files.writeString(path, JSON.writeValueAsString(runs));
            return runs;
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("Cannot read " + path, e);
        }
    }
}
