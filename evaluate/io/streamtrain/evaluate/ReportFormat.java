package io.streamtrain.evaluate;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Pure formatting of an evaluation: the rows of the metric table, CSV, and a Markdown report. */
public final class ReportFormat {

    private static final Metric[] PER_CLASS = {Metric.PRECISION, Metric.RECALL, Metric.F1, Metric.SUPPORT};

    private ReportFormat() {
    }

    /** Per-class precision, recall, F1 and support; overall accuracy; macro and weighted averages. */
    public static List<MetricRow> rows(Confusion m) {
        List<MetricRow> rows = new ArrayList<>();
        for (int k = 0; k < m.classes(); k++) {
            for (Metric metric : PER_CLASS) {
                rows.add(new MetricRow(m.labels().get(k), metric.column(), ConfusionMetrics.perClass(m, metric, k)));
            }
        }
        rows.add(new MetricRow(MetricRow.OVERALL, Metric.ACCURACY.column(), ConfusionMetrics.accuracy(m)));
        rows.add(new MetricRow(MetricRow.OVERALL, Metric.SUPPORT.column(), m.total()));
        for (Metric metric : new Metric[]{Metric.PRECISION, Metric.RECALL, Metric.F1}) {
            rows.add(new MetricRow(MetricRow.MACRO, metric.column(), ConfusionMetrics.macro(m, metric)));
            rows.add(new MetricRow(MetricRow.WEIGHTED, metric.column(), ConfusionMetrics.weighted(m, metric)));
        }
        return rows;
    }

    public static String csv(List<MetricRow> rows) {
        StringBuilder sb = new StringBuilder("class,metric,value\n");
        for (MetricRow r : rows) {
            sb.append(csvField(r.className())).append(',').append(r.metric()).append(',')
                    .append(number(r.value())).append('\n');
        }
        return sb.toString();
    }

    /** A classification report in the layout of scikit-learn's, then the confusion matrix. */
    public static String markdown(Confusion m, String title) {
        StringBuilder sb = new StringBuilder("## ").append(title).append("\n\n");
        sb.append("| class | precision | recall | f1 | support |\n|---|---:|---:|---:|---:|\n");
        for (int k = 0; k < m.classes(); k++) {
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %d |%n", m.labels().get(k),
                    fixed(ConfusionMetrics.precision(m, k)), fixed(ConfusionMetrics.recall(m, k)),
                    fixed(ConfusionMetrics.f1(m, k)), ConfusionMetrics.support(m, k)));
        }
        sb.append(String.format(Locale.ROOT, "| **accuracy** | | | %s | %d |%n",
                fixed(ConfusionMetrics.accuracy(m)), m.total()));
        for (String avg : new String[]{MetricRow.MACRO, MetricRow.WEIGHTED}) {
            boolean macro = avg.equals(MetricRow.MACRO);
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %d |%n", avg,
                    fixed(macro ? ConfusionMetrics.macro(m, Metric.PRECISION) : ConfusionMetrics.weighted(m, Metric.PRECISION)),
                    fixed(macro ? ConfusionMetrics.macro(m, Metric.RECALL) : ConfusionMetrics.weighted(m, Metric.RECALL)),
                    fixed(macro ? ConfusionMetrics.macro(m, Metric.F1) : ConfusionMetrics.weighted(m, Metric.F1)),
                    m.total()));
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
        return sb.toString();
    }

    private static String fixed(double v) {
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
