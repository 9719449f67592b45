package io.streamtrain.modelops;

import io.streamtrain.core.table.CuratedTable;
import io.streamtrain.evaluate.EvaluateSettings;
import io.streamtrain.evaluate.HtmlReport;
import io.streamtrain.evaluate.ReportFormat;
import io.streamtrain.evaluate.Scores;
import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.ParquetTables;
import io.streamtrain.core.RecordSchema;
import io.streamtrain.core.Sizing;
import io.streamtrain.core.stage.StagePlan;
import io.streamtrain.core.table.Table;
import io.streamtrain.core.UserException;
import io.streamtrain.core.Warehouse;
import io.streamtrain.core.metrics.ConfusionMetrics;
import io.streamtrain.core.metrics.Interval;
import io.streamtrain.core.metrics.Replicates;
import io.streamtrain.core.table.CompactFeatures;
import io.streamtrain.core.table.Split;
import io.streamtrain.model.ModelBundle;
import io.streamtrain.model.ModelCopies;
import io.streamtrain.model.Predictor;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.util.ModelSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.apache.spark.sql.functions.col;

/**
 * Writes compressed copies of a bundle ({@link ModelCopies}) under {@code models/<run>/compressed/<copy>/}, loads
 * each back exactly as {@code score} and {@code evaluate --model RUN:COPY} do, and measures it against the original
 * on the curated test split evaluate uses: file size, accuracy with its bootstrap interval, accuracy change and
 * agreement with the original's predicted classes. Results go to the {@code compression} table and
 * {@code reports/<run-id>/compression.md} and {@code compression.html}.
 *
 * <p>Sizes: a copy's bytes are its {@code weights.zip}; the original's are its network as DL4J serialises it for
 * inference ({@code ModelSerializer.writeModel(net, out, false)}: configuration and float32 parameters, without the
 * updater state that {@code model.zip} also carries for further training). The table also keeps the bytes of
 * {@code model.zip} itself.
 */
public final class CompressJob {

    private static final Logger LOG = LoggerFactory.getLogger(CompressJob.class);
    /** The copy column's value of the row that measures the original. */
    public static final String ORIGINAL = "original";


    /**
     * One measured model.
     *
     * @param copy           the copy's kind, or {@link #ORIGINAL}
     * @param modelBytes     bytes of its model file (see the class comment for the original)
     * @param sizeRatio      original bytes / these bytes
     * @param accuracyDelta  this accuracy minus the original's, on the same rows
     * @param agreement      the share of test rows whose predicted class equals the original's
     */
    public record Measured(String copy, String encoding, long modelBytes, long originalBytes, long bundleBytes,
                           double sizeRatio, double weightSparsity, long testRows, double accuracy,
                           Interval accuracyInterval, double accuracyDelta, double agreement) {
    }

    private CompressJob() {
    }

    /** Checks, without side effects, that the bundle exists and fits the schema and that there is a test split. */
    public static StagePlan plan(HadoopFiles files, RecordSchema schema, Warehouse warehouse, CompressSettings settings,
                                 String modelRunId, String runId) {
        if (modelRunId != null && ModelBundle.copyOf(modelRunId) != null) {
            throw new UserException("compress --model " + modelRunId + " names a compressed copy: name the bundle"
                    + " it came from (" + ModelBundle.runOf(modelRunId) + ")");
        }
        CuratedTable.require(files, warehouse);
        String dir = ModelBundle.requireUsable(files, warehouse, modelRunId, schema.featureCount(),
                schema.classCount());
        List<String> writes = new ArrayList<>();
        for (ModelCopies.Kind kind : settings.copies()) {
            writes.add(dir + "/" + ModelBundle.COMPRESSED + "/" + kind.id() + "/" + ModelCopies.FILE);
        }
        writes.add(warehouse.table(Table.COMPRESSION));
        writes.add(warehouse.report(runId) + "/compression.{md,html}");
        writes.add(dir + "/" + ModelBundle.COMPRESSED + "/report.html (for the model's evaluation report)");
        return new StagePlan("compress", List.of(dir, warehouse.table(Table.CURATED) + " (test split)"), writes);
    }

    /** Writes, reloads and measures every configured copy; returns the original's row first. */
    public static List<Measured> run(SparkSession spark, RecordSchema schema, Warehouse warehouse,
                                     EvaluateSettings evaluate, CompressSettings settings, String modelRunId,
                                     String runId, Sizing sizing) {
        long started = System.nanoTime();
        HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
        ModelBundle original = ModelBundle.load(files, warehouse, modelRunId);
        String run = original.runId();
        long bundleBytes = files.totalBytes(warehouse.model(run) + "/" + ModelBundle.MODEL);
        long originalBytes = inferenceBytes(original);
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Dataset<Row> test = CuratedTable.split(spark, warehouse, Split.TEST);
        long testRows = CuratedTable.requireTestRows(test.count(), warehouse);
        int partitions = sizing.partitionsFor(testRows * Sizing.rowBytes(schema.featureCount()),
                sc.defaultParallelism());
        Dataset<Row> input = scaledInput(original, test, partitions);
        List<String> labels = schema.labels();
        List<Measured> out = new ArrayList<>();
        try (Predictor theirs = Predictor.of(sc, original.network(), schema.featureCount())) {
            Dataset<Row> reference = theirs.predict(input).persist(StorageLevel.MEMORY_AND_DISK());
            try {
                Replicates base = Scores.bySlice(reference, schema.classCount(), evaluate, null).get(Scores.ALL);
                double baseAccuracy = accuracy(base, labels);
                out.add(new Measured(ORIGINAL, "float32 parameters as DL4J writes them, without updater state",
                        originalBytes, originalBytes, bundleBytes, 1.0, ModelCopies.weightSparsity(original.network()),
                        testRows, baseAccuracy, interval(base, labels, evaluate), 0.0, 1.0));
                Reference measured = new Reference(original, input, reference, out.get(0));
                for (ModelCopies.Kind kind : settings.copies()) {
                    out.add(measureCopy(files, warehouse, sc, schema, evaluate, kind, settings.spec(kind), measured));
                }
            } finally {
                reference.unpersist();
                input.unpersist();
            }
        }
        writeResults(spark, files, warehouse, run, runId, out, evaluate.confidence());
        LOG.info(String.format(Locale.ROOT, "compress: %d copies of model %s measured on %d test rows in %.1f s;"
                        + " report in %s", out.size() - 1, run, testRows, (System.nanoTime() - started) / 1e9,
                warehouse.report(runId)));
        return out;
    }

    /** The original as every copy is measured against it: its input rows, its predictions and its own row. */
    private record Reference(ModelBundle bundle, Dataset<Row> input, Dataset<Row> predicted, Measured measured) {
    }

    /** The test rows decoded and scaled as the model's training rows were, cached: every model scores them. */
    private static Dataset<Row> scaledInput(ModelBundle original, Dataset<Row> test, int partitions) {
        return original.scaler().transform(test.select(col("id"), col("label"),
                        CompactFeatures.decode(col(CompactFeatures.U8), col(CompactFeatures.F32)).as("features")))
                .repartition(partitions).persist(StorageLevel.MEMORY_AND_DISK());
    }

    /** Writes one copy, loads it back and measures it against the original. */
    private static Measured measureCopy(HadoopFiles files, Warehouse warehouse, JavaSparkContext sc,
                                        RecordSchema schema, EvaluateSettings evaluate, ModelCopies.Kind kind,
                                        ModelCopies.Spec spec, Reference original) {
        String run = original.bundle().runId();
        String copyDir = warehouse.model(run) + "/" + ModelBundle.COMPRESSED + "/" + kind.id();
        byte[] bytes = ModelCopies.write(original.bundle().network(), spec);
        files.writeBytes(copyDir + "/" + ModelCopies.FILE, bytes);
        // Measured as served: read back through the same path score and evaluate take.
        ModelBundle copy = ModelBundle.load(files, warehouse, run + ModelBundle.COPY_SEPARATOR + kind.id());
        Measured base = original.measured();
        try (Predictor ours = Predictor.of(sc, copy.network(), schema.featureCount())) {
            Dataset<Row> predicted = ours.predict(original.input()).persist(StorageLevel.MEMORY_AND_DISK());
            try {
                Replicates r = Scores.bySlice(predicted, schema.classCount(), evaluate, null).get(Scores.ALL);
                double acc = accuracy(r, schema.labels());
                long size = files.totalBytes(copyDir + "/" + ModelCopies.FILE);
                return new Measured(kind.id(), spec.describe(), size, base.originalBytes(), base.bundleBytes(),
                        (double) base.originalBytes() / size, ModelCopies.weightSparsity(copy.network()),
                        base.testRows(), acc, interval(r, schema.labels(), evaluate), acc - base.accuracy(),
                        agreement(original.predicted(), predicted, base.testRows()));
            } finally {
                predicted.unpersist();
            }
        }
    }

    /** The {@code compression} table, {@code compression.md} and {@code .html}, and the summary beside the copies. */
    private static void writeResults(SparkSession spark, HadoopFiles files, Warehouse warehouse, String run,
                                     String runId, List<Measured> out, double confidence) {
        Timestamp now = Timestamp.from(Instant.now());
        List<Row> rows = out.stream().map(m -> RowFactory.create(run, m.copy(), m.encoding(), m.modelBytes(),
                m.originalBytes(), m.bundleBytes(), m.sizeRatio(), m.weightSparsity(), m.testRows(), m.accuracy(),
                nullIfNaN(m.accuracyInterval().low()), nullIfNaN(m.accuracyInterval().high()), m.accuracyDelta(),
                m.agreement(), now, runId)).toList();
        ParquetTables.overwriteRows(spark, rows, warehouse, Table.COMPRESSION);
        String title = "Compressed copies of model " + run + " (run " + runId + ")";
        files.writeString(warehouse.report(runId) + "/compression.md", markdown(title, out, confidence));
        files.writeString(warehouse.report(runId) + "/compression.html", html(title, out, confidence));
        // Beside the copies, for the evaluation report of the model (EvaluateJob.modelSections).
        files.writeString(ModelBundle.compressionSummary(warehouse, run), "<p>" + HtmlReport.escape(title) + "; full report: "
                + HtmlReport.escape(warehouse.report(runId)) + "/compression.html</p>\n"
                + compressionSection(out, confidence));
    }

    /** Bytes of the network serialised by DL4J without updater state: what serving the float32 model needs. */
    static long inferenceBytes(ModelBundle bundle) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ModelSerializer.writeModel(bundle.network(), out, false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.size();
    }

    static double accuracy(Replicates r, List<String> labels) {
        return ConfusionMetrics.accuracy(r.sample().confusion(labels));
    }

    static Interval interval(Replicates r, List<String> labels, EvaluateSettings settings) {
        if (settings.replicates() == 0) {
            return Interval.NONE;
        }
        return Interval.percentile(r, s -> ConfusionMetrics.accuracy(s.confusion(labels)), settings.confidence());
    }

    /** The share of rows whose predicted class is the same in both (joined by id). */
    static double agreement(Dataset<Row> reference, Dataset<Row> other, long rows) {
        long same = reference.select(col("id"), col(Predictor.PREDICTED).as("a"))
                .join(other.select(col("id"), col(Predictor.PREDICTED).as("b")), "id")
                .where(col("a").equalTo(col("b"))).count();
        return (double) same / rows;
    }

    /** The lines {@code compress} ends with: per copy {@code <copy>_size_ratio=} and {@code <copy>_accuracy_delta=}. */
    public static String summary(List<Measured> measured) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-9s %12s %10s %9s %21s %10s %10s %9s%n", "copy", "bytes",
                "size_ratio", "accuracy", "interval", "delta", "agreement", "sparsity"));
        for (Measured m : measured) {
            sb.append(String.format(Locale.ROOT, "%-9s %12d %10.3f %9.4f %21s %+10.4f %10.4f %9.3f%n", m.copy(),
                    m.modelBytes(), m.sizeRatio(), m.accuracy(), "[" + ReportFormat.fixed(m.accuracyInterval().low())
                            + ", " + ReportFormat.fixed(m.accuracyInterval().high()) + "]", m.accuracyDelta(),
                    m.agreement(), m.weightSparsity()));
        }
        for (Measured m : measured) {
            if (!m.copy().equals(ORIGINAL)) {
                sb.append(String.format(Locale.ROOT, "%s_size_ratio=%.3f%n%s_accuracy_delta=%+.4f%n", m.copy(),
                        m.sizeRatio(), m.copy(), m.accuracyDelta()));
            }
        }
        return sb.toString().stripTrailing();
    }

    static String markdown(String title, List<Measured> measured, double confidence) {
        StringBuilder sb = new StringBuilder("# ").append(title).append("\n\n");
        sb.append(String.format(Locale.ROOT, "Accuracy on the curated test split with its %.0f%% bootstrap interval;"
                + " size_ratio = original bytes (float32, no updater state) / the copy's weights.zip bytes;"
                + " agreement = share of test rows predicted the same as the original.%n%n", 100 * confidence));
        sb.append("| copy | encoding | bytes | size_ratio | accuracy | interval | delta | agreement | weight sparsity |\n");
        sb.append("|---|---|---:|---:|---:|---|---:|---:|---:|\n");
        for (Measured m : measured) {
            sb.append(String.format(Locale.ROOT, "| %s | %s | %d | %.3f | %.4f | [%s, %s] | %+.4f | %.4f | %.3f |%n",
                    m.copy(), m.encoding(), m.modelBytes(), m.sizeRatio(), m.accuracy(),
                    ReportFormat.fixed(m.accuracyInterval().low()), ReportFormat.fixed(m.accuracyInterval().high()),
                    m.accuracyDelta(), m.agreement(), m.weightSparsity()));
        }
        return sb.toString();
    }

    static String html(String title, List<Measured> measured, double confidence) {
        StringBuilder sb = new StringBuilder("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>")
                .append(HtmlReport.escape(title)).append("</title><style>body{font-family:sans-serif;margin:2em}"
                        + "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;"
                        + "text-align:right}td:nth-child(2){text-align:left}</style></head><body>\n<h1>")
                .append(HtmlReport.escape(title)).append("</h1>\n");
        sb.append(compressionSection(measured, confidence));
        return sb.append("</body></html>\n").toString();
    }

    /** The compression table as an HTML fragment. */
    static String compressionSection(List<Measured> measured, double confidence) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "<p>Accuracy on the curated test split with"
                + " its %.0f%% bootstrap interval; size ratio = original bytes (float32, without updater state) /"
                + " the copy's bytes; agreement = share of test rows predicted the same as the original.</p>\n",
                100 * confidence));
        sb.append("<table><tr><th>copy</th><th>encoding</th><th>bytes</th><th>size ratio</th><th>accuracy</th>"
                + "<th>ci_low</th><th>ci_high</th><th>delta</th><th>agreement</th><th>weight sparsity</th></tr>\n");
        for (Measured m : measured) {
            sb.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%s</td><td>%d</td><td>%.3f</td><td>%.4f</td>"
                            + "<td>%s</td><td>%s</td><td>%+.4f</td><td>%.4f</td><td>%.3f</td></tr>%n",
                    HtmlReport.escape(m.copy()), HtmlReport.escape(m.encoding()), m.modelBytes(), m.sizeRatio(),
                    m.accuracy(), ReportFormat.fixed(m.accuracyInterval().low()),
                    ReportFormat.fixed(m.accuracyInterval().high()), m.accuracyDelta(), m.agreement(),
                    m.weightSparsity()));
        }
        return sb.append("</table>\n").toString();
    }

    private static Double nullIfNaN(double v) {
        return Double.isNaN(v) ? null : v;
    }
}
