package io.streamtrain.train;

import io.streamtrain.model.DistributedScorer;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.PartitionPruningRDD;
import org.apache.spark.storage.StorageLevel;
import scala.reflect.ClassTag$;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import io.streamtrain.core.metrics.Confusion;
import io.streamtrain.core.metrics.ConfusionMetrics;
import io.streamtrain.core.metrics.Metric;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.runtime.AbstractFunction1;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.Random;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

/**
 * Fits a network on an RDD of minibatches with one of dl4j-spark's training masters (see {@link Distribution}).
 *
 * <p>The minibatch RDD is built once, persisted as Java arrays and cut from its lineage ({@code localCheckpoint}), so
 * epochs neither rebuild nor deserialise minibatches. Parameter averaging then trains each averaging round on just
 * that round's partitions ({@code RDDTrainingApproach.Direct}, no repartitioning), so a round reads only its own
 * cached data and no shuffle moves minibatches between rounds. Gradient sharing trains a whole epoch in one pass over
 * one partition per worker.
 */
public final class SparkTrainer {

    private static final Logger LOG = LoggerFactory.getLogger(SparkTrainer.class);

    private final JavaSparkContext sc;
    private final TrainSettings settings;
    private final HorizontalFlip flip;

    /** A trainer without augmentation ({@code train.augment.*} needs the scaler: see the other constructor). */
    public SparkTrainer(JavaSparkContext sc, TrainSettings settings) {
        this(sc, settings, null);
    }

    /** @param flip augments the training minibatches of every epoch, or null for none */
    public SparkTrainer(JavaSparkContext sc, TrainSettings settings, HorizontalFlip flip) {
        this.sc = sc;
        this.settings = settings;
        this.flip = flip;
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
        // One pass materialises the cache and counts minibatches and examples per partition.
        long[] perPartition = new long[data.getNumPartitions()];
        long examples = 0;
        for (long[] c : data.mapPartitionsWithIndex(SparkTrainer::count, true).collect()) {
            perPartition[(int) c[0]] = c[1];
            examples += c[2];
        }
        LOG.info("train: {} {}, {} examples in {} minibatches over {} partitions{}{}",
                settings.architecture().describe(), settings.hiddenLayers(), examples,
                Arrays.stream(perPartition).sum(), data.getNumPartitions(),
                held == null ? ", no validation split" : "",
                start.completedEpochs() > 0 ? ", resuming after epoch " + start.completedEpochs() : "");

        JavaRDD<CachedMinibatch> lossSample = data.mapPartitions(LossSample::new).persist(StorageLevel.MEMORY_ONLY());
        TrainingState state = start;
        try (Epochs epochs = settings.distribution().master() == Distribution.Master.AVERAGING
                ? new Averaging(network, data, perPartition) : new Sharing(network, data)) {
            SparkDl4jMultiLayer spark = epochs.spark;
            for (int epoch = start.completedEpochs() + 1; epoch <= settings.epochs()
                    && !state.exhausted(settings.earlyStoppingPatience()); epoch++) {
                long begin = System.nanoTime();
                epochs.fit(epoch);
                double fitSeconds = (System.nanoTime() - begin) / 1e9;
                double loss = lossOf(spark.getNetwork(), lossSample);
                Evaluation eval = held == null ? null
                        : DistributedScorer.evaluate(sc, spark.getNetwork(), held.map(CachedMinibatch::toDataSet));
                double seconds = (System.nanoTime() - begin) / 1e9;
                // The same definitions as evaluate's tables (a class never predicted is NaN there, 0 in DL4J's).
                Confusion heldConfusion = eval == null ? null
                        : DistributedScorer.confusion(eval, network.layerSize(network.getnLayers() - 1));
                EpochStats stats = new EpochStats(epoch, loss,
                        heldConfusion == null ? Double.NaN : ConfusionMetrics.accuracy(heldConfusion),
                        heldConfusion == null ? Double.NaN : ConfusionMetrics.macro(heldConfusion, Metric.F1),
                        examples, seconds, examples / fitSeconds);
                state = state.after(stats, spark.getNetwork().params(), settings.averageFromEpoch());
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
            keepBest(sc, spark.getNetwork(), held, state);
        } finally {
            lossSample.unpersist();
            data.unpersist();
            if (held != null) {
                held.unpersist();
            }
        }
        return state;
    }

    /**
     * Leaves the network with the best epoch's parameters rather than the last one's, or with the weight average of
     * the last epochs when it scores a higher validation accuracy than that best epoch (or when there is no validation
     * split to compare the two on).
     */
    static void keepBest(JavaSparkContext sc, MultiLayerNetwork network, JavaRDD<CachedMinibatch> held,
                         TrainingState state) {
        if (state.averagedEpochs() > 1) {
            String epochs = (state.completedEpochs() - state.averagedEpochs() + 1) + "-" + state.completedEpochs();
            network.setParams(state.averageParams());
            if (held == null || state.bestParams() == null) {
                LOG.info("train: keeping the weight average of epochs {} (no validation accuracy to compare with)",
                        epochs);
                return;
            }
            double accuracy = DistributedScorer.evaluate(sc, network, held.map(CachedMinibatch::toDataSet)).accuracy();
            boolean better = accuracy > state.bestAccuracy();
            LOG.info(String.format(Locale.ROOT, "train: the weight average of epochs %s scores val_acc %.4f against"
                    + " %.4f for the best epoch; keeping %s", epochs, accuracy, state.bestAccuracy(),
                    better ? "the average" : "the best epoch"));
            if (better) {
                return;
            }
        }
        if (state.bestParams() != null) {
            network.setParams(state.bestParams());
        }
    }

    /** Mean loss over {@code sample}, scored on the executors ({@link DistributedScorer}). */
    private double lossOf(MultiLayerNetwork network, JavaRDD<CachedMinibatch> sample) {
        return DistributedScorer.meanLoss(sc, network, sample.map(CachedMinibatch::toDataSet));
    }

    /**
     * One averaging round per group of {@code workers} partitions, in a seeded order that changes every epoch.
     *
     * <p>Given the whole RDD, DL4J would cut each round out of it with a random split, and every round would then
     * read and deserialise every partition. Handing it exactly the partitions of one round (each holding at most
     * {@code averaging-frequency} minibatches, see {@link #partitionsFor}) makes a round read only its own data.
     */
    private List<Round> rounds(JavaRDD<CachedMinibatch> data, long[] minibatchesPerPartition, int epoch) {
        int workers = workers();
        int partitions = data.getNumPartitions();
        int count = (partitions + workers - 1) / workers;
        List<Round> rounds = new ArrayList<>();
        for (int r = 0; r < count; r++) {
            int first = r * workers;
            PartitionPruningRDD<CachedMinibatch> slice = PartitionPruningRDD.create(data.rdd(),
                    new PartitionRange(first, first + workers));
            int end = Math.min(first + workers, partitions);
            long minibatches = Arrays.stream(minibatchesPerPartition, first, end).sum();
            rounds.add(new Round(JavaRDD.fromRDD(slice, ClassTag$.MODULE$.apply(CachedMinibatch.class)), first,
                    minibatches));
        }
        Collections.shuffle(rounds, new Random(settings.seed() + epoch));
        return rounds;
    }

    /**
     * The partitions of one averaging round, the first of them at {@code firstPartition} of the whole RDD, and the
     * minibatches they hold.
     */
    private record Round(JavaRDD<CachedMinibatch> data, int firstPartition, long minibatches) {
    }

    /** What the network fits on in {@code epoch}: the cached minibatches, flipped at random if so configured. */
    private JavaRDD<DataSet> examples(JavaRDD<CachedMinibatch> data, int epoch, int firstPartition) {
        return flip == null ? data.map(CachedMinibatch::toDataSet)
                : flip.apply(data, settings.seed(), epoch, firstPartition);
    }

    /**
     * Partitions for {@code examples} training examples: enough that none holds more than
     * {@code averaging-frequency} minibatches, and a multiple of the worker count.
     */
    public int partitionsFor(long examples) {
        long perPartition = (long) settings.batchSize() * settings.distribution().averagingFrequency();
        long partitions = Math.max(1, (examples + perPartition - 1) / perPartition);
        long workers = workers();
        return (int) (((partitions + workers - 1) / workers) * workers);
    }

    /**
     * The first minibatches of a partition: the training loss each epoch reports is the mean loss over these after
     * the epoch, with dropout off. It costs a forward pass over a few percent of the data and means the same under
     * both masters (gradient sharing reports no loss of its own when a JVM runs several workers).
     */
    private static final class LossSample implements Iterator<CachedMinibatch> {
        private static final int PER_PARTITION = 4;
        private final Iterator<CachedMinibatch> partition;
        private int taken;

        LossSample(Iterator<CachedMinibatch> partition) {
            this.partition = partition;
        }

        @Override
        public boolean hasNext() {
            return taken < PER_PARTITION && partition.hasNext();
        }

        @Override
        public CachedMinibatch next() {
            taken++;
            return partition.next();
        }
    }

    /** Selects partitions [from, to) of an RDD. */
    private static final class PartitionRange extends AbstractFunction1<Object, Object> implements Serializable {
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

    /** A training master with the network it fits, one epoch at a time. */
    private abstract class Epochs implements AutoCloseable {

        final TrainingMaster<?, ?> master;
        final SparkDl4jMultiLayer spark;

        Epochs(MultiLayerNetwork network, TrainingMaster<?, ?> master) {
            this.master = master;
            this.spark = new SparkDl4jMultiLayer(sc, network, master);
        }

        /** One pass over the training data ({@code epoch} counts from 1). */
        abstract void fit(int epoch);

        @Override
        public void close() {
            master.deleteTempFiles(sc);
        }
    }

    /** Parameter averaging, one averaging round per group of {@code workers} partitions. */
    private final class Averaging extends Epochs {

        private final JavaRDD<CachedMinibatch> data;
        private final long[] minibatchesPerPartition;
        private final CountedParameterAveraging averaging;
        private final MinibatchSeeds seeds = new MinibatchSeeds(settings.seed());

        Averaging(MultiLayerNetwork network, JavaRDD<CachedMinibatch> data, long[] minibatchesPerPartition) {
            this(network, data, minibatchesPerPartition, new CountedParameterAveraging(
                    new ParameterAveragingTrainingMaster.Builder(workers(), settings.batchSize())
                            .batchSizePerWorker(settings.batchSize())
                            .averagingFrequency(settings.distribution().averagingFrequency())
                            .workerPrefetchNumBatches(2)
                            .rddTrainingApproach(RDDTrainingApproach.Direct)
                            .repartionData(Repartition.Never)
                            .rngSeed(settings.seed())
                            .saveUpdater(true)
                            // Our RDD is persisted already; DL4J's own persist would cache every round's slice again.
                            .storageLevel(null)));
        }

        private Averaging(MultiLayerNetwork network, JavaRDD<CachedMinibatch> data, long[] minibatchesPerPartition,
                          CountedParameterAveraging averaging) {
            super(network, averaging);
            this.data = data;
            this.minibatchesPerPartition = minibatchesPerPartition;
            this.averaging = averaging;
            averaging.addHook(seeds);
        }

        @Override
        void fit(int epoch) {
            for (Round round : rounds(data, minibatchesPerPartition, epoch)) {
                // DL4J counts an epoch at the end of every fit, so every round would advance learning-rate schedules.
                // Each round starts at the epoch index instead, and the last one leaves the count at this epoch.
                spark.getNetwork().setEpochCount(epoch - 1);
                averaging.nextFitHas(round.minibatches());
                seeds.round(epoch, round.firstPartition());
                spark.fit(examples(round.data(), epoch, round.firstPartition()));
            }
        }
    }

    /** Gradient sharing: every epoch is one pass of one task per worker over a fixed, cached RDD. */
    private final class Sharing extends Epochs {

        private final JavaRDD<CachedMinibatch> perWorker;
        private final Distribution.Sharing sharing;
        private final ExecutorService runner = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "streamtrain-sharing");
            t.setDaemon(true);
            return t;
        });

        Sharing(MultiLayerNetwork network, JavaRDD<CachedMinibatch> data) {
            super(network, GradientSharing.master(settings, sc.isLocal()));
            this.sharing = settings.distribution().sharing();
            // One partition per task slot: DL4J makes the first task of a JVM the trainer and parks the others until
            // it is done, so more partitions than slots would train in waves.
            this.perWorker = data.coalesce(workers());
        }

        @Override
        void fit(int index) {
            JavaRDD<DataSet> epoch = examples(perWorker, index, 0);
            Future<?> pass = runner.submit(() -> spark.fit(epoch));
            try {
                pass.get(sharing.epochTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                sc.cancelAllJobs();
                pass.cancel(true);
                throw new IllegalStateException("gradient sharing: epoch " + index + " did not finish within "
                        + sharing.epochTimeout() + " (" + Distribution.Sharing.EPOCH_TIMEOUT + "); workers may not "
                        + "reach " + sharing.controller() + ":" + sharing.port() + " over UDP", e);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                sc.cancelAllJobs();
                throw new IllegalStateException("gradient sharing interrupted in epoch " + index, e);
            }
        }

        @Override
        public void close() {
            runner.shutdownNow();
            super.close();
            GradientSharing.stopParameterServer();
        }
    }

    /** {partition index, minibatches, examples} of one partition. */
    private static Iterator<long[]> count(int partition, Iterator<CachedMinibatch> minibatches) {
        long batches = 0;
        long examples = 0;
        while (minibatches.hasNext()) {
            batches++;
            examples += minibatches.next().examples();
        }
        return List.of(new long[]{partition, batches, examples}).iterator();
    }

    /**
     * A new network for this trainer: the configured one, with the learning rate scaled for the workers that average
     * it ({@link Distribution#learningRateFactor}). The rate is part of the saved model, so a resumed or warm-started
     * run keeps the rate it was trained with.
     */
    public MultiLayerNetwork newNetwork(int inputs, int classes) {
        return newNetwork(inputs, classes, null);
    }

    /** The same, its loss weighting each class by {@code classWeights} (null: unweighted). */
    public MultiLayerNetwork newNetwork(int inputs, int classes, double[] classWeights) {
        double factor = settings.distribution().learningRateFactor(workers());
        if (factor != 1) {
            LOG.info("train: learning rate {} x {} for {} workers ({} = {})", settings.optimizer().learningRate(),
                    String.format(Locale.ROOT, "%.3g", factor), workers(), Distribution.LEARNING_RATE_SCALING,
                    settings.distribution().scaling().name().toLowerCase());
        }
        return Models.network(settings.withOptimizer(settings.optimizer().scaled(factor)), inputs, classes,
                classWeights);
    }

    /**
     * {@code base}, a trained network, set to fine-tune at {@code factor} times the rate {@link #newNetwork} would give
     * a new one, schedule included; 1 leaves it the rate it was trained with. The rate is saved with the model, so a
     * resumed fine-tune keeps it.
     */
    public MultiLayerNetwork fineTuning(MultiLayerNetwork base, double factor) {
        if (factor != 1) {
            Optimizer rate = settings.optimizer().scaled(factor * settings.distribution().learningRateFactor(workers()));
            LOG.info("train: fine-tuning at learning rate {} ({} x the configured {})", rate.learningRate(),
                    factor, settings.optimizer().learningRate());
            base.setLearningRate(rate.rate());
        }
        return base;
    }

    /** Partitions to train on: the configured number, or one per task slot. */
    public int workers() {
        return settings.distribution().workers() > 0 ? settings.distribution().workers() : sc.defaultParallelism();
    }
}
