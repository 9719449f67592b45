package io.streamtrain.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.ParquetTables;
import io.streamtrain.core.Table;
import io.streamtrain.core.UserException;
import io.streamtrain.core.Warehouse;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.types.DataTypes.createStructField;

/**
 * What one run did, stage by stage (start, end, status, counts in and out, where the outputs are), written to
 * {@code reports/<run-id>/run.json} and to the {@code runs} table, so that a scheduler or a user sees every run's
 * fate in one query. A re-run with the same run id replaces its rows.
 */
final class RunLog {

    private static final Logger LOG = LoggerFactory.getLogger(RunLog.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    static final StructType SCHEMA = new StructType(new StructField[]{
            createStructField("stage", DataTypes.StringType, false),
            createStructField("status", DataTypes.StringType, false),
            createStructField("started_at", DataTypes.TimestampType, false),
            createStructField("ended_at", DataTypes.TimestampType, false),
            createStructField("seconds", DataTypes.DoubleType, false),
            createStructField("counts", DataTypes.createMapType(DataTypes.StringType, DataTypes.DoubleType), false),
            createStructField("outputs", DataTypes.createArrayType(DataTypes.StringType), false),
            createStructField("error", DataTypes.StringType, true),
            createStructField("run_id", DataTypes.StringType, false),
    });

    /** One stage's run. */
    record StageRun(String stage, String status, Instant startedAt, Instant endedAt, Map<String, Double> counts,
                    List<String> outputs, String error) {
    }

    private final String runId;
    private final List<StageRun> stages = new ArrayList<>();

    RunLog(String runId) {
        this.runId = runId;
    }

    void succeeded(Stage stage, Instant start, Map<String, Double> counts, List<String> outputs) {
        stages.add(new StageRun(stage.cliName(), "succeeded", start, Instant.now(), counts, outputs, null));
    }

    void failed(Stage stage, Instant start, List<String> outputs, Throwable error) {
        stages.add(new StageRun(stage.cliName(), "failed", start, Instant.now(), Map.of(), outputs,
                UserException.oneLine(String.valueOf(error.getMessage()))));
    }

    /** The run as JSON: run id and its stages in order. */
    String json() {
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("run_id", runId);
        List<Map<String, Object>> list = new ArrayList<>();
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
     * Writes run.json, and the runs table when a session is up (a produce-only run has none). A failure to write is
     * logged, not thrown: the run's own outcome, already decided, must reach the user.
     */
    void write(HadoopFiles files, Warehouse warehouse, SparkSession spark) {
        if (stages.isEmpty()) {
            return;
        }
        try {
            files.writeString(warehouse.report(runId) + "/run.json", json());
            if (spark != null) {
                List<Row> rows = new ArrayList<>();
                for (StageRun s : stages) {
                    rows.add(RowFactory.create(s.stage(), s.status(), Timestamp.from(s.startedAt()),
                            Timestamp.from(s.endedAt()), seconds(s), scala.collection.JavaConverters
                                    .mapAsScalaMap(s.counts()).toMap(scala.Predef$.MODULE$.$conforms()),
                            s.outputs().toArray(String[]::new), s.error(), runId));
                }
                ParquetTables.overwritePartitions(spark.createDataFrame(rows, SCHEMA).coalesce(1),
                        warehouse.table(Table.RUNS), "run_id");
            }
        } catch (RuntimeException e) {
            LOG.warn("run {}: could not record the run in {} ({})", runId, warehouse.report(runId), e.toString());
        }
    }

    private static double seconds(StageRun s) {
        return (s.endedAt().toEpochMilli() - s.startedAt().toEpochMilli()) / 1000.0;
    }
}
