package io.streamtrain.evaluate;

import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.ParquetTables;
import io.streamtrain.core.RecordSchema;
import io.streamtrain.core.Sizing;
import io.streamtrain.core.StagePlan;
import io.streamtrain.core.Table;
import io.streamtrain.core.Warehouse;
import io.streamtrain.preprocess.Split;
import io.streamtrain.train.DistributedScorer;
import io.streamtrain.train.Minibatches;
import io.streamtrain.train.ModelBundle;
import io.streamtrain.train.Models;
import io.streamtrain.train.TrainJob;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

import static org.apache.spark.sql.types.DataTypes.createStructField;

/**
 * Scores a model bundle on the curated test split, distributed, and writes the evaluation and confusion-matrix tables
 * (partitioned by run id) and {@code reports/<run-id>/metrics.csv} and {@code metrics.md}.
 */
public final class EvaluateJob {

    private static final Logger LOG = LoggerFactory.getLogger(EvaluateJob.class);
    private static final int EVAL_BATCH = 256;

    static final StructType EVALUATION = new StructType(new StructField[]{
            createStructField("model_run_id", DataTypes.StringType, false),
            createStructField("class", DataTypes.StringType, false),
            createStructField("metric", DataTypes.StringType, false),
            createStructField("value", DataTypes.DoubleType, false),
            createStructField("run_id", DataTypes.StringType, false),
    });

    static final StructType CONFUSION = new StructType(new StructField[]{
            createStructField("model_run_id", DataTypes.StringType, false),
            createStructField("actual", DataTypes.StringType, false),
            createStructField("predicted", DataTypes.StringType, false),
            createStructField("count", DataTypes.LongType, false),
            createStructField("run_id", DataTypes.StringType, false),
    });

    private EvaluateJob() {
    }

    /**
     * Checks, without side effects, that evaluate can run: the model exists (or train runs first) and so does the
     * curated table (or preprocess runs first).
     */
    public static StagePlan plan(HadoopFiles files, RecordSchema schema, Warehouse warehouse, String modelRunId,
                                 String runId, boolean trained, boolean curatedComing) {
        if (!curatedComing) {
            TrainJob.requireCurated(files, warehouse);
        }
        String model = trained ? warehouse.model(runId) : ModelBundle.requireUsable(files, warehouse, modelRunId,
                schema.featureCount(), schema.classCount());
        return new StagePlan("evaluate", List.of(model, warehouse.table(Table.CURATED) + " (test split)"),
                List.of(warehouse.table(Table.EVALUATION), warehouse.table(Table.CONFUSION_MATRIX),
                        warehouse.report(runId)));
    }

    /**
     * @param modelRunId the bundle to score, or null for {@code models/latest}
     * @param runId      names this evaluation's report and table partitions
     */
    public static EvaluateResult run(SparkSession spark, RecordSchema schema, Warehouse warehouse, String modelRunId,
                                     String runId, Sizing sizing) {
        HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
        ModelBundle bundle = ModelBundle.load(files, warehouse, modelRunId);
        Dataset<Row> test = TrainJob.curatedSplit(spark, warehouse, Split.TEST);
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        // A count of a Parquet split reads footers only; it sizes the partitions from the rows' decoded bytes.
        int partitions = sizing.partitionsFor(test.count() * Sizing.rowBytes(schema.featureCount()),
                sc.defaultParallelism());
        // The bundle's own scaler: the model sees the test rows scaled as its training rows were.
        JavaRDD<DataSet> batches = Minibatches.of(test, bundle.scaler(), EVAL_BATCH, schema.classCount(), partitions,
                0L, Models.timeSteps(bundle.network(), schema.featureCount()));

        Evaluation evaluation = DistributedScorer.evaluate(sc, bundle.network(), batches);
        Confusion confusion = confusion(evaluation, schema);

        List<MetricRow> rows = ReportFormat.rows(confusion);
        String title = "Evaluation of model " + bundle.runId() + " on the test split (run " + runId + ")";
        String markdown = ReportFormat.markdown(confusion, title);
        writeTables(spark, warehouse, bundle.runId(), runId, rows, confusion);
        files.writeString(warehouse.report(runId) + "/metrics.csv", ReportFormat.csv(rows));
        files.writeString(warehouse.report(runId) + "/metrics.md", markdown);
        LOG.info("evaluate: model {} accuracy {} on {} test examples; report in {}", bundle.runId(),
                String.format("%.4f", ConfusionMetrics.accuracy(confusion)), confusion.total(), warehouse.report(runId));
        return new EvaluateResult(bundle.runId(), runId, confusion, rows, markdown);
    }

    static Confusion confusion(Evaluation evaluation, RecordSchema schema) {
        int n = schema.classCount();
        long[][] counts = new long[n][n];
        if (evaluation.getConfusion() != null) {
            for (int a = 0; a < n; a++) {
                for (int p = 0; p < n; p++) {
                    counts[a][p] = evaluation.getConfusion().getCount(a, p);
                }
            }
        }
        return new Confusion(schema.labels(), counts);
    }

    private static void writeTables(SparkSession spark, Warehouse warehouse, String modelRunId, String runId,
                                    List<MetricRow> rows, Confusion confusion) {
        List<Row> metricRows = rows.stream()
                .map(r -> RowFactory.create(modelRunId, r.className(), r.metric(), r.value(), runId))
                .toList();
        List<Row> cells = new ArrayList<>();
        for (int a = 0; a < confusion.classes(); a++) {
            for (int p = 0; p < confusion.classes(); p++) {
                cells.add(RowFactory.create(modelRunId, confusion.labels().get(a), confusion.labels().get(p),
                        confusion.count(a, p), runId));
            }
        }
        overwriteRun(spark.createDataFrame(metricRows, EVALUATION), warehouse.table(Table.EVALUATION));
        overwriteRun(spark.createDataFrame(cells, CONFUSION), warehouse.table(Table.CONFUSION_MATRIX));
    }

    /** A re-run of the same run id replaces its rows; other runs stay. */
    private static void overwriteRun(Dataset<Row> rows, String path) {
        ParquetTables.overwritePartitions(rows.coalesce(1), path, "run_id");
    }
}
