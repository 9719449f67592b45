package io.streamtrain.evaluate;

import io.streamtrain.core.table.CuratedTable;
import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.ParquetTables;
import io.streamtrain.core.Phases;
import io.streamtrain.core.RecordSchema;
import io.streamtrain.core.stage.StagePlan;
import io.streamtrain.core.table.Table;
import io.streamtrain.core.Warehouse;
import io.streamtrain.core.metrics.Confusion;
import io.streamtrain.core.metrics.ConfusionMetrics;
import io.streamtrain.core.metrics.Interval;
import io.streamtrain.core.metrics.Replicates;
import io.streamtrain.core.metrics.ScoreStats;
import io.streamtrain.core.table.Split;
import io.streamtrain.model.ModelBundle;
import io.streamtrain.model.Predictor;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleSupplier;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

/**
 * Scores a model bundle on the curated test split, distributed, and writes the {@code predictions},
 * {@code evaluation} (every metric with its bootstrap interval, overall and per slice) and {@code confusion_matrix}
 * tables, partitioned by run id so that a re-run replaces its own rows, and {@code reports/<run-id>/}: metrics.csv,
 * metrics.md, PNG plots and a self-contained index.html. With the gate on it also scores the champion on the same
 * rows, decides, records the decision in {@code decisions} and moves {@code models/champion} on a promotion.
 */
public final class EvaluateJob {

    private static final Logger LOG = LoggerFactory.getLogger(EvaluateJob.class);




    private EvaluateJob() {
    }

    /**
     * Checks, without side effects, that evaluate can run: the model exists (or train runs first), so does the
     * curated table (or preprocess runs first), and with the gate on, the champion the pointer names.
     */
    public static StagePlan plan(HadoopFiles files, RecordSchema schema, Warehouse warehouse,
                                 EvaluateSettings settings, String modelRunId, String runId, boolean trained,
                                 boolean curatedComing) {
        if (!curatedComing) {
            CuratedTable.require(files, warehouse);
        }
        String model = trained ? warehouse.model(runId) : ModelBundle.requireUsable(files, warehouse, modelRunId,
                schema.featureCount(), schema.classCount());
        List<String> reads = new ArrayList<>(List.of(model, warehouse.table(Table.CURATED) + " (test split, and the"
                + " holdout rows its run's preprocess curated)"));
        List<String> writes = new ArrayList<>(List.of(warehouse.table(Table.PREDICTIONS),
                warehouse.table(Table.EVALUATION), warehouse.table(Table.CONFUSION_MATRIX), warehouse.report(runId)));
        if (settings.gate().enabled()) {
            String champion = champion(files, warehouse);
            if (champion != null) {
                reads.add(ModelBundle.requireUsable(files, warehouse, champion, schema.featureCount(),
                        schema.classCount()) + " (champion)");
            }
            writes.add(warehouse.table(Table.DECISIONS));
            writes.add(warehouse.championModelPointer() + " (on promotion)");
        }
        return new StagePlan("evaluate", reads, writes);
    }

    /**
     * The champion a gated run compares with: the one its first attempt recorded in {@code decisions}, if this run id
     * decided before (a retry after the pointer moved must not compare the candidate with itself and reject it), else
     * the one {@code models/champion} names; null for none.
     */
    static String championBefore(SparkSession spark, HadoopFiles files, Warehouse warehouse, String runId) {
        String decisions = warehouse.table(Table.DECISIONS);
        if (files.containsFile(decisions, ".parquet")) {
            List<Row> earlier = spark.read().parquet(decisions).where(col("run_id").equalTo(runId))
                    .select("champion_model_id").collectAsList();
            if (!earlier.isEmpty()) {
                String recorded = earlier.get(0).getString(0);
                LOG.info("evaluate: run {} decided before; comparing with the champion it met then ({})", runId,
                        recorded == null ? "none" : recorded);
                return recorded;
            }
        }
        return champion(files, warehouse);
    }

    /** The run id {@code models/champion} names, or null when no model has been promoted yet. */
    public static String champion(HadoopFiles files, Warehouse warehouse) {
        return ModelBundle.champion(files, warehouse);
    }

    /**
     * @param modelRunId the bundle to score, or null for {@code models/latest}
     * @param runId      names this evaluation's report and table partitions
     */
    public static EvaluateResult run(SparkSession spark, RecordSchema schema, Warehouse warehouse,
                                     EvaluateSettings settings, String modelRunId, String runId) {
        long started = System.nanoTime();
        Timestamp now = Timestamp.from(Instant.now());
        HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
        LOG.info("evaluate: run {} scores model {} on the test split{}", runId, modelRunId == null ? "latest"
                : modelRunId, settings.gate().enabled() ? ", then the gate decides" : "");
        ExecutorService background = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "evaluate-report");
            t.setDaemon(true);
            return t;
        });
        Phases phases = new Phases(started);
        try {
            Inputs in = load(spark, files, warehouse, settings, modelRunId, runId, background);
            phases.lap("load the models");
            List<String> labels = schema.labels();
            Scores.Outcome outcome = score(spark, schema, warehouse, settings, runId, in);
            long testRows = outcome.bySlice().get(Scores.ALL).sample().examples();
            CuratedTable.requireTestRows(testRows, warehouse);
            phases.lap("score, bootstrap and write predictions");

            String modelId = in.bundle().runId();
            Map<String, Replicates> bySlice = outcome.bySlice();
            Scores.Paired paired = pair(settings, in, outcome);
            Decision decision = gate(settings, modelId, in.champion(), bySlice, paired, labels,
                    () -> firstChampionValue(spark, files, warehouse, settings.gate().metric()));
            Report report = Report.of(modelId, runId, bySlice, decision, labels, settings);
            phases.lap("intervals and gate");
            HeldOut heldOut = HeldOut.score(spark, schema, warehouse, settings, runId, in.bundle(),
                    in.championBundle());
            phases.lap("held-out share");
            // The plots need only the merged statistics: the driver draws them while Spark writes the tables.
            Future<Map<String, byte[]>> drawn = background.submit(() -> report.draw(
                    modelId, bySlice.get(Scores.ALL).sample(), decision, paired, labels, settings));
            writeTables(spark, warehouse, modelId, runId, metricRows(modelId, runId, report.rows(), heldOut, now),
                    report.confusion(), decision, now);
            phases.lap("write tables");
            report.images().putAll(join(drawn));
            History history = join(in.history());
            addLearningCurve(report, modelId, history);
            phases.lap("plots");
            String reportDir = writeReport(files, warehouse, runId, modelId, report, decision);
            promote(files, warehouse, runId, modelId, decision);
            phases.lap("write report");

            double seconds = (System.nanoTime() - started) / 1e9;
            logDone(modelId, reportDir, report, testRows, settings.replicates(), seconds, phases, history);
            if (heldOut != null) {
                LOG.info(heldOut.describe(runId, modelId));
            }
            if (decision != null) {
                LOG.info("evaluate: gate {}: {}", decision.outcome().column(), String.join("; ", decision.reasons()));
            }
            return new EvaluateResult(modelId, runId, report.confusion(), report.rows(), report.markdown(), decision,
                    seconds);
        } finally {
            background.shutdownNow();
        }
    }

    /** The candidate and, for the gate, the champion, with the test rows and the candidate's training history. */
    private record Inputs(ModelBundle bundle, String champion, ModelBundle championBundle, Dataset<Row> test,
                          String slice, Future<History> history) {
    }

    /**
     * Loading the network starts ND4J's native backend, seconds in a fresh JVM: meanwhile Spark reads the model's
     * training history (a small job of its own) and lists the curated files.
     */
    private static Inputs load(SparkSession spark, HadoopFiles files, Warehouse warehouse, EvaluateSettings settings,
                               String modelRunId, String runId, ExecutorService background) {
        String modelId = ModelBundle.resolve(files, warehouse, modelRunId);
        Future<ModelBundle> loading = background.submit(
                () -> ModelBundle.load(files, warehouse, modelId));
        Future<History> historyRead = background.submit(
                () -> History.read(spark, warehouse, ModelBundle.runOf(modelId)));
        Dataset<Row> test = TestRows.of(spark, files, warehouse, runId);
        String slice = sliceColumn(test, settings.sliceColumn());
        ModelBundle bundle = join(loading);
        String champion = settings.gate().enabled() ? championBefore(spark, files, warehouse, runId) : null;
        ModelBundle championBundle = champion == null || champion.equals(bundle.runId()) ? null
                : ModelBundle.load(files, warehouse, champion);
        return new Inputs(bundle, champion, championBundle, test, slice, historyRead);
    }

    /**
     * One pass over the test rows that writes the predictions. Curated rows hold unscaled compact features; each model
     * sees them scaled by its bundle's own scaler, as its training rows were.
     */
    private static Scores.Outcome score(SparkSession spark, RecordSchema schema, Warehouse warehouse,
                                          EvaluateSettings settings, String runId, Inputs in) {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        ModelBundle bundle = in.bundle();
        ModelBundle championBundle = in.championBundle();
        try (Predictor ours = Predictor.of(sc, bundle.network(), schema.featureCount());
             Predictor theirs = championBundle == null ? null
                     : Predictor.of(sc, championBundle.network(), schema.featureCount())) {
            TestPass pass = TestPass.of(spark, in.test(), new TestPass.Model(ours, bundle.scaler()),
                    theirs == null ? null : new TestPass.Model(theirs, championBundle.scaler()), settings, in.slice(),
                    schema.classCount(), sc.defaultParallelism());
            return pass.run(predictions -> ParquetTables.overwritePartitions(predictions
                    .withColumn("model_id", lit(bundle.runId())).withColumn("run_id", lit(runId)),
                    warehouse, Table.PREDICTIONS));
        }
    }

    /**
     * Candidate and champion scored on the same replicates, for a gated run with a champion; a champion that is the
     * candidate itself (a re-run after its promotion) is paired with itself. Null without gate or champion.
     */
    private static Scores.Paired pair(EvaluateSettings settings, Inputs in, Scores.Outcome outcome) {
        if (!settings.gate().enabled() || in.champion() == null) {
            return null;
        }
        Replicates all = outcome.bySlice().get(Scores.ALL);
        return in.championBundle() == null ? new Scores.Paired(all, all, 0, 0) : outcome.paired();
    }

    /** The gate's decision; with no champion yet, the candidate is promoted without comparison. Null without gate. */
    private static Decision gate(EvaluateSettings settings, String modelId, String champion,
                                 Map<String, Replicates> bySlice, Scores.Paired paired, List<String> labels,
                                 DoubleSupplier firstChampion) {
        if (!settings.gate().enabled()) {
            return null;
        }
        if (champion == null) {
            return Gate.first(modelId, settings.gate().metric(),
                    settings.gate().metric().of(bySlice.get(Scores.ALL).sample(), labels));
        }
        return decide(settings, modelId, champion, paired, labels, firstChampion.getAsDouble());
    }

    /**
     * The gate's metric of the first model it promoted (the decision with no champion to beat), as the decisions table
     * holds it; NaN when there is none, or it was decided on another metric.
     */
    static double firstChampionValue(SparkSession spark, HadoopFiles files, Warehouse warehouse, GateMetric metric) {
        String decisions = warehouse.table(Table.DECISIONS);
        if (!files.containsFile(decisions, ".parquet")) {
            return Double.NaN;
        }
        List<Row> first = spark.read().parquet(decisions)
                .where(col("champion_model_id").isNull().and(col("outcome").equalTo(Decision.Outcome.PROMOTED
                        .column())).and(col("metric").equalTo(metric.describe())))
                .orderBy("decided_at").select("candidate_value").limit(1).collectAsList();
        return first.isEmpty() ? Double.NaN : first.get(0).getDouble(0);
    }

    /** The learning curve from the training history, when there is one; plots that could not be drawn are left out. */
    private static void addLearningCurve(Report report, String modelId, History history) {
        if (history != null) {
            report.images().put("learning-curve.png", Charts.learningCurve(modelId, history.epochs(),
                    history.loss(), history.validationAccuracy()));
        }
        report.images().values().removeIf(Objects::isNull);
    }

    /** The plots, {@code metrics.csv}, {@code metrics.md} and {@code index.html}; returns the report's folder. */
    private static String writeReport(HadoopFiles files, Warehouse warehouse, String runId, String modelId,
                                      Report report, Decision decision) {
        String reportDir = warehouse.report(runId);
        for (Map.Entry<String, byte[]> image : report.images().entrySet()) {
            files.writeBytes(reportDir + "/" + image.getKey(), image.getValue());
        }
        files.writeString(reportDir + "/metrics.csv", ReportFormat.csv(report.rows()));
        files.writeString(reportDir + "/metrics.md", report.markdown());
        files.writeString(reportDir + "/index.html", HtmlReport.render(report.title(), report.confusion(),
                report.rows(), decision, report.images(), modelSections(files, warehouse, modelId)));
        return reportDir;
    }

    /**
     * Moves {@code models/champion} to a promoted candidate, unless another model has taken it since this run id first
     * decided: a retry must not move the pointer back.
     */
    private static void promote(HadoopFiles files, Warehouse warehouse, String runId, String modelId,
                                Decision decision) {
        if (decision == null || decision.outcome() != Decision.Outcome.PROMOTED) {
            return;
        }
        String current = champion(files, warehouse);
        if (current == null || current.equals(decision.champion()) || current.equals(modelId)) {
            // Last, after the decision is recorded: the pointer never names a model whose decision is missing.
            files.writeString(warehouse.championModelPointer(), modelId + "\n");
        } else {
            LOG.warn("evaluate: the champion has moved on to {} since run {} first decided; not moving it"
                    + " back to {}", current, runId, modelId);
        }
    }

    /** The run's summary: accuracy and where the report is, what took how long, and the speed beside training's. */
    private static void logDone(String modelId, String reportDir, Report report, long testRows, int replicates,
                                double seconds, Phases phases, History history) {
        Confusion confusion = report.confusion();
        LOG.info("evaluate: model {} accuracy {} on {} test examples; report in {}", modelId,
                String.format(Locale.ROOT, "%.4f", ConfusionMetrics.accuracy(confusion)), confusion.total(),
                reportDir);
        LOG.info(String.format(Locale.ROOT, "evaluate: %d test rows scored, %d bootstrap replicates, predictions,"
                + " tables and %d plots in %.1f s (%s)", testRows, replicates, report.images().size(),
                seconds, phases));
        LOG.info(speedLine(seconds, history));
    }

    /**
     * {@code evaluate_seconds=... epoch_seconds=... ratio=...}: this evaluation's wall time beside the median epoch of
     * the model's training history (the median, because the first epoch also pays for the JIT and the cache).
     */
    static String speedLine(double seconds, History history) {
        if (history == null) {
            return String.format(Locale.ROOT, "evaluate: evaluate_seconds=%.1f epoch_seconds=unknown (no training"
                    + " history for the model)", seconds);
        }
        double epoch = history.medianEpochSeconds();
        return String.format(Locale.ROOT, "evaluate: evaluate_seconds=%.1f epoch_seconds=%.1f ratio=%.2f (median of"
                + " %d epochs)", seconds, epoch, seconds / epoch, history.epochs().length);
    }

    private static <T> T join(Future<T> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while drawing the report", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * What the driver computes from the merged statistics alone: the metric rows with their intervals, the
     * Markdown and every plot but the learning curve.
     */
    record Report(String title, Confusion confusion, List<MetricRow> rows, String markdown,
                  Map<String, byte[]> images) {

        static Report of(String modelId, String runId, Map<String, Replicates> bySlice, Decision decision,
                         List<String> labels, EvaluateSettings settings) {
            Confusion confusion = bySlice.get(Scores.ALL).sample().confusion(labels);
            List<MetricRow> rows = new ArrayList<>();
            bySlice.forEach((name, replicates) -> rows.addAll(MetricTable.rows(name, replicates, labels,
                    settings.confidence())));
            String title = "Evaluation of model " + modelId + " on the test split (run " + runId + ")";
            String markdown = ReportFormat.markdown(title, confusion, rows, settings.confidence(), decision);
            return new Report(title, confusion, rows, markdown, new LinkedHashMap<>());
        }

        /** Every plot but the learning curve, in display order. */
        Map<String, byte[]> draw(String modelId, ScoreStats all, Decision decision, Scores.Paired paired,
                                 List<String> labels, EvaluateSettings settings) {
            Map<String, byte[]> images = new LinkedHashMap<>();
            images.put("confusion.png", Charts.confusion(confusion));
            images.put("f1.png", Charts.f1WithIntervals(labels, rows, settings.confidence()));
            images.put("reliability.png", Charts.reliability(all));
            if (paired != null && decision != null && decision.champion() != null) {
                images.put("champion-vs-candidate.png", Charts.championVsCandidate(labels, decision.champion(),
                        f1(paired.champion().sample(), labels), modelId, f1(paired.candidate().sample(), labels)));
            }
            return images;
        }
    }

    /**
     * What {@code compress} and {@code explain} last wrote beside the model, for its report: the compressed copies
     * (of a bundle, not of a copy) and the explanations with their sanity check.
     */
    static Map<String, String> modelSections(HadoopFiles files, Warehouse warehouse, String modelId) {
        Map<String, String> sections = new LinkedHashMap<>();
        String compression = ModelBundle.compressionSummary(warehouse, ModelBundle.runOf(modelId));
        if (ModelBundle.copyOf(modelId) == null && files.exists(compression)) {
            sections.put("Compressed copies", files.readString(compression));
        }
        String explanations = ModelBundle.explanationSummary(warehouse, modelId);
        if (files.exists(explanations)) {
            sections.put("Explanations", files.readString(explanations));
        }
        return sections;
    }

    /** The configured slice column when the test rows have it; a warning and no slices otherwise. */
    static String sliceColumn(Dataset<Row> test, String configured) {
        if (configured.isEmpty()) {
            return null;
        }
        if (!Arrays.asList(test.columns()).contains(configured)) {
            LOG.warn("evaluate: the curated table has no column '{}' ({}); no metrics by slice", configured,
                    EvaluateSettings.SLICE_COLUMN);
            return null;
        }
        return configured;
    }

    static Decision decide(EvaluateSettings settings, String candidate, String champion, Scores.Paired paired,
                           List<String> labels) {
        return decide(settings, candidate, champion, paired, labels, Double.NaN);
    }

    static Decision decide(EvaluateSettings settings, String candidate, String champion, Scores.Paired paired,
                           List<String> labels, double firstChampion) {
        GateMetric metric = settings.gate().metric();
        Interval delta = Interval.percentile(differences(paired, metric, labels), settings.confidence());
        return Gate.decide(settings.gate(), metric, new Gate.Measured(candidate, champion,
                metric.of(paired.candidate().sample(), labels), metric.of(paired.champion().sample(), labels),
                delta.low(), delta.high(), paired.onlyCandidate(), paired.onlyChampion(), labels,
                f1(paired.candidate().sample(), labels), f1(paired.champion().sample(), labels)), firstChampion);
    }

    /** Candidate minus champion in each replicate: the replicates weight rows alike, so this is paired. */
    static double[] differences(Scores.Paired paired, GateMetric metric, List<String> labels) {
        return ConfusionMetrics.quietly(() -> {
            double[] d = new double[paired.candidate().replicates()];
            for (int r = 1; r <= d.length; r++) {
                d[r - 1] = metric.of(paired.candidate().replicate(r), labels)
                        - metric.of(paired.champion().replicate(r), labels);
            }
            return d;
        });
    }

    static double[] f1(ScoreStats s, List<String> labels) {
        Confusion m = s.confusion(labels);
        double[] f1 = new double[labels.size()];
        for (int k = 0; k < f1.length; k++) {
            f1[k] = ConfusionMetrics.f1(m, k);
        }
        return f1;
    }

    /** The evaluation table's rows: the candidate's on the test split, then both models' on the held-out share. */
    private static List<Row> metricRows(String modelId, String runId, List<MetricRow> test, HeldOut heldOut,
                                        Timestamp now) {
        List<Row> rows = new ArrayList<>(metricRows(modelId, Split.TEST, test, runId, now));
        if (heldOut != null) {
            rows.addAll(metricRows(modelId, Split.HOLDOUT, heldOut.candidate(), runId, now));
            if (heldOut.champion() != null) {
                rows.addAll(metricRows(heldOut.champion(), Split.HOLDOUT, heldOut.championRows(), runId, now));
            }
        }
        return rows;
    }

    private static List<Row> metricRows(String modelId, Split split, List<MetricRow> rows, String runId,
                                        Timestamp now) {
        return rows.stream().map(r -> RowFactory.create(modelId, split.value(), r.slice(), r.className(),
                r.metric(), r.averaging(), r.value(), nullIfNaN(r.ciLow()), nullIfNaN(r.ciHigh()), now, runId))
                .toList();
    }

    private static void writeTables(SparkSession spark, Warehouse warehouse, String modelId, String runId,
                                    List<Row> metricRows, Confusion confusion, Decision decision, Timestamp now) {
        List<Row> cells = new ArrayList<>();
        for (int a = 0; a < confusion.classes(); a++) {
            for (int p = 0; p < confusion.classes(); p++) {
                cells.add(RowFactory.create(modelId, confusion.labels().get(a), confusion.labels().get(p),
                        confusion.count(a, p), runId));
            }
        }
        ParquetTables.overwriteRows(spark, metricRows, warehouse, Table.EVALUATION);
        ParquetTables.overwriteRows(spark, cells, warehouse, Table.CONFUSION_MATRIX);
        if (decision != null) {
            Row row = RowFactory.create(decision.candidate(), decision.champion(), decision.outcome().column(),
                    decision.metric(), decision.candidateValue(), nullIfNaN(decision.championValue()),
                    nullIfNaN(decision.deltaLow()), nullIfNaN(decision.deltaHigh()), decision.onlyCandidate(),
                    decision.onlyChampion(), nullIfNaN(decision.pValue()), decision.reasons(), now, runId);
            ParquetTables.overwriteRows(spark, List.of(row), warehouse, Table.DECISIONS);
        }
    }

    private static Double nullIfNaN(double v) {
        return Double.isNaN(v) ? null : v;
    }


    /** The training history of a model, when the table has its run: what the learning curve plots. */
    record History(int[] epochs, double[] loss, double[] validationAccuracy, double[] epochSeconds) {

        /** The median seconds of an epoch. */
        double medianEpochSeconds() {
            double[] sorted = epochSeconds.clone();
            Arrays.sort(sorted);
            int n = sorted.length;
            return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        }


        static History read(SparkSession spark, Warehouse warehouse, String modelId) {
            // The run's own partition: no listing of every run's.
            String path = warehouse.table(Table.TRAINING_HISTORY) + "/run_id=" + modelId;
            if (!new HadoopFiles(spark.sparkContext().hadoopConfiguration()).containsFile(path, ".parquet")) {
                return null;
            }
            // Sorted here, not by Spark: a sort of a dozen rows would cost a sampling job and a shuffle.
            List<Row> rows = new ArrayList<>(spark.read().parquet(path)
                    .select("epoch", "loss", "validation_accuracy", "seconds").collectAsList());
            rows.sort(Comparator.comparingInt(r -> r.getInt(0)));
            if (rows.isEmpty()) {
                return null;
            }
            int n = rows.size();
            int[] epochs = new int[n];
            double[] loss = new double[n];
            double[] accuracy = new double[n];
            double[] seconds = new double[n];
            for (int i = 0; i < n; i++) {
                epochs[i] = rows.get(i).getInt(0);
                loss[i] = rows.get(i).getDouble(1);
                accuracy[i] = rows.get(i).getDouble(2);
                seconds[i] = rows.get(i).getDouble(3);
            }
            return new History(epochs, loss, accuracy, seconds);
        }
    }
}
