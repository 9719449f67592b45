package io.streamtrain.jobs.bench;

import io.streamtrain.core.ConfigLoader;
import io.streamtrain.jobs.AppConfig;
import io.streamtrain.core.ConfigException;
import io.streamtrain.core.Sessions;
import io.streamtrain.ingest.FashionMnistIdx;
import io.streamtrain.ingest.FashionMnistIdx.Image;
import io.streamtrain.model.Minibatches;
import io.streamtrain.train.Models;
import io.streamtrain.train.CachedMinibatch;
import io.streamtrain.train.EpochStats;
import io.streamtrain.train.HorizontalFlip;
import io.streamtrain.train.SparkTrainer;
import io.streamtrain.train.TrainSettings;
import io.streamtrain.train.TrainingState;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * {@code bench train}: the same network on the same minibatches, fitted twice in one process: by a single JVM's
 * {@code MultiLayerNetwork.fit} with every core, then by streamtrain's Spark training on the same cores. Prints
 * samples/s and test accuracy of each and {@code train_ratio} (Spark / single JVM) over the time spent fitting, and
 * {@code wall_ratio} over Spark's whole {@code fit} call, which also builds the minibatch cache and scores the loss.
 */
public final class TrainBench {

    private TrainBench() {
    }

    private static final int BASELINE_RUNS = 2;

    /**
     * @param limit use only the first {@code limit} training images (0 for all)
     */
    public static String run(AppConfig config, Path data, int epochs, int limit) {
        PhaseProfile.initialize();
        TrainSettings s = config.train();
        if (s.horizontalFlip()) {
            throw new ConfigException(HorizontalFlip.KEY, true, "bench train compares Spark with a single JVM that "
                    + "sees the images as they are; run it without flips");
        }
        Inputs in = inputs(config, data, limit);
        long samples = (long) in.trainCount() * epochs;
        int cores = Runtime.getRuntime().availableProcessors();
        Baseline single = baseline(config, data, epochs, limit, samples, cores);
        Distributed spark = distributed(config, in, epochs, cores);
        double singleRate = samples / single.seconds();
        double sparkRate = samples / spark.seconds();
        return String.format(Locale.ROOT, String.join("%n",
                "bench train: %s %s, %s lr %s, batch %d, %d epochs, %d training images, %d cores",
                "single_jvm_samples_per_sec=%.0f single_jvm_seconds=%.1f single_jvm_test_accuracy=%.4f"
                        + " (best of samples/s at%s: %d threads)",
                "spark_samples_per_sec=%.0f spark_seconds=%.1f spark_test_accuracy=%.4f (local, %d workers, %s)",
                "spark_wall_seconds=%.1f (also building the minibatch cache once and scoring the loss every epoch)",
                "train_ratio=%.3f accuracy_delta=%+.4f wall_ratio=%.3f",
                "parallel_efficiency=%.3f (spark_samples_per_sec over %d workers x the best 1-thread single JVM's"
                        + " %.0f samples/s)",
                "epoch_breakdown=%s%n"),
                s.architecture().describe(), s.hiddenLayers(), s.optimizer().updater().name().toLowerCase(Locale.ROOT),
                s.optimizer().learningRate(), s.batchSize(), epochs, in.trainCount(), cores,
                singleRate, single.seconds(), single.accuracy(), single.tried(), single.threads(),
                sparkRate, spark.seconds(), spark.accuracy(), spark.workers(), s.distribution().describe(),
                spark.wallSeconds(), sparkRate / singleRate, spark.accuracy() - single.accuracy(),
                single.seconds() / spark.wallSeconds(),
                sparkRate / (spark.workers() * samples / single.oneThreadSeconds()), spark.workers(),
                samples / single.oneThreadSeconds(), spark.breakdown());
    }

    /**
     * The fastest single-JVM run: its fit seconds, test accuracy and native threads, and the samples/s of each try;
     * and the fastest run's seconds with one native thread.
     */
    private record Baseline(double seconds, double accuracy, int threads, String tried, double oneThreadSeconds) {
    }

    /**
     * Baseline: the faster of a fresh JVM with one native thread and one with every core (OMP_NUM_THREADS is read
     * once, at start; which is faster depends on the model: measured, not assumed).
     */
    private static Baseline baseline(AppConfig config, Path data, int epochs, int limit, long samples, int cores) {
        double[] baseline = null;
        int baselineThreads = 0;
        double oneThread = Double.MAX_VALUE;
        StringBuilder tried = new StringBuilder();
        // Each twice: a fresh JVM's speed varies from run to run (docs/benchmarks.md); the baseline gets the faster.
        for (int threads : cores > 1 ? new int[]{1, cores} : new int[]{1}) {
            for (int attempt = 0; attempt < BASELINE_RUNS; attempt++) {
                double[] run = singleJvm(config, data, epochs, limit, threads);
                tried.append(String.format(Locale.ROOT, " threads=%d:%.0f", threads, samples / run[0]));
                if (threads == 1) {
                    oneThread = Math.min(oneThread, run[0]);
                }
                if (baseline == null || run[0] < baseline[0]) {
                    baseline = run;
                    baselineThreads = threads;
                }
            }
        }
        return new Baseline(baseline[0], baseline[1], baselineThreads, tried.toString(), oneThread);
    }

    /** Spark's run: the epochs' fit seconds, its whole fit call's seconds, test accuracy and workers. */
    private record Distributed(double seconds, double wallSeconds, double accuracy, int workers, String breakdown) {
    }

    /**
     * A training epoch's phases, as {@link PhaseProfile} sorts its samples: loading classes, scoring (the loss after each epoch, on the
     * executors), building DL4J's minibatches from the cached arrays, averaging (the workers' results collected and
     * averaged, the parameters broadcast), and fitting (forward and backward passes and the updater, in DL4J and
     * ND4J). A sample goes to the first that names a frame of its stack.
     */
    private static final List<PhaseProfile.Phase> PHASES = List.of(PhaseProfile.CLASS_LOADING,
            new PhaseProfile.Phase("scoring", List.of("io.streamtrain.model.DistributedScorer", "org.nd4j.evaluation.")),
            new PhaseProfile.Phase("minibatch_decode", List.of("io.streamtrain.train.CachedMinibatch",
                    "io.streamtrain.model.Minibatches")),
            new PhaseProfile.Phase("averaging", List.of("org.deeplearning4j.spark.impl.paramavg.aggregator.",
                    "org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster.processResults",
                    "org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingWorker.getFinalResult",
                    "io.streamtrain.train.CountedParameterAveraging", "org.apache.spark.broadcast.")),
            new PhaseProfile.Phase("forward_backward", List.of("org.deeplearning4j.nn.", "org.deeplearning4j.optimize.",
                    "org.nd4j.")));

    /** streamtrain: Spark local mode, one native thread per task slot (shared/RECIPES.md). */
    private static Distributed distributed(AppConfig config, Inputs in, int epochs, int cores) {
        SparkSession spark = Sessions.create(config.spark());
        try {
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            SparkTrainer trainer = new SparkTrainer(sc, config.train().withEpochs(epochs));
            int workers = trainer.workers();
            threads(Math.max(1, cores / workers));
            // Shipped from the driver as Java arrays: production builds minibatches on the executors, and DL4J's own
            // DataSet serializer would make this benchmark measure slow shipping rather than training.
            JavaRDD<DataSet> rdd = sc.parallelize(in.train().stream().map(CachedMinibatch::of).toList(),
                    trainer.partitionsFor(in.trainCount())).map(CachedMinibatch::toDataSet);
            MultiLayerNetwork distributed = trainer.newNetwork(784, config.schema().classCount());
            long t1 = System.nanoTime();
            List<EpochStats> history;
            String breakdown;
            try (PhaseProfile profile = PhaseProfile.start()) {
                history = trainer.fit(distributed, rdd, null, TrainingState.start(), (net, state) -> { }).history();
                breakdown = profile.stop(Path.of(System.getProperty("java.io.tmpdir"),
                        "bench-train-" + System.currentTimeMillis() + ".jfr"), PHASES);
            }
            double wallSeconds = (System.nanoTime() - t1) / 1e9;
            // The epochs' fit time alone, as the single JVM is timed: its minibatches are built before its clock
            // starts, and it scores no loss per epoch.
            double seconds = history.stream().mapToDouble(EpochStats::fitSeconds).sum();
            threads(cores);
            return new Distributed(seconds, wallSeconds, accuracy(distributed, in.test()), workers, breakdown);
        } finally {
            spark.stop();
        }
    }

    /** The same minibatches for both runs: shuffled once (seeded), standardised with training statistics. */
    private record Inputs(List<DataSet> train, List<DataSet> test, int trainCount) {
    }

    private static Inputs inputs(AppConfig config, Path data, int limit) {
        TrainSettings s = config.train();
        int classes = config.schema().classCount();
        List<Image> trainImages = FashionMnistIdx.readImages(data.resolve("train-images-idx3-ubyte.gz"),
                data.resolve("train-labels-idx1-ubyte.gz"));
        List<Image> testImages = FashionMnistIdx.readImages(data.resolve("t10k-images-idx3-ubyte.gz"),
                data.resolve("t10k-labels-idx1-ubyte.gz"));
        if (limit > 0 && limit < trainImages.size()) {
            trainImages = trainImages.subList(0, limit);
        }
        double[][] stats = meanAndStd(trainImages);
        trainImages = new ArrayList<>(trainImages);
        Collections.shuffle(trainImages, new Random(s.seed()));
        int steps = s.architecture().timeSteps();
        return new Inputs(batches(trainImages, s.batchSize(), classes, stats, steps),
                batches(testImages, 256, classes, stats, steps), trainImages.size());
    }

    /** The baseline half of the benchmark, in its own JVM: prints "seconds accuracy". */
    public static void main(String[] args) {
        AppConfig config = AppConfig.from(ConfigLoader.load(Path.of(args[0]), List.of()));
        Path data = Path.of(args[1]);
        int epochs = Integer.parseInt(args[2]);
        int limit = Integer.parseInt(args[3]);
        Inputs in = inputs(config, data, limit);
        MultiLayerNetwork single = Models.network(config.train(), 784, config.schema().classCount());
        long t0 = System.nanoTime();
        for (int e = 0; e < epochs; e++) {
            single.fit(new ListDataSetIterator<>(in.train(), 1));
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.println("RESULT " + seconds + " " + accuracy(single, in.test()));
    }

    private static double[] singleJvm(AppConfig config, Path data, int epochs, int limit, int cores) {
        String[] parts = FreshJvm.result("The single-JVM baseline", config, List.of("-Xmx4g"),
                Map.of("OMP_NUM_THREADS", String.valueOf(cores)), TrainBench.class, data.toString(),
                String.valueOf(epochs), String.valueOf(limit));
        return new double[]{Double.parseDouble(parts[0]), Double.parseDouble(parts[1])};
    }

    private static void threads(int n) {
        Nd4j.getEnvironment().setMaxThreads(n);
        Nd4j.getEnvironment().setMaxMasterThreads(n);
    }

    private static double accuracy(MultiLayerNetwork net, List<DataSet> test) {
        // Each list element is already a minibatch: iterate them one at a time.
        Evaluation e = net.evaluate(new ListDataSetIterator<>(test, 1));
        return e.accuracy();
    }

    /** Per-pixel mean and standard deviation over the training images, as preprocess computes them. */
    private static double[][] meanAndStd(List<Image> images) {
        int n = images.get(0).pixels().length;
        double[] sum = new double[n];
        double[] sq = new double[n];
        for (Image im : images) {
            for (int i = 0; i < n; i++) {
                sum[i] += im.pixels()[i];
                sq[i] += (double) im.pixels()[i] * im.pixels()[i];
            }
        }
        double[] mean = new double[n];
        double[] std = new double[n];
        int m = images.size();
        for (int i = 0; i < n; i++) {
            mean[i] = sum[i] / m;
            double var = (sq[i] - m * mean[i] * mean[i]) / (m - 1);
            std[i] = var > 1e-12 ? Math.sqrt(var) : 1.0;
        }
        return new double[][]{mean, std};
    }

    private static List<DataSet> batches(List<Image> images, int batchSize, int classes, double[][] stats,
                                         int timeSteps) {
        List<DataSet> out = new ArrayList<>();
        int width = images.get(0).pixels().length;
        for (int start = 0; start < images.size(); start += batchSize) {
            int n = Math.min(batchSize, images.size() - start);
            float[] x = new float[n * width];
            float[] y = new float[n * classes];
            for (int r = 0; r < n; r++) {
                Image im = images.get(start + r);
                for (int c = 0; c < width; c++) {
                    x[r * width + c] = (float) ((im.pixels()[c] - stats[0][c]) / stats[1][c]);
                }
                y[r * classes + im.label()] = 1f;
            }
            out.add(Minibatches.dataSet(x, y, n, classes, timeSteps));
        }
        return out;
    }
}
