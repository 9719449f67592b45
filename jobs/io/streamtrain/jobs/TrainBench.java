package io.streamtrain.jobs;

import io.streamtrain.core.Sessions;
import io.streamtrain.ingest.FashionMnistIdx;
import io.streamtrain.ingest.FashionMnistIdx.Image;
import io.streamtrain.train.Minibatches;
import io.streamtrain.train.Models;
import io.streamtrain.train.SparkTrainer;
import io.streamtrain.train.TrainSettings;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * {@code bench train}: the same network on the same minibatches, fitted twice in one process: by a single JVM's
 * {@code MultiLayerNetwork.fit} with every core, then by streamtrain's Spark training on the same cores. Prints
 * samples/s and test accuracy of each and {@code train_ratio} (Spark / single JVM).
 */
final class TrainBench {

    private TrainBench() {
    }

    static String run(AppConfig config, Path data, int epochs) {
        TrainSettings s = config.train();
        int classes = config.schema().classCount();
        List<Image> trainImages = FashionMnistIdx.readImages(data.resolve("train-images-idx3-ubyte.gz"),
                data.resolve("train-labels-idx1-ubyte.gz"));
        List<Image> testImages = FashionMnistIdx.readImages(data.resolve("t10k-images-idx3-ubyte.gz"),
                data.resolve("t10k-labels-idx1-ubyte.gz"));
        double[][] stats = meanAndStd(trainImages);
        Collections.shuffle(trainImages = new ArrayList<>(trainImages), new Random(s.seed()));
        int steps = s.architecture().timeSteps();
        List<DataSet> train = batches(trainImages, s.batchSize(), classes, stats, steps);
        List<DataSet> test = batches(testImages, 256, classes, stats, steps);
        long samples = (long) trainImages.size() * epochs;
        int cores = Runtime.getRuntime().availableProcessors();

        // Baseline: one JVM, all cores to ND4J's native threads.
        threads(cores);
        MultiLayerNetwork single = Models.network(s, 784, classes);
        long t0 = System.nanoTime();
        for (int e = 0; e < epochs; e++) {
            single.fit(new ListDataSetIterator<>(train, 1));
        }
        double singleSeconds = (System.nanoTime() - t0) / 1e9;
        double singleAccuracy = accuracy(single, test);

        // streamtrain: Spark local mode, one native thread per task slot (shared/RECIPES.md).
        SparkSession spark = Sessions.create(config.spark());
        double sparkSeconds;
        double sparkAccuracy;
        int workers;
        try {
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            workers = s.workers() > 0 ? s.workers() : sc.defaultParallelism();
            threads(Math.max(1, cores / workers));
            TrainSettings sparkSettings = s.with(epochs, workers);
            SparkTrainer trainer = new SparkTrainer(sc, sparkSettings);
            JavaRDD<DataSet> rdd = sc.parallelize(train, trainer.partitionsFor(trainImages.size()));
            MultiLayerNetwork distributed = Models.network(s, 784, classes);
            long t1 = System.nanoTime();
            trainer.fit(distributed, rdd, null, (net, epoch) -> { });
            sparkSeconds = (System.nanoTime() - t1) / 1e9;
            threads(cores);
            sparkAccuracy = accuracy(distributed, test);
        } finally {
            spark.stop();
        }
        double singleRate = samples / singleSeconds;
        double sparkRate = samples / sparkSeconds;
        return String.format(Locale.ROOT, String.join("%n",
                "bench train: %s %s, %s lr %s, batch %d, %d epochs, %d training images, %d cores",
                "single_jvm_samples_per_sec=%.0f single_jvm_seconds=%.1f single_jvm_test_accuracy=%.4f",
                "spark_samples_per_sec=%.0f spark_seconds=%.1f spark_test_accuracy=%.4f (local, %d workers, averaging every %d)",
                "train_ratio=%.3f accuracy_delta=%+.4f%n"),
                s.architecture().kind(), s.hiddenLayers(), s.updater().name().toLowerCase(Locale.ROOT), s.learningRate(), s.batchSize(), epochs,
                trainImages.size(), cores, singleRate, singleSeconds, singleAccuracy, sparkRate, sparkSeconds,
                sparkAccuracy, workers, s.averagingFrequency(), sparkRate / singleRate, sparkAccuracy - singleAccuracy);
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
            out.add(new DataSet(Minibatches.shape(Nd4j.create(x, new long[]{n, width}, DataType.FLOAT), timeSteps),
                    Nd4j.create(y, new long[]{n, classes}, DataType.FLOAT)));
        }
        return out;
    }
}
