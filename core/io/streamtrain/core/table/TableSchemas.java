package io.streamtrain.core.table;

import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import static org.apache.spark.sql.types.DataTypes.createStructField;

/**
 * The columns of the result tables, each written by one stage and read by people, Spark SQL and other engines: the
 * one place a column is named and typed. {@link Table} pairs each with its location and partitioning.
 */
public final class TableSchemas {

    /** Columns of {@link Table#DATA_PROFILE}. */
    static final StructType DATA_PROFILE = new StructType(new StructField[]{
            createStructField("section", DataTypes.StringType, false),
            createStructField("name", DataTypes.StringType, false),
            createStructField("metric", DataTypes.StringType, false),
            createStructField("value", DataTypes.DoubleType, false),
            createStructField("run_id", DataTypes.StringType, false),
    });

    /** {@link Table#FRESHNESS}'s partition column: staleness, scoring or cycle. */
    public static final String FRESHNESS_KIND = "kind";

    /**
     * Columns of {@link Table#FRESHNESS}; a row fills those of its kind: staleness (model_id, trained_through,
     * staleness_s), scoring (model_id, run_id, records, latency_*), cycle (model_id, run_id, records, outcome,
     * *_s phases).
     */
    static final StructType FRESHNESS = new StructType(new StructField[]{
            createStructField("measured_at", DataTypes.TimestampType, false),
            createStructField("model_id", DataTypes.StringType, true),
            createStructField("trained_through", DataTypes.TimestampType, true),
            createStructField("staleness_s", DataTypes.DoubleType, true),
            createStructField("run_id", DataTypes.StringType, true),
            createStructField("records", DataTypes.LongType, true),
            createStructField("latency_p50_s", DataTypes.DoubleType, true),
            createStructField("latency_p95_s", DataTypes.DoubleType, true),
            createStructField("latency_max_s", DataTypes.DoubleType, true),
            createStructField("outcome", DataTypes.StringType, true),
            createStructField("preprocess_s", DataTypes.DoubleType, true),
            createStructField("train_s", DataTypes.DoubleType, true),
            createStructField("evaluate_s", DataTypes.DoubleType, true),
            createStructField("cycle_s", DataTypes.DoubleType, true),
            createStructField(FRESHNESS_KIND, DataTypes.StringType, false),
    });

    /** Columns of {@link Table#BATCH_DECISIONS}. */
    static final StructType BATCH_DECISIONS = new StructType(new StructField[]{
            createStructField("batch", DataTypes.StringType, false),
            createStructField("decision", DataTypes.StringType, false),
            createStructField("reason", DataTypes.StringType, false),
            createStructField("decided_by", DataTypes.StringType, false),
            createStructField("decided_at", DataTypes.TimestampType, false),
            createStructField("run_id", DataTypes.StringType, false),
    });

    /** Columns of {@link Table#TRAINING_HISTORY}. */
    static final StructType TRAINING_HISTORY = new StructType(new StructField[]{
            createStructField("epoch", DataTypes.IntegerType, false),
            createStructField("loss", DataTypes.DoubleType, false),
            createStructField("validation_accuracy", DataTypes.DoubleType, false),
            createStructField("validation_f1", DataTypes.DoubleType, false),
            createStructField("samples", DataTypes.LongType, false),
            createStructField("seconds", DataTypes.DoubleType, false),
            createStructField("samples_per_sec", DataTypes.DoubleType, false),
            createStructField("run_id", DataTypes.StringType, false),
    });

    /** Columns of {@link Table#EVALUATION}. */
    static final StructType EVALUATION = new StructType(new StructField[]{
            createStructField("model_id", DataTypes.StringType, false),
            createStructField("split", DataTypes.StringType, false),
            createStructField("slice", DataTypes.StringType, false),
            createStructField("class", DataTypes.StringType, false),
            createStructField("metric", DataTypes.StringType, false),
            createStructField("averaging", DataTypes.StringType, false),
            createStructField("value", DataTypes.DoubleType, false),
            createStructField("ci_low", DataTypes.DoubleType, true),
            createStructField("ci_high", DataTypes.DoubleType, true),
            createStructField("evaluated_at", DataTypes.TimestampType, false),
            createStructField("run_id", DataTypes.StringType, false),
    });

    /** Columns of {@link Table#CONFUSION_MATRIX}. */
    static final StructType CONFUSION_MATRIX = new StructType(new StructField[]{
            createStructField("model_id", DataTypes.StringType, false),
            createStructField("actual", DataTypes.StringType, false),
            createStructField("predicted", DataTypes.StringType, false),
            createStructField("count", DataTypes.LongType, false),
            createStructField("run_id", DataTypes.StringType, false),
    });

    /** Columns of {@link Table#DECISIONS}. */
    static final StructType DECISIONS = new StructType(new StructField[]{
            createStructField("candidate_model_id", DataTypes.StringType, false),
            createStructField("champion_model_id", DataTypes.StringType, true),
            createStructField("outcome", DataTypes.StringType, false),
            createStructField("metric", DataTypes.StringType, false),
            createStructField("candidate_value", DataTypes.DoubleType, false),
            createStructField("champion_value", DataTypes.DoubleType, true),
            createStructField("delta_ci_low", DataTypes.DoubleType, true),
            createStructField("delta_ci_high", DataTypes.DoubleType, true),
            createStructField("only_candidate_correct", DataTypes.LongType, false),
            createStructField("only_champion_correct", DataTypes.LongType, false),
            createStructField("p_value", DataTypes.DoubleType, true),
            createStructField("reasons", DataTypes.createArrayType(DataTypes.StringType, false), false),
            createStructField("decided_at", DataTypes.TimestampType, false),
            createStructField("run_id", DataTypes.StringType, false),
    });

    /** Columns of {@link Table#COMPRESSION}. */
    static final StructType COMPRESSION = new StructType(new StructField[]{
            createStructField("model_id", DataTypes.StringType, false),
            createStructField("copy", DataTypes.StringType, false),
            createStructField("encoding", DataTypes.StringType, false),
            createStructField("model_bytes", DataTypes.LongType, false),
            createStructField("original_bytes", DataTypes.LongType, false),
            createStructField("original_bundle_bytes", DataTypes.LongType, false),
            createStructField("size_ratio", DataTypes.DoubleType, false),
            createStructField("weight_sparsity", DataTypes.DoubleType, false),
            createStructField("test_rows", DataTypes.LongType, false),
            createStructField("accuracy", DataTypes.DoubleType, false),
            createStructField("accuracy_ci_low", DataTypes.DoubleType, true),
            createStructField("accuracy_ci_high", DataTypes.DoubleType, true),
            createStructField("accuracy_delta", DataTypes.DoubleType, false),
            createStructField("agreement", DataTypes.DoubleType, false),
            createStructField("compressed_at", DataTypes.TimestampType, false),
            createStructField("run_id", DataTypes.StringType, false),
    });

    /** Columns of {@link Table#RUNS}. */
    static final StructType RUNS = new StructType(new StructField[]{
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

    /**
     * A test split's rows as evaluation scores them, before each is stamped with its model and run id for
     * {@link Table#PREDICTIONS}: the same {@code predicted} and {@code probabilities} columns the model room's
     * {@code Predictor} writes.
     */
    public static final StructType SCORED_TEST_ROWS = new StructType(new StructField[]{
            createStructField("id", DataTypes.StringType, false),
            createStructField("label", DataTypes.IntegerType, false),
            createStructField("predicted", DataTypes.IntegerType, false),
            createStructField("probabilities", DataTypes.createArrayType(DataTypes.DoubleType, false), false),
    });

    private TableSchemas() {
    }
}
