package io.streamtrain.evaluate;

import io.streamtrain.core.metrics.Averaging;
import io.streamtrain.core.metrics.Confusion;
import io.streamtrain.core.metrics.Metric;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Pure formatting of an evaluation: CSV, and a Markdown report with intervals, slices and the gate's decision. */
public final class ReportFormat {

    private static final Metric[] TABLE = {Metric.PRECISION, Metric.RECALL, Metric.F1, Metric.ROC_AUC};

    private ReportFormat() {
    }

    public static String csv(List<MetricRow> rows) {
        StringBuilder sb = new StringBuilder("slice,class,metric,averaging,value,ci_low,ci_high\n");
        for (MetricRow r : rows) {
            sb.append(csvField(r.slice())).append(',').append(csvField(r.className())).append(',')
                    .append(r.metric()).append(',').append(r.averaging()).append(',').append(number(r.value()))
                    .append(',').append(number(r.ciLow())).append(',').append(number(r.ciHigh())).append('\n');
        }
        return sb.toString();
    }

    /**
     * A classification report in the layout of scikit-learn's, each value with its interval, then the overall
     * metrics, the slices, the confusion matrix and, with a gate, its decision.
     */
    public static String markdown(String title, Confusion m, List<MetricRow> rows, double confidence,
                                  Decision decision) {
        String all = Scores.ALL;
        StringBuilder sb = new StringBuilder("## ").append(title).append("\n\n");
        sb.append(String.format(Locale.ROOT, "Values with their %.0f%% bootstrap interval.%n%n", confidence * 100));
        sb.append("| class | precision | recall | f1 | roc_auc | support |\n|---|---:|---:|---:|---:|---:|\n");
        for (String label : m.labels()) {
            sb.append("| ").append(label).append(" |");
            for (Metric metric : TABLE) {
                sb.append(' ').append(cell(MetricTable.find(rows, all, label, metric, Averaging.NONE))).append(" |");
            }
            sb.append(' ').append(count(MetricTable.find(rows, all, label, Metric.SUPPORT, Averaging.NONE)))
                    .append(" |\n");
        }
        for (Averaging averaging : new Averaging[]{Averaging.MACRO, Averaging.MICRO, Averaging.WEIGHTED}) {
            sb.append("| ").append(averaging.column()).append(" avg |");
            for (Metric metric : TABLE) {
                sb.append(' ').append(cell(MetricTable.find(rows, all, MetricRow.OVERALL, metric, averaging)))
                        .append(" |");
            }
            sb.append(' ').append(count(MetricTable.find(rows, all, MetricRow.OVERALL, Metric.SUPPORT,
                    Averaging.NONE))).append(" |\n");
        }
        sb.append("\n| overall | value |\n|---|---:|\n");
        for (Metric metric : new Metric[]{Metric.ACCURACY, Metric.LOG_LOSS, Metric.ECE}) {
            sb.append("| ").append(metric.column()).append(" | ")
                    .append(cell(MetricTable.find(rows, all, MetricRow.OVERALL, metric, Averaging.NONE)))
                    .append(" |\n");
        }
        Set<String> slices = new LinkedHashSet<>();
        rows.forEach(r -> slices.add(r.slice()));
        slices.remove(all);
        if (!slices.isEmpty()) {
            sb.append("\n### By slice\n\n| slice | examples | accuracy | f1 (macro) |\n|---|---:|---:|---:|\n");
            for (String slice : slices) {
                sb.append("| ").append(slice).append(" | ")
                        .append(count(MetricTable.find(rows, slice, MetricRow.OVERALL, Metric.SUPPORT,
                                Averaging.NONE))).append(" | ")
                        .append(cell(MetricTable.find(rows, slice, MetricRow.OVERALL, Metric.ACCURACY,
                                Averaging.NONE))).append(" | ")
                        .append(cell(MetricTable.find(rows, slice, MetricRow.OVERALL, Metric.F1, Averaging.MACRO)))
                        .append(" |\n");
            }
        }
        sb.append("\n### Confusion matrix (rows: actual, columns: predicted)\n\n| actual \\ predicted |");
        for (int k = 0; k < m.classes(); k++) {
            sb.append(' ').append(k).append(" |");
        }
        sb.append("\n|---|").append("---:|".repeat(m.classes())).append('\n');
        for (int a = 0; a < m.classes(); a++) {
            sb.append("| ").append(a).append(' ').append(m.labels().get(a)).append(" |");
            for (int p = 0; p < m.classes(); p++) {
                sb.append(' ').append(m.count(a, p)).append(" |");
            }
            sb.append('\n');
        }
        if (decision != null) {
            sb.append("\n").append(decision(decision));
        }
        return sb.toString();
    }

    /** The gate's decision and its reasons, as a Markdown section. */
    public static String decision(Decision d) {
        StringBuilder sb = new StringBuilder("### Promotion gate: ").append(d.outcome().column()).append("\n\n");
        sb.append("Candidate ").append(d.candidate()).append(", champion ")
                .append(d.champion() == null ? "none" : d.champion()).append(".\n\n");
        for (String reason : d.reasons()) {
            sb.append("- ").append(reason).append('\n');
        }
        return sb.toString();
    }

    /** {@code 0.8912 [0.8850, 0.8970]}, or the bare value without an interval. */
    static String cell(MetricRow row) {
        if (row == null) {
            return "";
        }
        if (Double.isNaN(row.ciLow())) {
            return fixed(row.value());
        }
        return fixed(row.value()) + " [" + fixed(row.ciLow()) + ", " + fixed(row.ciHigh()) + "]";
    }

    private static String count(MetricRow row) {
        return row == null ? "" : String.valueOf((long) row.value());
    }

    public static String fixed(double v) {
        return Double.isNaN(v) ? "NaN" : String.format(Locale.ROOT, "%.4f", v);
    }

    private static String number(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.valueOf(v);
    }

    private static String csvField(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
