package io.streamtrain.core.table;

import org.apache.spark.sql.types.StructType;

import java.util.List;

/**
 * The warehouse's Parquet tables, each declared once: location, partitioning and columns. Writers write through these
 * declarations and readers read through them (the curated table through {@link CuratedTable}); the {@code sql}
 * command registers each as a view under {@link #viewName()}.
 */
public enum Table {
    /** Records that passed validation at the door, with topic, partition, offset and ingest batch. */
    LANDING("landing", "landing", IngestTables.LANDING, IngestTables.INGEST_DATE, IngestTables.BATCH),
    /** Records that failed a rule, with the raw value, the stage, a reason code and a message. */
    QUARANTINE("quarantine", "quarantine", IngestTables.QUARANTINE, IngestTables.BATCH),
    /** Per ingest batch: records read, landed and quarantined. */
    INGEST_AUDIT("ingest_audit", "metrics/ingest_audit", IngestTables.AUDIT, IngestTables.BATCH),
    /**
     * Deduplicated and split examples, partitioned by split and preprocess run. The features are stored unscaled and
     * compact ({@link CompactFeatures}): each model scales them with the scaler of its own bundle.
     */
    CURATED("curated", "curated", CuratedTable.EXAMPLES, CuratedTable.SPLIT, CuratedTable.RUN),
    /** Per preprocess run: rows in, out and quarantined by reason, rows per class and split, feature stats, drift. */
    DATA_PROFILE("data_profile", "metrics/data_profile", TableSchemas.DATA_PROFILE, Columns.RUN_ID),
    /**
     * Landing batches a data gate set aside that a user accepted or dropped on purpose: the batch, the decision, who
     * (the operating-system user), when and why, and the preprocess run that carried it out.
     */
    BATCH_DECISIONS("batch_decisions", "metrics/batch_decisions", TableSchemas.BATCH_DECISIONS, Columns.RUN_ID),
    /** Per run and epoch: loss, samples per second, wall time. */
    TRAINING_HISTORY("training_history", "metrics/training_history", TableSchemas.TRAINING_HISTORY, Columns.RUN_ID),
    /**
     * Per evaluation run, long format: per slice, class, metric and averaging a value with its confidence interval
     * (precision, recall, F1, support, ROC AUC per class; accuracy, log loss, calibration error; macro, micro and
     * weighted averages).
     */
    EVALUATION("evaluation", "metrics/evaluation", TableSchemas.EVALUATION, Columns.RUN_ID),
    /** Per evaluation run: counts of (actual, predicted) pairs on the test split. */
    CONFUSION_MATRIX("confusion_matrix", "metrics/confusion_matrix", TableSchemas.CONFUSION_MATRIX, Columns.RUN_ID),
    /** Per evaluation run: every test example's label, predicted class and class probabilities, and the model. */
    PREDICTIONS("predictions", "metrics/predictions", null, Columns.RUN_ID),
    /** Per gated evaluation run: the promotion gate's decision, its measurements and its reasons. */
    DECISIONS("decisions", "metrics/decisions", TableSchemas.DECISIONS, Columns.RUN_ID),
    /** Per score run: each scored row's predicted class and class probabilities, and the model. */
    SCORES("scores", "scores", null, Columns.RUN_ID, IngestTables.BATCH),
    /**
     * Per compress run: each compressed copy of a model (and the original): file bytes, size ratio, weight sparsity,
     * test accuracy with its interval, accuracy change and agreement with the original's predictions.
     */
    COMPRESSION("compression", "metrics/compression", TableSchemas.COMPRESSION, Columns.RUN_ID),
    /** Per run and stage: status, start, end, counts in and out, where the outputs are (also reports/run-id/run.json). */
    RUNS("runs", "metrics/runs", TableSchemas.RUNS, Columns.RUN_ID),
    /**
     * How fresh the served model is ({@code streamtrain continuous}, and a topic's scorer): the champion's staleness
     * every 10 s, each scoring micro-batch's event-to-score latency, each retraining cycle's phases; by kind.
     */
    FRESHNESS("freshness", "metrics/freshness", TableSchemas.FRESHNESS, TableSchemas.FRESHNESS_KIND);

    private final String viewName;
    private final String relativePath;
    private final StructType schema;
    private final List<String> partitioning;

    Table(String viewName, String relativePath, StructType schema, String... partitioning) {
        this.viewName = viewName;
        this.relativePath = relativePath;
        this.schema = schema;
        this.partitioning = List.of(partitioning);
    }

    public String viewName() {
        return viewName;
    }

    /** Where the table lives under the warehouse root. */
    public String relativePath() {
        return relativePath;
    }

    /**
     * The columns its writer writes and its readers may rely on; null for the two tables whose columns follow the
     * model and the input (predictions and scores: see docs/tables.md).
     */
    public StructType schema() {
        return schema;
    }

    /** The partition columns, outermost first: a re-run replaces exactly its own partitions. */
    public List<String> partitioning() {
        return partitioning;
    }

    /** Column names more than one table shares. */
    public static final class Columns {
        /** The run that wrote the row: every result table's partition column. */
        public static final String RUN_ID = "run_id";

        private Columns() {
        }
    }
}
