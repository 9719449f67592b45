package io.streamtrain.evaluate;

import io.streamtrain.core.RecordSchema;
import io.streamtrain.core.Warehouse;
import io.streamtrain.core.metrics.Averaging;
import io.streamtrain.core.metrics.Interval;
import io.streamtrain.core.metrics.Metric;
import io.streamtrain.core.metrics.Replicates;
import io.streamtrain.core.table.CuratedTable;
import io.streamtrain.core.table.Split;
import io.streamtrain.model.ModelBundle;
import io.streamtrain.model.Predictor;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.util.List;
import java.util.Locale;

import static org.apache.spark.sql.functions.col;

/**
 * An evaluation run's held-out share: the curated rows of split {@code holdout} that the run's own preprocess curated,
 * drawn by the salted id hash ({@code preprocess.holdout-fraction}; {@code streamtrain continuous} holds out
 * {@code continuous.holdout-fraction} of each cycle's new records). No model trains on them, so they show how the
 * candidate and the champion do on the newest data, beside the fixed test split the gate judges. They do not enter
 * the gate's decision.
 *
 * @param rows      held-out rows scored
 * @param candidate the candidate's metric rows
 * @param champion  the champion's model id, or null when there is none to compare (or it is the candidate)
 * @param championRows the champion's metric rows on the same rows, or empty
 * @param delta     the gate metric of candidate minus champion, with its paired bootstrap interval; null without
 *                  a champion
 */
record HeldOut(long rows, List<MetricRow> candidate, String champion, List<MetricRow> championRows, Delta delta) {

    /** Candidate minus champion in the gate's metric, paired over the same bootstrap replicates. */
    record Delta(String metric, double value, Interval interval) {
    }

    /** Scores the held-out rows of run {@code runId} with the candidate and, when given, the champion; null if none. */
    static HeldOut score(SparkSession spark, RecordSchema schema, Warehouse warehouse, EvaluateSettings settings,
                         String runId, ModelBundle candidate, ModelBundle champion) {
        Dataset<Row> rows = CuratedTable.split(spark, warehouse, Split.HOLDOUT)
                .where(col(CuratedTable.RUN).equalTo(runId));
        if (rows.isEmpty()) {
            return null;
        }
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        List<String> labels = schema.labels();
        try (Predictor ours = Predictor.of(sc, candidate.network(), schema.featureCount());
             Predictor theirs = champion == null ? null
                     : Predictor.of(sc, champion.network(), schema.featureCount())) {
            Scores.Outcome outcome = TestPass.of(spark, rows, new TestPass.Model(ours, candidate.scaler()),
                    theirs == null ? null : new TestPass.Model(theirs, champion.scaler()), settings, null,
                    schema.classCount(), sc.defaultParallelism()).run(Dataset::count);
            Replicates all = outcome.bySlice().get(Scores.ALL);
            List<MetricRow> candidateRows = MetricTable.rows(Scores.ALL, all, labels, settings.confidence());
            if (champion == null) {
                return new HeldOut(all.sample().examples(), candidateRows, null, List.of(), null);
            }
            Scores.Paired paired = outcome.paired();
            GateMetric metric = settings.gate().metric();
            Interval interval = paired.candidate().replicates() == 0 ? Interval.NONE
                    : Interval.percentile(EvaluateJob.differences(paired, metric, labels), settings.confidence());
            Delta delta = new Delta(metric.describe(), metric.of(paired.candidate().sample(), labels)
                    - metric.of(paired.champion().sample(), labels), interval);
            return new HeldOut(all.sample().examples(), candidateRows, champion.runId(),
                    MetricTable.rows(Scores.ALL, paired.champion(), labels, settings.confidence()), delta);
        }
    }

    /** The log line: rows, each model's accuracy with its interval, and the paired difference. */
    String describe(String runId, String candidateId) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "evaluate: held-out share of run %s (%d rows"
                + " no model trained on): %s accuracy %s", runId, rows, candidateId, accuracy(candidate)));
        if (champion != null) {
            sb.append(String.format(Locale.ROOT, ", champion %s %s; %s difference %+.4f [%.4f, %.4f]", champion,
                    accuracy(championRows), delta.metric(), delta.value(), delta.interval().low(),
                    delta.interval().high()));
        }
        return sb.toString();
    }

    private static String accuracy(List<MetricRow> rows) {
        MetricRow a = MetricTable.find(rows, Scores.ALL, MetricRow.OVERALL, Metric.ACCURACY, Averaging.NONE);
        return String.format(Locale.ROOT, "%.4f [%.4f, %.4f]", a.value(), a.ciLow(), a.ciHigh());
    }
}
