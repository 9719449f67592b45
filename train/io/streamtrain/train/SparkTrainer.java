package io.streamtrain.train;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

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
     * @param afterEpoch called with the network after every epoch (checkpointing, history)
     */
    public List<EpochStats> fit(MultiLayerNetwork network, JavaRDD<DataSet> minibatches,
                                Consumer<MultiLayerNetwork> afterEpoch) {
        JavaRDD<DataSet> data = minibatches.persist(StorageLevel.MEMORY_AND_DISK_SER());
        data.rdd().localCheckpoint();
        long batches = data.count();
        long examples = data.map(DataSet::numExamples).reduce(Integer::sum);
        LOG.info("train: {} examples in {} minibatches over {} partitions", examples, batches,
                data.getNumPartitions());

        ParameterAveragingTrainingMaster master = trainingMaster();
        SparkDl4jMultiLayer spark = new SparkDl4jMultiLayer(sc, network, master);
        List<EpochStats> history = new ArrayList<>();
        try {
            for (int epoch = 1; epoch <= settings.epochs(); epoch++) {
                long start = System.nanoTime();
                spark.fit(data);
                double seconds = (System.nanoTime() - start) / 1e9;
                EpochStats stats = new EpochStats(epoch, spark.getScore(), examples, seconds, examples / seconds);
                history.add(stats);
                double left = seconds * (settings.epochs() - epoch);
                LOG.info(String.format("train: epoch %d/%d  loss %.4f  %.0f samples/s  %.1f s  (about %.0f s left)",
                        epoch, settings.epochs(), stats.loss(), stats.samplesPerSec(), seconds, left));
                afterEpoch.accept(spark.getNetwork());
            }
        } finally {
            master.deleteTempFiles(sc);
            data.unpersist();
        }
        return history;
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
