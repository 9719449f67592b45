package io.streamtrain.evaluate;

import io.streamtrain.core.metrics.Confusion;

import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * One self-contained {@code index.html}: the plots embedded as base64 data URIs, the metric table, the confusion
 * matrix, the gate's decision and, when they exist, the model's compressed copies and explanations. Pure: it only
 * builds a string.
 */
public final class HtmlReport {

    private HtmlReport() {
    }

    /**
     * @param images   file name (e.g. {@code confusion.png}) to PNG bytes, in display order
     * @param sections more of the model's story, heading to an HTML fragment: its compressed copies and its
     *                 explanations, as {@code compress} and {@code explain} last left them beside the bundle
     */
    public static String render(String title, Confusion m, List<MetricRow> rows, Decision decision,
                                Map<String, byte[]> images, Map<String, String> sections) {
        StringBuilder sb = new StringBuilder("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>")
                .append(escape(title)).append("</title><style>body{font-family:sans-serif;margin:2em}"
                        + "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 6px;"
                        + "text-align:right}td:first-child,th:first-child{text-align:left}img{max-width:100%}"
                        + "</style></head><body>\n<h1>").append(escape(title)).append("</h1>\n");
        if (decision != null) {
            sb.append("<h2>Promotion gate: ").append(decision.outcome().column()).append("</h2>\n<ul>");
            for (String reason : decision.reasons()) {
                sb.append("<li>").append(escape(reason)).append("</li>");
            }
            sb.append("</ul>\n");
        }
        for (Map.Entry<String, byte[]> image : images.entrySet()) {
            sb.append("<h2>").append(escape(image.getKey())).append("</h2>\n<img alt=\"")
                    .append(escape(image.getKey())).append("\" src=\"data:image/png;base64,")
                    .append(Base64.getEncoder().encodeToString(image.getValue())).append("\">\n");
        }
        sb.append("<h2>Metrics</h2>\n<table><tr><th>slice</th><th>class</th><th>metric</th><th>averaging</th>"
                + "<th>value</th><th>ci_low</th><th>ci_high</th></tr>\n");
        for (MetricRow r : rows) {
            sb.append("<tr><td>").append(escape(r.slice())).append("</td><td>").append(escape(r.className()))
                    .append("</td><td>").append(r.metric()).append("</td><td>").append(r.averaging())
                    .append("</td><td>").append(ReportFormat.fixed(r.value())).append("</td><td>")
                    .append(ReportFormat.fixed(r.ciLow())).append("</td><td>").append(ReportFormat.fixed(r.ciHigh()))
                    .append("</td></tr>\n");
        }
        sb.append("</table>\n<h2>Confusion matrix (rows: actual, columns: predicted)</h2>\n<table><tr><th></th>");
        for (String label : m.labels()) {
            sb.append("<th>").append(escape(label)).append("</th>");
        }
        sb.append("</tr>\n");
        for (int a = 0; a < m.classes(); a++) {
            sb.append("<tr><td>").append(escape(m.labels().get(a))).append("</td>");
            for (int p = 0; p < m.classes(); p++) {
                sb.append("<td>").append(m.count(a, p)).append("</td>");
            }
            sb.append("</tr>\n");
        }
        sb.append("</table>\n");
        sections.forEach((heading, fragment) -> sb.append("<h2>").append(escape(heading)).append("</h2>\n")
                .append(fragment));
        return sb.append("</body></html>\n").toString();
    }

    public static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
