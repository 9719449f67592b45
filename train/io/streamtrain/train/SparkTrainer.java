package io.streamtrain.train;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.evaluation.EvaluationAveraging;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BiConsumer;

/**
 * Fits a network on an RDD of minibatches with dl4j-spark's parameter averaging.
 *
 * <p>The settings are the fastest measured on one machine (shared/RECIPES.md): the minibatch RDD is built once,
 * persisted serialised and cut from its lineage ({@code localCheckpoint}), so averaging rounds do not re-ship whole
 * partitions; DL4J trains on it directly ({@code RDDTrainingApproach.Direct}) without repartitioning.
 */
public final class SparkTrainer {

    private static final Logger LOG = LoggerFactory.getLogger(SparkTrainer.class);

    private final JavaSparkContext sc;
    private final TrainSettings settings;

    public SparkTrainer(JavaSparkContext sc, TrainSettings settings) {
        this.sc = sc;
        this.settings = settings;
    }

    /**
     * Fits for {@code train.epochs} epochs, or fewer when the validation accuracy has not improved for
     * {@code train.early-stopping-patience} epochs; the network then holds the parameters of its best epoch.
     *
     * @param validation minibatches scored after every epoch, or null
     * @param afterEpoch called with the network and the epoch's figures (checkpointing)
     * @return the figures of every epoch that ran
     */
    public List<EpochStats> fit(MultiLayerNetwork network, JavaRDD<DataSet> minibatches, JavaRDD<DataSet> validation,
                                BiConsumer<MultiLayerNetwork, EpochStats> afterEpoch) {
        JavaRDD<DataSet> data = cached(minibatches);
        JavaRDD<DataSet> held = validation == null ? null : cached(validation);
        long batches = data.count();
        long examples = data.map(DataSet::numExamples).reduce(Integer::sum);
        LOG.info("train: {} examples in {} minibatches over {} partitions{}", examples, batches,
                data.getNumPartitions(), held == null ? ", no validation split" : "");

        ParameterAveragingTrainingMaster master = trainingMaster();
        SparkDl4jMultiLayer spark = new SparkDl4jMultiLayer(sc, network, master);
        List<EpochStats> history = new ArrayList<>();
        double best = Double.NEGATIVE_INFINITY;
        INDArray bestParams = null;
        int sinceBest = 0;
        try {
            for (int epoch = 1; epoch <= settings.epochs(); epoch++) {
                long start = System.nanoTime();
                spark.fit(data);
                double fitSeconds = (System.nanoTime() - start) / 1e9;
                Evaluation eval = held == null ? null : spark.evaluate(held);
                double seconds = (System.nanoTime() - start) / 1e9;
                EpochStats stats = new EpochStats(epoch, spark.getScore(),
                        eval == null ? Double.NaN : eval.accuracy(),
                        eval == null ? Double.NaN : eval.f1(EvaluationAveraging.Macro),
                        examples, seconds, examples / fitSeconds);
                history.add(stats);
                LOG.info(String.format(Locale.ROOT,
                        "train: epoch %d/%d  loss %.4f  val_acc %.4f  val_f1 %.4f  %.0f samples/s  %.1f s"
                                + "  (about %.0f s left)", epoch, settings.epochs(), stats.loss(),
                        stats.validationAccuracy(), stats.validationF1(), stats.samplesPerSec(), seconds,
                        seconds * (settings.epochs() - epoch)));
                afterEpoch.accept(spark.getNetwork(), stats);
                if (eval != null && stats.validationAccuracy() > best) {
                    best = stats.validationAccuracy();
                    bestParams = spark.getNetwork().params().dup();
                    sinceBest = 0;
                } else if (eval != null && ++sinceBest >= settings.earlyStoppingPatience()
                        && settings.earlyStoppingPatience() > 0) {
                    LOG.info("train: validation accuracy has not improved on {} for {} epochs; stopping early",
                            String.format(Locale.ROOT, "%.4f", best), sinceBest);
                    break;
                }
            }
            if (bestParams != null) {
                // Keep the best epoch's parameters, not the last one's.
                spark.getNetwork().setParams(bestParams);
            }
        } finally {
            master.deleteTempFiles(sc);
            data.unpersist();
            if (held != null) {
                held.unpersist();
            }
        }
        return history;
    }

    /** Persisted serialised and cut from its lineage, so averaging rounds do not re-ship whole partitions. */
    private static JavaRDD<DataSet> cached(JavaRDD<DataSet> rdd) {
        JavaRDD<DataSet> persisted = rdd.persist(StorageLevel.MEMORY_AND_DISK_SER());
        persisted.rdd().localCheckpoint();
        return persisted;
    }

    private ParameterAveragingTrainingMaster trainingMaster() {
        ParameterAveragingTrainingMaster.Builder builder = new ParameterAveragingTrainingMaster.Builder(
                settings.batchSize())
                .batchSizePerWorker(settings.batchSize())
                .averagingFrequency(settings.averagingFrequency())
                .workerPrefetchNumBatches(2)
                .rddTrainingApproach(RDDTrainingApproach.Direct)
                .repartionData(Repartition.Never)
                .rngSeed(settings.seed())
                .saveUpdater(true);
        return builder.build();
    }

    /** Partitions to train on: the configured number, or one per task slot. */
    public int workers() {
        return settings.workers() > 0 ? settings.workers() : sc.defaultParallelism();
    }
}
