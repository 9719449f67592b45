package io.streamtrain.train;

import io.streamtrain.model.Architecture;
import io.streamtrain.model.Lineage;
import io.streamtrain.model.Scaler;
import io.streamtrain.testing.SparkLocalTest;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Spark local: distributed training is the same computation as single-JVM training where it should be, the method of
 * DL4J's own TestCompareParameterAveragingSparkVsSingleMachine.
 */
public class SparkTrainerSparkTest extends SparkLocalTest {

    private static final int FEATURES = 12;
    private static final int CLASSES = 3;

    private static TrainSettings settings(int workers, int averagingFrequency, int epochs) {
        return settings(Architecture.mlp(), workers, averagingFrequency, epochs);
    }

    private static TrainSettings settings(Architecture architecture, int workers, int averagingFrequency,
                                          int epochs) {
        return new TrainSettings(List.of(8), "tanh", 0, 0, 0, TrainSettings.Init.XAVIER,
                Optimizer.constant(Optimizer.Updater.SGD, 0.1), 8, epochs, 12345, 0, architecture,
                Distribution.averaging(averagingFrequency, workers), false, 0);
    }

    /**
     * The self-attention classifier over the 12 features as a 3x4 image: 3 row tokens, width 8, 2 heads, one block,
     * no dropout (which would draw different masks on a worker than in one JVM).
     */
    private static Architecture attention() {
        return new Architecture(Architecture.Kind.ATTENTION, 3, 4, 1, Architecture.Cnn.LENET, 128,
                new Architecture.Attention(Architecture.Tokens.ROWS, 1, 8, 2, 1, 16, 0));
    }

    private static List<DataSet> minibatches(int count, int size) {
        return minibatches(count, size, (c, label) -> c % CLASSES == label);
    }

    /** Three Gaussian classes; feature c of an example of class {@code label} is shifted by 1 where {@code signal}. */
    private static List<DataSet> minibatches(int count, int size,
                                             java.util.function.BiPredicate<Integer, Integer> signal) {
        Random random = new Random(7);
        List<DataSet> out = new ArrayList<>();
        for (int b = 0; b < count; b++) {
            float[] x = new float[size * FEATURES];
            float[] y = new float[size * CLASSES];
            for (int r = 0; r < size; r++) {
                int label = random.nextInt(CLASSES);
                y[r * CLASSES + label] = 1;
                for (int c = 0; c < FEATURES; c++) {
                    x[r * FEATURES + c] = (float) (random.nextGaussian() + (signal.test(c, label) ? 1 : 0));
                }
            }
            out.add(new DataSet(Nd4j.create(x, new long[]{size, FEATURES}, DataType.FLOAT),
                    Nd4j.create(y, new long[]{size, CLASSES}, DataType.FLOAT)));
        }
        return out;
    }

    private static MultiLayerNetwork network(TrainSettings s) {
        return Models.network(s, FEATURES, CLASSES);
    }

    @Test
    public void oneWorkerGivesTheParametersOfSingleJvmTraining() {
        oneWorkerGivesTheParametersOfSingleJvmTraining(Architecture.mlp());
    }

    @Test
    public void oneWorkerGivesTheParametersOfSingleJvmTrainingForTheAttentionModel() {
        oneWorkerGivesTheParametersOfSingleJvmTraining(attention());
    }

    private void oneWorkerGivesTheParametersOfSingleJvmTraining(Architecture architecture) {
        TrainSettings s = settings(architecture, 1, 1000, 2);
        List<DataSet> data = minibatches(20, 8);
        MultiLayerNetwork single = network(s);
        INDArray initial = single.params().dup();
        for (int epoch = 0; epoch < s.epochs(); epoch++) {
            for (DataSet d : data) {
                single.fit(d);
            }
        }

        SparkTrainer trainer = new SparkTrainer(jsc(), s);
        JavaRDD<DataSet> rdd = jsc().parallelize(data, trainer.partitionsFor(20 * 8));
        assertThat(rdd.getNumPartitions()).isEqualTo(1);
        MultiLayerNetwork distributed = network(s);
        assertThat(distributed.params()).isEqualTo(initial);
        List<EpochStats> history = trainer.fit(distributed, rdd, null, TrainingState.start(), (net, state) -> { })
                .history();

        assertThat(history).hasSize(2);
        INDArray expected = single.params();
        INDArray actual = distributed.params();
        assertThat(actual.sub(initial).norm2Number().doubleValue()).as("training moved the parameters")
                .isGreaterThan(0.1);
        double maxDiff = actual.sub(expected).amax().getDouble(0);
        assertThat(maxDiff).as("max |spark - single| over %d parameters", expected.length()).isLessThan(1e-5);
    }

    @Test
    public void aResumedRunEndsWithTheParametersOfAnUninterruptedOne() throws Exception {
        aResumedRunEndsWithTheParametersOfAnUninterruptedOne(Architecture.mlp());
    }

    @Test
    public void aResumedAttentionRunEndsWithTheParametersOfAnUninterruptedOne() throws Exception {
        aResumedRunEndsWithTheParametersOfAnUninterruptedOne(attention());
    }

    private void aResumedRunEndsWithTheParametersOfAnUninterruptedOne(Architecture architecture) throws Exception {
        TrainSettings s = new TrainSettings(List.of(8), "tanh", 0, 0, 0, TrainSettings.Init.XAVIER,
                Optimizer.constant(Optimizer.Updater.ADAM, 0.01), 8, 3, 99, 0, architecture,
                Distribution.averaging(2, 2), false, 1);
        List<DataSet> data = minibatches(24, 8);
        // Augmented, so the test also shows that a resumed run flips the images an uninterrupted one flips; weight
        // averaging from epoch 1, so that it shows the checkpoint carries the running mean.
        HorizontalFlip flip = HorizontalFlip.of(new Architecture(Architecture.Kind.MLP, 3, 4, 1, Architecture.Cnn.LENET,
                128), new Scaler(new double[FEATURES], java.util.stream.DoubleStream.generate(() -> 1).limit(FEATURES)
                .toArray()));
        SparkTrainer trainer = new SparkTrainer(jsc(), s, flip);
        int partitions = trainer.partitionsFor(24 * 8);
        assertThat(partitions).as("several averaging rounds per epoch").isGreaterThan(2);

        MultiLayerNetwork uninterrupted = network(s);
        List<INDArray> epochEnds = new ArrayList<>();
        trainer.fit(uninterrupted, jsc().parallelize(data, partitions), null, TrainingState.start(),
                (n, st) -> epochEnds.add(n.params().dup()));
        INDArray mean = epochEnds.get(0).add(epochEnds.get(1)).addi(epochEnds.get(2)).divi(3);
        assertThat(uninterrupted.params().sub(mean).amax().getDouble(0))
                .as("with no validation split, the model is the mean of the three epochs' ends").isLessThan(1e-6);
        assertThat(epochEnds.get(2).sub(mean).amax().getDouble(0)).as("which is not the last epoch's end")
                .isGreaterThan(1e-4);
        MultiLayerNetwork unflipped = network(s);
        new SparkTrainer(jsc(), s).fit(unflipped, jsc().parallelize(data, partitions), null, TrainingState.start(),
                (n, st) -> { });
        assertThat(unflipped.params().sub(uninterrupted.params()).amax().getDouble(0))
                .as("the flips changed what was learnt").isGreaterThan(1e-3);

        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("checkpoints");
        Checkpoints checkpoints = new Checkpoints(new io.streamtrain.core.HadoopFiles(jsc().hadoopConfiguration()),
                dir.toString());
        Lineage inputs = new Lineage(null, java.util.Map.of("train", 24L * 8), List.of("stream-0"), List.of(),
                List.of(new Lineage.KafkaRange("events", 0, 0, 24 * 8 - 1, 24 * 8)));
        checkpoints.begin(inputs, Scaler.identity(FEATURES));
        MultiLayerNetwork killed = network(s);
        try {
            trainer.fit(killed, jsc().parallelize(data, partitions), null, TrainingState.start(), (net, state) -> {
                checkpoints.save(net, state);
                if (state.completedEpochs() == 1) {
                    throw new IllegalStateException("killed after epoch 1");
                }
            });
        } catch (IllegalStateException expected) {
            assertThat(expected).hasMessage("killed after epoch 1");
        }
        Checkpoints.Resumed resumed = checkpoints.load().orElseThrow();
        assertThat(resumed.state().completedEpochs()).isEqualTo(1);
        assertThat(resumed.lineage()).as("the data the run began with").isEqualTo(inputs);
        TrainingState end = trainer.fit(resumed.network(), jsc().parallelize(data, partitions), null,
                resumed.state(), checkpoints::save);

        assertThat(end.history()).extracting(EpochStats::epoch).containsExactly(1, 2, 3);
        assertThat(end.averagedEpochs()).isEqualTo(3);
        double maxDiff = resumed.network().params().sub(uninterrupted.params()).amax().getDouble(0);
        assertThat(maxDiff).as("max |resumed - uninterrupted|").isLessThan(1e-5);
        assertThat(checkpoints.load().orElseThrow().state().completedEpochs()).isEqualTo(3);
    }

    @Test
    public void theWeightAverageReplacesTheBestEpochOnlyWhenItScoresHigherOnValidation() {
        TrainSettings s = settings(2, 5, 1);
        MultiLayerNetwork network = network(s);
        INDArray trained = network.params().dup();
        INDArray other = trained.mul(-1);
        JavaRDD<CachedMinibatch> validation = jsc().parallelize(minibatches(4, 8), 2).map(CachedMinibatch::of);

        // An unbeatable best epoch stays; a best epoch the average beats is replaced.
        SparkTrainer.keepBest(jsc(), network, validation, new TrainingState(3, 1.01, 0, other, List.of(), trained, 2));
        assertThat(network.params()).isEqualTo(other);
        SparkTrainer.keepBest(jsc(), network, validation, new TrainingState(3, -1, 0, other, List.of(), trained, 2));
        assertThat(network.params()).isEqualTo(trained);
        // One averaged epoch is no average: the best epoch stays.
        SparkTrainer.keepBest(jsc(), network, validation, new TrainingState(3, -1, 0, other, List.of(), trained, 1));
        assertThat(network.params()).isEqualTo(other);
    }

    @Test
    public void gradientSharingTrainsTheDriversNetwork() throws InterruptedException {
        gradientSharingTrainsTheDriversNetwork(Architecture.mlp(), 40321, 3, 0.8, 0.2);
    }

    @Test
    public void gradientSharingTrainsTheDriversAttentionNetwork() throws InterruptedException {
        // The small attention model learns these Gaussian classes slowly in one JVM too (0.47 training accuracy after
        // 3 epochs, where the MLP reaches 0.88): the test asks for clear progress, not the MLP's accuracy.
        gradientSharingTrainsTheDriversNetwork(attention(), 40331, 8, 0, 0.08);
    }

    private void gradientSharingTrainsTheDriversNetwork(Architecture architecture, int port, int epochs,
                                                        double minAccuracy, double minGain)
            throws InterruptedException {
        TrainSettings averaging = settings(2, 5, 3);
        TrainSettings s = new TrainSettings(averaging.hiddenLayers(), averaging.activation(), 0, 0, 0,
                TrainSettings.Init.XAVIER, Optimizer.constant(Optimizer.Updater.ADAM, 0.01), 8, epochs, 12345, 0,
                architecture, new Distribution(Distribution.Master.SHARING, 5, 2,
                new Distribution.Sharing(1e-3, "127.0.0.1", port, "", java.time.Duration.ofMinutes(2)),
                Distribution.LearningRateScaling.NONE), false, 0);
        List<DataSet> data = minibatches(40, 8);
        SparkTrainer trainer = new SparkTrainer(jsc(), s);
        MultiLayerNetwork network = network(s);
        INDArray initial = network.params().dup();
        double before = accuracy(network, data);
        java.util.Set<String> aeronDirsBefore = aeronDirs();
        List<String> stages = new java.util.concurrent.CopyOnWriteArrayList<>();
        TrainingState end = recordingStages(stages, "SharedTrainingMaster", () -> trainer.fit(network,
                jsc().parallelize(data, 4), jsc().parallelize(data, 2), TrainingState.start(), (net, state) -> { }));

        assertThat(stages).as("Spark stages: dl4j-spark's SharedTrainingMaster did the training")
                .anyMatch(n -> n.contains("SharedTrainingMaster"))
                .noneMatch(n -> n.contains("ParameterAveraging"));

        assertThat(end.history()).extracting(EpochStats::epoch)
                .containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, epochs).boxed().toList());
        assertThat(network.params().sub(initial).norm2Number().doubleValue())
                .as("updates from the workers reached the driver's parameters").isGreaterThan(0.1);
        assertThat(accuracy(network, data)).as("training accuracy, %.3f before training", before)
                .isGreaterThan(Math.max(minAccuracy, before + minGain));
        assertThat(end.history().get(epochs - 1).validationAccuracy()).isGreaterThan(minAccuracy);
        assertThat(aeronDirs()).as("the media driver's folder is removed after training")
                .isSubsetOf(aeronDirsBefore);
    }

    /** Runs {@code run} and collects the names of the Spark stages it submits, until one contains {@code awaited}. */
    private <T> T recordingStages(List<String> stages, String awaited, java.util.function.Supplier<T> run)
            throws InterruptedException {
        SparkListener stageNames = new SparkListener() {
            @Override
            public void onStageSubmitted(SparkListenerStageSubmitted submitted) {
                stages.add(submitted.stageInfo().name());
            }
        };
        jsc().sc().addSparkListener(stageNames);
        try {
            T result = run.get();
            // Listener events arrive asynchronously.
            long deadline = System.currentTimeMillis() + 10_000;
            while (stages.stream().noneMatch(n -> n.contains(awaited)) && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            return result;
        } finally {
            jsc().sc().removeSparkListener(stageNames);
        }
    }

    @Test
    public void learningRateScalingMultipliesTheRateOfNewNetworksForParameterAveragingOnly() {
        TrainSettings base = settings(2, 5, 1);
        for (Distribution.LearningRateScaling scaling : Distribution.LearningRateScaling.values()) {
            for (Distribution.Master master : Distribution.Master.values()) {
                Distribution d = new Distribution(master, 5, 2, Distribution.Sharing.defaults(), scaling);
                TrainSettings s = base.withDistribution(d);
                double rate = new SparkTrainer(jsc(), s).newNetwork(FEATURES, CLASSES).getLearningRate(0);
                double expected = master == Distribution.Master.SHARING ? 0.1 : switch (scaling) {
                    case NONE -> 0.1;
                    case LINEAR -> 0.2;
                    case SQRT -> 0.1 * Math.sqrt(2);
                };
                assertThat(rate).as("%s, %s on 2 workers", scaling, master).isCloseTo(expected, within(1e-9));
            }
        }
    }

    @Test
    public void averagingRoundsRunWithoutDl4jsCountJob() throws InterruptedException {
        TrainSettings s = settings(2, 2, 2);
        List<DataSet> data = minibatches(24, 8);
        SparkTrainer trainer = new SparkTrainer(jsc(), s);
        int partitions = trainer.partitionsFor(24 * 8);
        List<String> stages = new java.util.concurrent.CopyOnWriteArrayList<>();
        TrainingState end = recordingStages(stages, "ParameterAveraging", () -> trainer.fit(network(s),
                jsc().parallelize(data, partitions), null, TrainingState.start(), (net, state) -> { }));

        assertThat(end.history()).hasSize(2);
        assertThat(stages).as("Spark stages").anyMatch(n -> n.contains("ParameterAveragingTrainingMaster"))
                .noneMatch(n -> n.startsWith("count at ParameterAveragingTrainingMaster"));
    }

    private static java.util.Set<String> aeronDirs() {
        java.io.File[] dirs = new java.io.File("/dev/shm").listFiles((dir, name) -> name.startsWith("aeron-"));
        return dirs == null ? java.util.Set.of()
                : java.util.Arrays.stream(dirs).map(java.io.File::getName).collect(java.util.stream.Collectors.toSet());
    }

    @Test
    public void theEpochCountFollowsEpochsNotAveragingRoundsSoSchedulesStepPerEpoch() {
        TrainSettings base = settings(2, 1, 2);
        TrainSettings s = new TrainSettings(base.hiddenLayers(), base.activation(), 0, 0, 0, TrainSettings.Init.XAVIER,
                new Optimizer(Optimizer.Updater.SGD, 0.1, Optimizer.Schedule.STEP, 0.5, 1), 8, 2, 12345, 0,
                Architecture.mlp(), base.distribution(), false, 0);
        SparkTrainer trainer = new SparkTrainer(jsc(), s);
        MultiLayerNetwork network = network(s);
        List<Integer> epochCounts = new ArrayList<>();
        trainer.fit(network, jsc().parallelize(minibatches(12, 8), trainer.partitionsFor(12 * 8)), null,
                TrainingState.start(), (net, state) -> epochCounts.add(net.getEpochCount()));

        assertThat(trainer.partitionsFor(12 * 8)).as("several averaging rounds per epoch").isGreaterThan(2);
        assertThat(epochCounts).containsExactly(1, 2);
        org.nd4j.linalg.learning.config.Sgd sgd = (org.nd4j.linalg.learning.config.Sgd)
                network.getLayerWiseConfigurations().getConf(0).getLayer().getUpdaterByParam("W");
        assertThat(sgd.getLearningRate(0, 0)).isEqualTo(0.1);
        assertThat(sgd.getLearningRate(0, 1)).isEqualTo(0.05);
    }

    private static double accuracy(MultiLayerNetwork network, List<DataSet> data) {
        org.nd4j.evaluation.classification.Evaluation eval = new org.nd4j.evaluation.classification.Evaluation(CLASSES);
        for (DataSet d : data) {
            eval.eval(d.getLabels(), network.output(d.getFeatures()));
        }
        return eval.accuracy();
    }

    @Test
    public void partitionsHoldAtMostOneAveragingRoundEach() {
        TrainSettings s = settings(2, 5, 1);
        SparkTrainer trainer = new SparkTrainer(jsc(), s);
        // 40 examples per partition (5 minibatches of 8): 357 examples need 9 partitions, a multiple of 2 workers is 10.
        assertThat(trainer.partitionsFor(357)).isEqualTo(10);
        assertThat(trainer.partitionsFor(360)).isEqualTo(10);
        assertThat(trainer.partitionsFor(400)).isEqualTo(10);
        assertThat(trainer.partitionsFor(401)).isEqualTo(12);
        assertThat(trainer.partitionsFor(1)).isEqualTo(2);
    }
}
