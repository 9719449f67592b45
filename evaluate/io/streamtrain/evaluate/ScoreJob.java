package io.streamtrain.evaluate;

import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.ParquetTables;
import io.streamtrain.core.RecordSchema;
import io.streamtrain.core.Sizing;
import io.streamtrain.core.StagePlan;
import io.streamtrain.core.Table;
import io.streamtrain.core.UserException;
import io.streamtrain.core.Warehouse;
import io.streamtrain.ingest.PackedFeatures;
import io.streamtrain.preprocess.Curation;
import io.streamtrain.preprocess.Scaler;
import io.streamtrain.train.ModelBundle;
import io.streamtrain.train.Predictor;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

/**
 * Applies a model bundle, with its own scaler, to new rows: the landing table or any Parquet data with an {@code id}
 * and either a numeric {@code features} array or landing's packed {@code features_f32_split}. The predicted class and
 * class probabilities go to the {@code scores} table under the run id (a re-run replaces its rows).
 */
public final class ScoreJob {

    private static final Logger LOG = LoggerFactory.getLogger(ScoreJob.class);

    /** What {@code --input} names for the warehouse's landing table. */
    public static final String LANDING = "landing";

    private ScoreJob() {
    }

    /** Where the rows come from: the landing table, or a Parquet folder or file. */
    public static String source(Warehouse warehouse, String input) {
        return LANDING.equals(input) ? warehouse.table(Table.LANDING) : input;
    }

    /** Checks, without side effects, that the model fits the schema and the input holds Parquet data. */
    public static StagePlan plan(HadoopFiles files, RecordSchema schema, Warehouse warehouse, String modelRunId,
                                 String input) {
        String model = ModelBundle.requireUsable(files, warehouse, modelRunId, schema.featureCount(),
                schema.classCount());
        String source = source(warehouse, input);
        boolean parquet = files.exists(source)
                && (source.endsWith(".parquet") || files.containsFile(source, ".parquet"));
        if (!parquet) {
            throw new UserException("No Parquet data at " + source + ": name a Parquet folder or file with --input,"
                    + " or 'landing' for the landing table");
        }
        return new StagePlan("score", List.of(model, source), List.of(warehouse.table(Table.SCORES)));
    }

    /**
     * The rows to score: {@code id}, {@code label} when present, and {@code features} as scaled floats. Pure: the
     * scaler is the bundle's, so new data is standardised exactly as its training data was.
     */
    public static Dataset<Row> features(Dataset<Row> input, Scaler scaler, int featureCount) {
        List<String> columns = Arrays.asList(input.columns());
        if (!columns.contains("id")) {
            throw new UserException("The rows to score have no 'id' column (found " + columns + "): add one");
        }
        Dataset<Row> rows = columns.contains("features") ? input
                : columns.contains(PackedFeatures.COLUMN) ? Curation.unpacked(input) : null;
        if (rows == null) {
            throw new UserException("The rows to score have neither 'features' nor '" + PackedFeatures.COLUMN
                    + "' (found " + columns + "): add an array of " + featureCount + " numbers named features");
        }
        StructField features = rows.schema().apply("features");
        if (!(features.dataType() instanceof ArrayType array && array.elementType() instanceof NumericType)) {
            throw new UserException("Column 'features' of the rows to score is " + features.dataType().simpleString()
                    + ": it must be an array of " + featureCount + " numbers");
        }
        List<Column> out = new ArrayList<>(List.of(col("id").cast(DataTypes.StringType).as("id")));
        if (columns.contains("label")) {
            out.add(col("label").cast(DataTypes.IntegerType).as("label"));
        }
        out.add(col("features").cast(DataTypes.createArrayType(DataTypes.FloatType, false)).as("features"));
        return scaler.transform(rows.select(out.toArray(Column[]::new)));
    }

    /** Scores {@code input} with bundle {@code modelRunId} (or the latest); writes the scores under {@code runId}. */
    public static long run(SparkSession spark, RecordSchema schema, Warehouse warehouse, String modelRunId,
                           String input, String runId, Sizing sizing) {
        HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
        ModelBundle bundle = ModelBundle.load(files, warehouse, modelRunId);
        String source = source(warehouse, input);
        Dataset<Row> rows = features(spark.read().parquet(source), bundle.scaler(), schema.featureCount());
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        long count = rows.count();
        int partitions = sizing.partitionsFor(count * Sizing.rowBytes(schema.featureCount()), sc.defaultParallelism());
        try (Predictor predictor = Predictor.of(sc, bundle.network(), schema.featureCount())) {
            ParquetTables.overwritePartitions(predictor.predict(rows.repartition(partitions))
                            .withColumn("model_id", lit(bundle.runId())).withColumn("run_id", lit(runId)),
                    warehouse.table(Table.SCORES), "run_id");
        }
        LOG.info("score: {} rows of {} scored with model {} -> {} (run_id = {})", count, source, bundle.runId(),
                warehouse.table(Table.SCORES), runId);
        return count;
    }
}
