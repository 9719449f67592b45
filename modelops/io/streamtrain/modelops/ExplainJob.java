package io.streamtrain.modelops;

import io.streamtrain.core.table.CuratedTable;
import io.streamtrain.evaluate.HtmlReport;
import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.RecordSchema;
import io.streamtrain.core.stage.StagePlan;
import io.streamtrain.core.table.Table;
import io.streamtrain.core.UserException;
import io.streamtrain.core.Warehouse;
import io.streamtrain.core.table.CompactFeatures;
import io.streamtrain.core.table.Split;
import io.streamtrain.model.ModelBundle;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.xxhash64;

/**
 * Explains a model on a few test images per class: saliency maps and integrated gradients ({@link Attributions})
 * drawn over each image ({@link AttributionImages}), per-class mean attributions, and the model-randomisation sanity
 * check ({@link SanityCheck}) of both methods. Writes {@code reports/<run-id>/explanations/*.png},
 * {@code explanations.md} and {@code explanations.html}. Runs on the driver: a few dozen images.
 */
public final class ExplainJob {

    private static final Logger LOG = LoggerFactory.getLogger(ExplainJob.class);

    /**
     * What explain measured.
     *
     * @param images        images explained
     * @param saliency      the saliency maps' sanity check (what decides)
     * @param integrated    integrated gradients' sanity check (reported)
     * @param report        the report folder
     */
    public record Result(String modelId, int images, SanityCheck.Result saliency, SanityCheck.Result integrated,
                         String report) {

        /** The lines explain ends with. */
        public String summary() {
            return String.format(Locale.ROOT, "explain: %d test images of model %s -> %s%n"
                            + "sanity_rank_correlation=%.4f%n"
                            + "sanity_rank_correlation_integrated_gradients=%.4f%n"
                            + "sanity_threshold=%s%nsanity_check=%s", images, modelId, report, saliency.mean(),
                    integrated.mean(), saliency.threshold(), saliency.passed() ? "passed" : "failed");
        }
    }

    private ExplainJob() {
    }

    /** Checks, without side effects, that the model fits the schema and that there is a curated test split. */
    public static StagePlan plan(HadoopFiles files, RecordSchema schema, Warehouse warehouse, ExplainSettings settings,
                                 String modelRunId, String runId) {
        CuratedTable.require(files, warehouse);
        String dir = ModelBundle.requireUsable(files, warehouse, modelRunId, schema.featureCount(),
                schema.classCount());
        return new StagePlan("explain", List.of(dir, warehouse.table(Table.CURATED) + " (test split, "
                + settings.imagesPerClass() + " images per class)"), List.of(warehouse.report(runId)
                + "/explanations/*.png", warehouse.report(runId) + "/explanations.{md,html}", dir + "/"
                + ModelBundle.EXPLANATIONS + " (for the model's evaluation report)"));
    }

    public static Result run(SparkSession spark, RecordSchema schema, Warehouse warehouse, ExplainSettings settings,
                             AttributionImages.Geometry geometry, String modelRunId, String runId) {
        long started = System.nanoTime();
        HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
        ModelBundle bundle = ModelBundle.load(files, warehouse, modelRunId);
        List<Row> chosen = choose(CuratedTable.split(spark, warehouse, Split.TEST), settings);
        if (chosen.isEmpty()) {
            throw new UserException("The curated test split at " + warehouse.table(Table.CURATED) + " is empty:"
                    + " set preprocess.test-fraction or preprocess.pinned-test-ids, then run preprocess again");
        }
        Examples examples = Examples.of(chosen, schema.featureCount(), bundle);
        Maps maps = explain(bundle, examples, schema, settings);
        SanityCheck.Result sCheck = SanityCheck.compare(maps.sTrained(), maps.sRandom(), settings.sanityThreshold());
        SanityCheck.Result igCheck = SanityCheck.compare(maps.igTrained(), maps.igRandom(),
                settings.sanityThreshold());

        List<String> labels = schema.labels();
        String report = warehouse.report(runId);
        Map<String, byte[]> all = draw(examples, maps, schema, geometry);
        for (Map.Entry<String, byte[]> image : all.entrySet()) {
            files.writeBytes(report + "/" + image.getKey(), image.getValue());
        }
        String[] ids = examples.ids();
        int[] classes = examples.classes();
        String title = "Explanations of model " + bundle.runId() + " (run " + runId + ")";
        files.writeString(report + "/explanations.md", markdown(title, ids, classes, labels, sCheck, igCheck,
                settings, all.keySet()));
        files.writeString(report + "/explanations.html", html(title, ids, classes, labels, sCheck, igCheck, settings,
                all));
        // Beside the bundle, for its evaluation report (EvaluateJob.modelSections): the check and the class means.
        files.writeString(ModelBundle.explanationSummary(warehouse, bundle.runId()), summary(title, sCheck, igCheck,
                report + "/explanations.html", all.get("explanations/class-means.png")));
        LOG.info(String.format(Locale.ROOT, "explain: %d images of model %s explained in %.1f s; report in %s",
                ids.length, bundle.runId(), (System.nanoTime() - started) / 1e9, report));
        return new Result(bundle.runId(), ids.length, sCheck, igCheck, report);
    }

    /** The chosen test images: ids, classes, features as stored and as the model sees them (scaled). */
    private record Examples(String[] ids, int[] classes, float[][] raw, float[][] x) {

        static Examples of(List<Row> chosen, int d, ModelBundle bundle) {
            int n = chosen.size();
            float[][] raw = new float[n][];
            float[][] x = new float[n][];
            int[] classes = new int[n];
            String[] ids = new String[n];
            for (int i = 0; i < n; i++) {
                Row r = chosen.get(i);
                ids[i] = r.getString(0);
                classes[i] = r.getInt(1);
                List<Float> f = r.getList(2);
                raw[i] = new float[d];
                for (int j = 0; j < d; j++) {
                    raw[i][j] = f.get(j);
                }
                x[i] = bundle.scaler().apply(raw[i]);
            }
            return new Examples(ids, classes, raw, x);
        }
    }

    /** Saliency (s) and integrated gradients (ig) of each image, by the trained model and by its randomised twin. */
    private record Maps(float[][] sTrained, float[][] sRandom, float[][] igTrained, float[][] igRandom) {
    }

    /** Both methods on the trained network and on the same network re-initialised: the sanity check's inputs. */
    private static Maps explain(ModelBundle bundle, Examples ex, RecordSchema schema, ExplainSettings settings) {
        // The black image: every feature at the schema's minimum, scaled as the model sees it.
        float[] black = new float[schema.featureCount()];
        Arrays.fill(black, (float) schema.minValue());
        float[] baseline = bundle.scaler().apply(black);
        MultiLayerNetwork trained = bundle.network();
        MultiLayerNetwork randomised = Attributions.randomised(trained, settings.randomisationSeed());
        SanityCheck.Explainer saliency = Attributions::saliency;
        SanityCheck.Explainer integrated = (net, xs, cs) -> Attributions.integratedGradients(net, xs, baseline, cs,
                settings.steps());
        float[][] sTrained = saliency.explain(trained, ex.x(), ex.classes());
        float[][] sRandom = saliency.explain(randomised, ex.x(), ex.classes());
        float[][] igTrained = integrated.explain(trained, ex.x(), ex.classes());
        float[][] igRandom = integrated.explain(randomised, ex.x(), ex.classes());
        return new Maps(sTrained, sRandom, igTrained, igRandom);
    }

    /** The class means first, then one panel per image: the image, both maps, and the randomised model's saliency. */
    private static Map<String, byte[]> draw(Examples ex, Maps maps, RecordSchema schema,
                                            AttributionImages.Geometry geometry) {
        List<String> labels = schema.labels();
        Map<String, byte[]> images = new LinkedHashMap<>();
        int classesCount = schema.classCount();
        float[][][] means = new float[2][classesCount][];
        float[][] meanImages = new float[classesCount][];
        int[] counts = new int[classesCount];
        for (int i = 0; i < ex.ids().length; i++) {
            int c = ex.classes()[i];
            String name = String.format(Locale.ROOT, "explanations/%02d-%s.png", c, safe(ex.ids()[i]));
            images.put(name, AttributionImages.panels(ex.raw()[i], schema.minValue(), schema.maxValue(),
                    List.of(maps.sTrained()[i], maps.igTrained()[i], maps.sRandom()[i]), List.of(labels.get(c),
                            "saliency", "integrated gradients", "saliency, random weights"), geometry));
            counts[c]++;
            means[0][c] = accumulate(means[0][c], AttributionImages.normalised(maps.sTrained()[i], geometry));
            means[1][c] = accumulate(means[1][c], AttributionImages.normalised(maps.igTrained()[i], geometry));
            meanImages[c] = accumulate(meanImages[c], ex.raw()[i]);
        }
        for (int c = 0; c < classesCount; c++) {
            if (counts[c] > 0) {
                scale(means[0][c], 1.0f / counts[c]);
                scale(means[1][c], 1.0f / counts[c]);
                scale(meanImages[c], 1.0f / counts[c]);
            }
        }
        Map<String, byte[]> all = new LinkedHashMap<>();
        all.put("explanations/class-means.png", AttributionImages.grid(List.of("saliency", "integrated gradients"),
                labels, means, meanImages, schema.minValue(), schema.maxValue(), geometry));
        all.putAll(images);
        return all;
    }

    /** Up to {@code imagesPerClass} test rows of each class, chosen by a hash of the id and the seed. */
    static List<Row> choose(Dataset<Row> test, ExplainSettings settings) {
        return test.select(col("id"), col("label"),
                        CompactFeatures.decode(col(CompactFeatures.U8), col(CompactFeatures.F32)).as("features"))
                .withColumn("pick", row_number().over(Window.partitionBy("label")
                        .orderBy(xxhash64(col("id"), lit(settings.seed())), col("id"))))
                .where(col("pick").leq(settings.imagesPerClass()))
                .orderBy(col("label"), col("pick")).select("id", "label", "features").collectAsList();
    }

    private static float[] accumulate(float[] sum, float[] v) {
        float[] out = sum == null ? new float[v.length] : sum;
        for (int i = 0; i < v.length; i++) {
            out[i] += v[i];
        }
        return out;
    }

    private static void scale(float[] v, float f) {
        for (int i = 0; i < v.length; i++) {
            v[i] *= f;
        }
    }

    private static String safe(String id) {
        return id.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    private static String checkText(SanityCheck.Result s) {
        return String.format(Locale.ROOT, "mean Spearman rank correlation %.4f (images: %.4f to %.4f), threshold %s:"
                        + " %s", s.mean(), Arrays.stream(s.perImage()).min().orElse(Double.NaN),
                Arrays.stream(s.perImage()).max().orElse(Double.NaN), s.threshold(),
                s.passed() ? "passed" : "failed");
    }

    static String summary(String title, SanityCheck.Result s, SanityCheck.Result ig, String page, byte[] classMeans) {
        return "<p>" + HtmlReport.escape(title) + "; full report: " + HtmlReport.escape(page) + "</p>\n"
                + "<ul><li>sanity check, saliency (decides): " + HtmlReport.escape(checkText(s)) + "</li>"
                + "<li>integrated gradients (reported): " + HtmlReport.escape(checkText(ig)) + "</li></ul>\n"
                + "<img alt=\"class means\" src=\"data:image/png;base64,"
                + Base64.getEncoder().encodeToString(classMeans) + "\">\n";
    }

    static String markdown(String title, String[] ids, int[] classes, List<String> labels, SanityCheck.Result s,
                           SanityCheck.Result ig, ExplainSettings settings, Iterable<String> images) {
        StringBuilder sb = new StringBuilder("# ").append(title).append("\n\n");
        sb.append(String.format(Locale.ROOT, "%d test images (%d per class, seed %d). Saliency: gradient of the"
                        + " class's logit with respect to the scaled input. Integrated gradients: %d steps from the"
                        + " black image.%n%n", ids.length, settings.imagesPerClass(), settings.seed(),
                settings.steps()));
        sb.append("## Sanity check (model randomisation, Adebayo et al. 2018)\n\n");
        sb.append("Maps of the trained model against the same network re-initialised with seed ")
                .append(settings.randomisationSeed()).append(":\n\n");
        sb.append("- saliency (decides): ").append(checkText(s)).append("\n");
        sb.append("- integrated gradients (reported): ").append(checkText(ig)).append("\n\n## Images\n\n");
        for (int i = 0; i < ids.length; i++) {
            sb.append(String.format(Locale.ROOT, "- %s (%s): saliency %.4f, integrated gradients %.4f%n", ids[i],
                    labels.get(classes[i]), s.perImage()[i], ig.perImage()[i]));
        }
        sb.append("\nFiles: ");
        sb.append(String.join(", ", images));
        return sb.append("\n").toString();
    }

    static String html(String title, String[] ids, int[] classes, List<String> labels, SanityCheck.Result s,
                       SanityCheck.Result ig, ExplainSettings settings, Map<String, byte[]> images) {
        StringBuilder sb = new StringBuilder("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>")
                .append(HtmlReport.escape(title)).append("</title><style>body{font-family:sans-serif;margin:2em}"
                        + "img{max-width:100%}</style></head><body>\n<h1>").append(HtmlReport.escape(title))
                .append("</h1>\n<h2>Sanity check (model randomisation)</h2>\n<ul><li>saliency (decides): ")
                .append(HtmlReport.escape(checkText(s))).append("</li><li>integrated gradients (reported): ")
                .append(HtmlReport.escape(checkText(ig))).append("</li></ul>\n");
        for (Map.Entry<String, byte[]> image : images.entrySet()) {
            sb.append("<h3>").append(HtmlReport.escape(image.getKey())).append("</h3>\n<img alt=\"")
                    .append(HtmlReport.escape(image.getKey())).append("\" src=\"data:image/png;base64,")
                    .append(Base64.getEncoder().encodeToString(image.getValue())).append("\">\n");
        }
        return sb.append("</body></html>\n").toString();
    }
}
