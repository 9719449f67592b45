package io.streamtrain.jobs;

import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.Warehouse;
import io.streamtrain.core.table.Table;
import io.streamtrain.evaluate.Charts;
import io.streamtrain.evaluate.HtmlReport;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;


/**
 * {@code reports/continuous/index.html}, the status page of {@code streamtrain continuous}, rewritten after every
 * cycle from the tables the loop writes: the champion and its staleness, the last cycles with their decisions, the
 * candidates' accuracy with its interval on the test split and both models' on the cycle's held-out share, staleness and scoring latency over time, and records scored per second.
 * One self-contained file, plots embedded, readable from the warehouse without a server.
 */
final class ContinuousStatus {

    static final String REPORT = "continuous";
    private static final int CYCLES_SHOWN = 10;
    private static final int RATE_WINDOW_SECONDS = 300;

    private ContinuousStatus() {
    }

    /** Renders the page from the warehouse's tables and writes it; returns its path. */
    static String write(SparkSession spark, HadoopFiles files, Warehouse warehouse, String champion, Instant now) {
        // Small (a row per 10 s, per micro-batch and per cycle): read once, in time order.
        List<Row> freshness = files.containsFile(warehouse.table(Table.FRESHNESS), ".parquet")
                ? spark.read().parquet(warehouse.table(Table.FRESHNESS)).orderBy("measured_at").collectAsList()
                : List.of();
        List<Row> staleness = kind(freshness, "staleness");
        List<Row> scoring = kind(freshness, "scoring");
        List<Row> cycles = new ArrayList<>(kind(freshness, "cycle"));
        Collections.reverse(cycles);
        Map<String, Row> decisions = byKey(spark, files, warehouse, Table.DECISIONS, null, false);
        String overall = "metric = 'accuracy' AND class = 'overall' AND slice = 'all' AND split = ";
        Map<String, Row> accuracy = byKey(spark, files, warehouse, Table.EVALUATION, overall + "'test'", false);
        Map<String, Row> heldOut = byKey(spark, files, warehouse, Table.EVALUATION, overall + "'holdout'", true);
        String html = render(champion, now, staleness, scoring, cycles.subList(0, Math.min(CYCLES_SHOWN,
                cycles.size())), decisions, new Accuracy(accuracy, heldOut));
        String path = warehouse.report(REPORT) + "/index.html";
        files.writeString(path, html);
        return path;
    }

    private static List<Row> kind(List<Row> freshness, String kind) {
        return freshness.stream().filter(r -> kind.equals(r.getAs("kind"))).toList();
    }

    /**
     * A table's rows by run id (the last one of a run), or by run id and model id ({@link #key}), or none when the
     * table does not exist yet.
     */
    private static Map<String, Row> byKey(SparkSession spark, HadoopFiles files, Warehouse warehouse, Table table,
                                          String where, boolean byModel) {
        Map<String, Row> out = new HashMap<>();
        if (!files.containsFile(warehouse.table(table), ".parquet")) {
            return out;
        }
        Dataset<Row> rows = spark.read().parquet(warehouse.table(table));
        for (Row r : (where == null ? rows : rows.where(where)).collectAsList()) {
            String run = r.getAs(Table.Columns.RUN_ID);
            out.put(byModel ? key(run, r.getAs("model_id")) : run, r);
        }
        return out;
    }

    private static String key(String run, String model) {
        return run + "/" + model;
    }

    /**
     * The accuracy rows the page shows: the candidate's on the test split by run id, and each model's on its cycle's
     * held-out share by run id and model id.
     */
    record Accuracy(Map<String, Row> test, Map<String, Row> heldOut) {
    }

    static String render(String champion, Instant now, List<Row> staleness, List<Row> scoring, List<Row> cycles,
                         Map<String, Row> decisions, Accuracy accuracy) {
        StringBuilder sb = new StringBuilder("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>streamtrain"
                + " continuous</title><style>body{font-family:sans-serif;margin:2em}td,th{padding:2px 8px;"
                + "text-align:right}th{background:#eee}</style></head><body>\n<h1>streamtrain continuous</h1>\n");
        sb.append("<p>Updated ").append(now).append(" (rewritten after every cycle).</p>\n");
        Row last = staleness.isEmpty() ? null : staleness.get(staleness.size() - 1);
        sb.append("<h2>Champion</h2>\n<p id=\"champion\">");
        if (champion == null) {
            sb.append("No champion yet: the first cycle trains one.");
        } else {
            sb.append("Model <b>").append(HtmlReport.escape(champion)).append("</b>");
            if (last != null && !last.isNullAt(last.fieldIndex("staleness_s"))) {
                sb.append(String.format(Locale.ROOT, ", stale by %.0f s (trained on events up to %s, measured %s)",
                        last.<Double>getAs("staleness_s"), last.<Timestamp>getAs("trained_through").toInstant(),
                        last.<Timestamp>getAs("measured_at").toInstant()));
            }
            sb.append('.');
        }
        sb.append("</p>\n<h2>Throughput</h2>\n<p id=\"throughput\">")
                .append(String.format(Locale.ROOT, "%.1f records scored per second over the last %d minutes (or"
                        + " since scoring began).", scoredPerSecond(scoring, now), RATE_WINDOW_SECONDS / 60))
                .append("</p>\n");
        cycles(sb, cycles, decisions, accuracy);
        Map<String, byte[]> plots = new LinkedHashMap<>();
        plots.put("Staleness of the champion", Charts.overTime("Staleness of the champion", "seconds",
                Map.of("staleness", series(staleness, "staleness_s"))));
        Map<String, double[][]> latency = new LinkedHashMap<>();
        latency.put("p95", series(scoring, "latency_p95_s"));
        latency.put("median", series(scoring, "latency_p50_s"));
        plots.put("Event-to-score latency", Charts.overTime("Event-to-score latency per micro-batch", "seconds",
                latency));
        plots.forEach((title, png) -> {
            if (png != null) {
                sb.append("<h2>").append(title).append("</h2>\n<img alt=\"").append(title)
                        .append("\" src=\"data:image/png;base64,").append(Base64.getEncoder().encodeToString(png))
                        .append("\">\n");
            }
        });
        return sb.append("</body></html>\n").toString();
    }

    private static void cycles(StringBuilder sb, List<Row> cycles, Map<String, Row> decisions, Accuracy accuracy) {
        sb.append("<h2>Last cycles</h2>\n<table id=\"cycles\"><tr><th>cycle</th><th>new records</th><th>outcome</th>"
                + "<th>candidate accuracy [95% interval]</th><th>champion accuracy</th>"
                + "<th>difference [paired interval]</th><th>held-out share: candidate accuracy [95% interval]</th>"
                + "<th>held-out share: champion accuracy</th><th>preprocess s</th><th>train s</th>"
                + "<th>evaluate s</th><th>cycle s</th></tr>\n");
        for (Row c : cycles) {
            String run = c.getAs("run_id");
            Row d = decisions.get(run);
            Row a = accuracy.test().get(run);
            Row heldCandidate = accuracy.heldOut().get(key(run, c.getAs("model_id")));
            Row heldChampion = d == null || d.isNullAt(d.fieldIndex("champion_model_id")) ? null
                    : accuracy.heldOut().get(key(run, d.getAs("champion_model_id")));
            sb.append("<tr><td>").append(HtmlReport.escape(run)).append("</td><td>").append((Long) c.getAs("records"))
                    .append("</td><td>").append(HtmlReport.escape(c.getAs("outcome"))).append("</td><td>")
                    .append(withInterval(a))
                    .append("</td><td>").append(d == null ? "" : fixed(d, "champion_value")).append("</td><td>")
                    .append(d == null || d.isNullAt(d.fieldIndex("champion_value")) ? "" : String.format(Locale.ROOT,
                            "%+.4f [%s, %s]", d.<Double>getAs("candidate_value") - d.<Double>getAs("champion_value"),
                            fixed(d, "delta_ci_low"), fixed(d, "delta_ci_high")))
                    .append("</td><td>").append(withInterval(heldCandidate))
                    .append("</td><td>").append(heldChampion == null ? "" : fixed(heldChampion, "value"))
                    .append("</td><td>").append(fixed(c, "preprocess_s")).append("</td><td>").append(fixed(c, "train_s"))
                    .append("</td><td>").append(fixed(c, "evaluate_s")).append("</td><td>").append(fixed(c, "cycle_s"))
                    .append("</td></tr>\n");
        }
        sb.append("</table>\n");
    }

    /** An evaluation row's value with its interval, or nothing. */
    private static String withInterval(Row a) {
        return a == null ? "" : String.format(Locale.ROOT, "%.4f [%s, %s]", a.<Double>getAs("value"),
                fixed(a, "ci_low"), fixed(a, "ci_high"));
    }

    private static String fixed(Row r, String column) {
        int i = r.fieldIndex(column);
        return r.isNullAt(i) ? "" : String.format(Locale.ROOT, "%.4g", r.getDouble(i));
    }

    /** Minutes since the first point, and the column's values. */
    private static double[][] series(List<Row> rows, String column) {
        List<Row> kept = rows.stream().filter(r -> !r.isNullAt(r.fieldIndex(column))).toList();
        double[][] points = new double[2][kept.size()];
        for (int i = 0; i < kept.size(); i++) {
            Timestamp at = kept.get(i).getAs("measured_at");
            points[0][i] = (at.getTime() - kept.get(0).<Timestamp>getAs("measured_at").getTime()) / 60_000.0;
            points[1][i] = kept.get(i).<Double>getAs(column);
        }
        return points;
    }

    /** Records scored per second in the window before {@code now}, or since the first micro-batch if later. */
    private static double scoredPerSecond(List<Row> scoring, Instant now) {
        if (scoring.isEmpty()) {
            return 0;
        }
        long since = Math.max(now.toEpochMilli() - RATE_WINDOW_SECONDS * 1000L,
                scoring.get(0).<Timestamp>getAs("measured_at").getTime());
        long records = scoring.stream().filter(r -> r.<Timestamp>getAs("measured_at").getTime() > since)
                .mapToLong(r -> r.<Long>getAs("records")).sum();
        return records / Math.max(1.0, (now.toEpochMilli() - since) / 1e3);
    }
}
