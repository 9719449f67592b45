package io.streamtrain.evaluate;

import io.streamtrain.core.metrics.Replicates;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Every plot is a PNG of the expected size with something drawn on it, and index.html embeds them all. */
class ChartsTest {

    private static final List<String> LABELS = List.of("T-shirt/top", "Trouser", "Pullover", "Dress");

    private static Replicates replicates() {
        Random random = new Random(1);
        Replicates r = new Replicates(4, 10, 50, 1);
        for (int i = 0; i < 400; i++) {
            int label = random.nextInt(4);
            double[] p = new double[4];
            double sum = 0;
            for (int k = 0; k < 4; k++) {
                p[k] = random.nextDouble() + (k == label ? 0.5 : 0);
                sum += p[k];
            }
            for (int k = 0; k < 4; k++) {
                p[k] /= sum;
            }
            r.add(i, label, p);
        }
        return r;
    }

    @Test
    void everyPlotIsANonBlankPngOfTheExpectedSize() throws IOException {
        Replicates r = replicates();
        List<MetricRow> rows = MetricTable.rows(Scores.ALL, r, LABELS, 0.95);
        Map<String, byte[]> plots = new LinkedHashMap<>();
        plots.put("confusion", Charts.confusion(r.sample().confusion(LABELS)));
        plots.put("f1", Charts.f1WithIntervals(LABELS, rows, 0.95));
        plots.put("learning curve", Charts.learningCurve("m", new int[]{1, 2, 3}, new double[]{0.9, 0.6, 0.5},
                new double[]{0.7, 0.8, 0.82}));
        plots.put("reliability", Charts.reliability(r.sample()));
        plots.put("champion vs candidate", Charts.championVsCandidate(LABELS, "old", new double[]{0.8, 0.9, 0.7, 0.6},
                "new", new double[]{0.82, 0.88, 0.75, Double.NaN}));
        for (Map.Entry<String, byte[]> plot : plots.entrySet()) {
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(plot.getValue()));
            assertThat(image).as(plot.getKey()).isNotNull();
            assertThat(image.getWidth()).as(plot.getKey()).isEqualTo(Charts.WIDTH);
            assertThat(image.getHeight()).as(plot.getKey()).isEqualTo(Charts.HEIGHT);
            Set<Integer> colours = new HashSet<>();
            long notWhite = 0;
            for (int y = 0; y < image.getHeight(); y += 2) {
                for (int x = 0; x < image.getWidth(); x += 2) {
                    int rgb = image.getRGB(x, y) & 0xffffff;
                    colours.add(rgb);
                    notWhite += rgb == 0xffffff ? 0 : 1;
                }
            }
            assertThat(colours.size()).as(plot.getKey() + ": distinct colours").isGreaterThan(20);
            assertThat(notWhite).as(plot.getKey() + ": drawn pixels").isGreaterThan(1000);
        }
        String html = HtmlReport.render("Evaluation <of> m", r.sample().confusion(LABELS), rows,
                Gate.first("m", GateMetric.ACCURACY, 0.8), plots, java.util.Map.of("Explanations <of> m",
                        "<p>sanity check passed</p>"));
        assertThat(html.split("src=\"data:image/png;base64,", -1)).hasSize(plots.size() + 1);
        assertThat(html).contains("Evaluation &lt;of&gt; m").contains("first model").contains("T-shirt/top")
                .contains("<h2>Explanations &lt;of&gt; m</h2>\n<p>sanity check passed</p>")
                .doesNotContain("<img src=\"http");
    }

    @Test
    void theReportShowsIntervalsAndTheCsvHasOneRowPerMetric() {
        Replicates r = replicates();
        List<MetricRow> rows = MetricTable.rows(Scores.ALL, r, LABELS, 0.95);
        String md = ReportFormat.markdown("t", r.sample().confusion(LABELS), rows, 0.95, null);
        assertThat(md).contains("95% bootstrap interval")
                .containsPattern("\\| Trouser \\| \\d\\.\\d{4} \\[\\d\\.\\d{4},");
        String csv = ReportFormat.csv(rows);
        assertThat(csv).startsWith("slice,class,metric,averaging,value,ci_low,ci_high\n");
        assertThat(csv).containsPattern("\nall,overall,accuracy,none,0\\.\\d+,0\\.\\d+,0\\.\\d+\n");
        assertThat(csv).contains("\nall,Trouser,support,none,");
        // Per class: precision, recall, f1, support, roc_auc; overall: accuracy, support, 3 averages x 3 metrics,
        // macro roc_auc, log loss, ece.
        assertThat(rows).hasSize(LABELS.size() * 5 + 2 + 9 + 3);
        MetricRow accuracy = MetricTable.find(rows, Scores.ALL, MetricRow.OVERALL,
                io.streamtrain.core.metrics.Metric.ACCURACY, io.streamtrain.core.metrics.Averaging.NONE);
        assertThat(accuracy.ciLow()).isLessThan(accuracy.value());
        assertThat(accuracy.ciHigh()).isGreaterThan(accuracy.value());
    }
}
