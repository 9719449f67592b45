package io.streamtrain.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.ParquetTables;
import io.streamtrain.core.table.Table;
import io.streamtrain.core.UserException;
import io.streamtrain.core.Warehouse;
import org.apache.hadoop.fs.FSError;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Predef$;
import scala.collection.JavaConverters;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;


/**
 * What one run did, stage by stage (start, end, status, counts in and out, where the outputs are), written to
 * {@code reports/<run-id>/run.json} and to the {@code runs} table, so that a scheduler or a user sees every run's
 * fate in one query. A run id's stages may run as separate commands (a scheduler runs one stage per task): each
 * command replaces the rows of the stages it ran and keeps the run's other stages, so a re-run of a stage replaces
 * its row and never adds one. Commands of one run id are expected one after another, as a scheduler runs them: two at
 * the same time could each keep the other's old rows.
 */
final class RunLog {

    private static final Logger LOG = LoggerFactory.getLogger(RunLog.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);


    /** One stage's run. */
    record StageRun(String stage, String status, Instant startedAt, Instant endedAt, Map<String, Double> counts,
                    List<String> outputs, String error) {
    }

    private final String runId;
    private final List<StageRun> stages = new ArrayList<>();

    RunLog(String runId) {
        this.runId = runId;
    }

    /** Stage {@code stage} finished with {@code counts}. */
    void succeeded(String stage, Instant start, Map<String, Double> counts, List<String> outputs) {
        stages.add(new StageRun(stage, "succeeded", start, Instant.now(), counts, outputs, null));
    }

    void failed(String stage, Instant start, List<String> outputs, Throwable error) {
        stages.add(new StageRun(stage, "failed", start, Instant.now(), Map.of(), outputs,
                UserException.oneLine(String.valueOf(error.getMessage()))));
    }

    /** The run as JSON: run id and its stages in order, after {@code earlier} (stages other commands ran). */
    String json(List<Map<String, Object>> earlier) {
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("run_id", runId);
        List<Map<String, Object>> list = new ArrayList<>(earlier);
        for (StageRun s : stages) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("stage", s.stage());
            m.put("status", s.status());
            m.put("started_at", s.startedAt().toString());
            m.put("ended_at", s.endedAt().toString());
            m.put("seconds", seconds(s));
            m.put("counts", s.counts());
            m.put("outputs", s.outputs());
            if (s.error() != null) {
                m.put("error", s.error());
            }
            list.add(m);
        }
        run.put("stages", list);
        try {
            return JSON.writeValueAsString(run);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Writes run.json, and the runs table when a session is up (a produce-only run has none), keeping what other
     * commands recorded for the run's other stages. A failure to write is logged, not thrown: the run's own outcome,
     * already decided, must reach the user.
     */
    void write(HadoopFiles files, Warehouse warehouse, SparkSession spark) {
        if (stages.isEmpty()) {
            return;
        }
        Set<String> mine = new HashSet<>();
        stages.forEach(s -> mine.add(s.stage()));
        try {
            String runJson = warehouse.report(runId) + "/run.json";
            files.writeString(runJson, json(earlierStages(files, runJson, mine)));
            if (spark != null) {
                String partition = warehouse.table(Table.RUNS) + "/run_id=" + runId;
                List<Row> rows = new ArrayList<>();
                if (files.containsFile(partition, ".parquet")) {
                    // Collected before the write: Spark cannot overwrite a partition it is reading.
                    for (Row earlier : spark.read().schema(withoutRunId())
                            .parquet(partition).collectAsList()) {
                        if (!mine.contains(earlier.getString(0))) {
                            rows.add(RowFactory.create(earlier.get(0), earlier.get(1), earlier.get(2), earlier.get(3),
                                    earlier.get(4), earlier.get(5), earlier.get(6), earlier.get(7), runId));
                        }
                    }
                }
                for (StageRun s : stages) {
                    rows.add(RowFactory.create(s.stage(), s.status(), Timestamp.from(s.startedAt()),
                            Timestamp.from(s.endedAt()), seconds(s), JavaConverters
                                    .mapAsScalaMap(s.counts()).toMap(Predef$.MODULE$.$conforms()),
                            s.outputs().toArray(String[]::new), s.error(), runId));
                }
                ParquetTables.overwriteRows(spark, rows, warehouse, Table.RUNS);
            }
        } catch (Exception | FSError e) {
            // Spark's SparkException is checked, though Scala throws it unannounced; a full disk is Hadoop's FSError.
            LOG.warn("run {}: could not record the run in {} ({})", runId, warehouse.report(runId), e.toString());
        }
    }

    /** The schema of a runs partition's files: the table's without the partition column. */
    private static StructType withoutRunId() {
        return new StructType(Arrays.stream(Table.RUNS.schema().fields())
                .filter(f -> !Table.RUNS.partitioning().contains(f.name()))
                .toArray(StructField[]::new));
    }

    /** The stages an earlier command recorded in run.json that this one did not run. */
    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> earlierStages(HadoopFiles files, String runJson,
                                                           Set<String> mine) {
        if (!files.exists(runJson)) {
            return List.of();
        }
        try {
            Map<String, Object> earlier = JSON.readValue(files.readString(runJson), Map.class);
            List<Map<String, Object>> out = new ArrayList<>();
            for (Map<String, Object> stage : (List<Map<String, Object>>) earlier.getOrDefault("stages", List.of())) {
                if (!mine.contains(String.valueOf(stage.get("stage")))) {
                    out.add(stage);
                }
            }
            return out;
        } catch (IOException | RuntimeException e) {
            LOG.warn("{} is not a run record ({}); writing this command's stages only", runJson, e.toString());
            return List.of();
        }
    }

    private static double seconds(StageRun s) {
        return (s.endedAt().toEpochMilli() - s.startedAt().toEpochMilli()) / 1000.0;
    }
}
