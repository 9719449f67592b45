package io.streamtrain.jobs.bench;

import io.streamtrain.jobs.AppConfig;
import io.streamtrain.jobs.Pipeline;
import io.streamtrain.jobs.PipelineStage;
import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.Warehouse;
import io.streamtrain.evaluate.EvaluateResult;
import io.streamtrain.train.EpochStats;
import io.streamtrain.train.TrainJob;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * {@code bench evaluate}: the configured model (the default MLP unless {@code --set} says otherwise) trained on a
 * Fashion-MNIST IDX folder for a few epochs, then evaluated on its 10,000 test images with intervals, predictions,
 * tables and plots, in one process: curation first, then training and evaluation in one Spark session, as
 * {@code pipeline --stages train,evaluate} runs them. Prints each epoch's seconds, the evaluation's, and
 * {@code evaluate_ratio=} (evaluation over the median epoch). Everything is written to a scratch warehouse, deleted at
 * the end, and a topic of its own.
 */
public final class EvaluateBench {

    private static final Logger LOG = LoggerFactory.getLogger(EvaluateBench.class);

    private EvaluateBench() {
    }

    public static String run(Function<List<String>, AppConfig> load, Warehouse root, Path idx, int epochs) {
        String name = "bench-evaluate-" + Long.toString(System.currentTimeMillis(), 36);
        Warehouse scratch = new Warehouse(root.root() + "/_bench/" + name);
        AppConfig config = load.apply(List.of("warehouse=" + scratch.root(), "kafka.topic=" + name,
                "produce.format=idx", "produce.input=" + idx, "train.epochs=" + epochs,
                "train.early-stopping-patience=0"));
        HadoopFiles files = HadoopFiles.beforeSpark(config.spark());
        try {
            LOG.info("bench evaluate: curating {} in {}", idx, scratch.root());
            Pipeline.run(new Pipeline.Request(config, EnumSet.of(PipelineStage.PRODUCE, PipelineStage.INGEST, PipelineStage.PREPROCESS),
                    "base", null, TrainJob.Start.FRESH, false));
            Pipeline.Outcome outcome = Pipeline.run(new Pipeline.Request(config,
                    EnumSet.of(PipelineStage.TRAIN, PipelineStage.EVALUATE), "model", null, TrainJob.Start.FRESH, false));
            List<EpochStats> history = outcome.trained().history();
            EvaluateResult evaluated = outcome.evaluated();
            double[] seconds = history.stream().mapToDouble(EpochStats::seconds).toArray();
            double median = median(seconds);
            StringBuilder out = new StringBuilder();
            out.append(String.format(Locale.ROOT, "bench evaluate: %s %s, %d training examples, %d epochs, then"
                            + " evaluate on %d test images (%d bootstrap replicates, predictions, tables, plots,"
                            + " report) in the same process, %d cores%n", config.train().architecture().describe(), config.train().hiddenLayers(),
                    outcome.trained().examples(), seconds.length, evaluated.confusion().total(),
                    config.evaluate().replicates(), Runtime.getRuntime().availableProcessors()));
            for (EpochStats epoch : history) {
                out.append(String.format(Locale.ROOT, "epoch %-3d %8.1f s%n", epoch.epoch(), epoch.seconds()));
            }
            out.append(String.format(Locale.ROOT, "evaluate  %8.1f s   test accuracy %.4f%n", evaluated.seconds(),
                    evaluated.accuracy()));
            out.append(String.format(Locale.ROOT, "epoch_seconds=%.2f (median)%n", median));
            out.append(String.format(Locale.ROOT, "evaluate_seconds=%.2f%n", evaluated.seconds()));
            out.append(String.format(Locale.ROOT, "evaluate_ratio=%.3f%n", evaluated.seconds() / median));
            return out.toString();
        } finally {
            files.deleteRecursively(scratch.root());
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
