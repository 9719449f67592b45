package io.streamtrain.train;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.PartitionPruningRDD;
import org.apache.spark.storage.StorageLevel;
import scala.reflect.ClassTag$;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.evaluation.EvaluationAveraging;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Random;
import java.util.List;
import java.util.Locale;
import java.util.function.BiConsumer;

/**
 * Fits a network on an RDD of minibatches with dl4j-spark's parameter averaging.
 *
 * <p>The settings are the fastest measured on one machine: the minibatch RDD is built once, persisted as Java arrays
 * and cut from its lineage ({@code localCheckpoint}), so averaging rounds do not re-ship or re-read whole partitions;
 * DL4J trains on each round's partitions directly ({@code RDDTrainingApproach.Direct}) without repartitioning.
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
     * Fits from {@code start} up to {@code train.epochs} epochs, or fewer when the validation accuracy has not
     * improved for {@code train.early-stopping-patience} epochs; the network then holds the parameters of its best
     * epoch.
     *
     * @param validation minibatches scored after every epoch, or null
     * @param start      {@link TrainingState#start()}, or the state a checkpoint saved
     * @param afterEpoch called with the network and the state after every epoch (checkpointing)
     * @return the state after the last epoch
     */
    public TrainingState fit(MultiLayerNetwork network, JavaRDD<DataSet> minibatches, JavaRDD<DataSet> validation,
                             TrainingState start, BiConsumer<MultiLayerNetwork, TrainingState> afterEpoch) {
        JavaRDD<CachedMinibatch> data = cached(minibatches);
        JavaRDD<CachedMinibatch> held = validation == null ? null : cached(validation);
        // One pass materialises the cache and counts minibatches and examples together.
        long[] counts = data.map(d -> new long[]{1, d.examples()})
                .reduce((a, b) -> new long[]{a[0] + b[0], a[1] + b[1]});
        long examples = counts[1];
        LOG.info("train: {} examples in {} minibatches over {} partitions{}{}", examples, counts[0],
                data.getNumPartitions(), held == null ? ", no validation split" : "",
                start.completedEpochs() > 0 ? ", resuming after epoch " + start.completedEpochs() : "");

        ParameterAveragingTrainingMaster master = trainingMaster();
        SparkDl4jMultiLayer spark = new SparkDl4jMultiLayer(sc, network, master);
        TrainingState state = start;
        try {
            for (int epoch = start.completedEpochs() + 1; epoch <= settings.epochs()
                    && !state.exhausted(settings.earlyStoppingPatience()); epoch++) {
                long begin = System.nanoTime();
                for (JavaRDD<CachedMinibatch> round : rounds(data, epoch)) {
                    spark.fit(round.map(CachedMinibatch::toDataSet));
                }
                double fitSeconds = (System.nanoTime() - begin) / 1e9;
                Evaluation eval = held == null ? null : spark.evaluate(held.map(CachedMinibatch::toDataSet));
                double seconds = (System.nanoTime() - begin) / 1e9;
                EpochStats stats = new EpochStats(epoch, spark.getScore(),
                        eval == null ? Double.NaN : eval.accuracy(),
                        eval == null ? Double.NaN : eval.f1(EvaluationAveraging.Macro),
                        examples, seconds, examples / fitSeconds);
                state = state.after(stats, spark.getNetwork().params());
                LOG.info(String.format(Locale.ROOT,
                        "train: epoch %d/%d  loss %.4f  val_acc %.4f  val_f1 %.4f  %.0f samples/s  %.1f s"
                                + "  (about %.0f s left)", epoch, settings.epochs(), stats.loss(),
                        stats.validationAccuracy(), stats.validationF1(), stats.samplesPerSec(), seconds,
                        seconds * (settings.epochs() - epoch)));
                afterEpoch.accept(spark.getNetwork(), state);
            }
            if (state.exhausted(settings.earlyStoppingPatience())) {
                LOG.info("train: validation accuracy has not improved on {} for {} epochs; stopped early",
                        String.format(Locale.ROOT, "%.4f", state.bestAccuracy()), state.sinceBest());
            }
            if (state.bestParams() != null) {
                // Keep the best epoch's parameters, not the last one's.
                spark.getNetwork().setParams(state.bestParams());
            }
        } finally {
            master.deleteTempFiles(sc);
            data.unpersist();
            if (held != null) {
                held.unpersist();
            }
        }
        return state;
    }

    /**
     * One averaging round per group of {@code workers} partitions, in a seeded order that changes every epoch.
     *
     * <p>Given the whole RDD, DL4J would cut each round out of it with a random split, and every round would then
     * read and deserialise every partition. Handing it exactly the partitions of one round (each holding at most
     * {@code averaging-frequency} minibatches, see {@link #partitionsFor}) makes a round read only its own data.
     */
    private List<JavaRDD<CachedMinibatch>> rounds(JavaRDD<CachedMinibatch> data, int epoch) {
        int workers = workers();
        int partitions = data.getNumPartitions();
        int count = (partitions + workers - 1) / workers;
        List<JavaRDD<CachedMinibatch>> rounds = new ArrayList<>();
        for (int r = 0; r < count; r++) {
            int first = r * workers;
            PartitionPruningRDD<CachedMinibatch> slice = PartitionPruningRDD.create(data.rdd(),
                    new PartitionRange(first, first + workers));
            rounds.add(JavaRDD.fromRDD(slice, ClassTag$.MODULE$.apply(CachedMinibatch.class)));
        }
        Collections.shuffle(rounds, new Random(settings.seed() + epoch));
        return rounds;
    }

    /**
     * Partitions for {@code examples} training examples: enough that none holds more than
     * {@code averaging-frequency} minibatches, and a multiple of the worker count.
     */
    public int partitionsFor(long examples) {
        long perPartition = (long) settings.batchSize() * settings.averagingFrequency();
        long partitions = Math.max(1, (examples + perPartition - 1) / perPartition);
        long workers = workers();
        return (int) (((partitions + workers - 1) / workers) * workers);
    }

    /** Selects partitions [from, to) of an RDD. */
    private static final class PartitionRange extends scala.runtime.AbstractFunction1<Object, Object>
            implements java.io.Serializable {
        private final int from;
        private final int to;

        PartitionRange(int from, int to) {
            this.from = from;
            this.to = to;
        }

        @Override
        public Object apply(Object index) {
            int i = (Integer) index;
            return i >= from && i < to;
        }
    }

    /**
     * Built once as Java arrays (see {@link CachedMinibatch}), persisted and cut from its lineage, so epochs and
     * averaging rounds neither rebuild nor deserialise minibatches.
     */
    private static JavaRDD<CachedMinibatch> cached(JavaRDD<DataSet> rdd) {
        JavaRDD<CachedMinibatch> persisted = rdd.map(CachedMinibatch::of).persist(StorageLevel.MEMORY_AND_DISK());
        persisted.rdd().localCheckpoint();
        return persisted;
    }

    private ParameterAveragingTrainingMaster trainingMaster() {
        ParameterAveragingTrainingMaster.Builder builder = new ParameterAveragingTrainingMaster.Builder(
                workers(), settings.batchSize())
                .batchSizePerWorker(settings.batchSize())
                .averagingFrequency(settings.averagingFrequency())
                .workerPrefetchNumBatches(2)
                .rddTrainingApproach(RDDTrainingApproach.Direct)
                .repartionData(Repartition.Never)
                .rngSeed(settings.seed())
                .saveUpdater(true)
                // Our RDD is persisted already; DL4J's own persist would cache every round's slice a second time.
                .storageLevel(null);
        return builder.build();
    }

    /** Partitions to train on: the configured number, or one per task slot. */
    public int workers() {
        return settings.workers() > 0 ? settings.workers() : sc.defaultParallelism();
    }
}
