package io.streamtrain.train;

import io.streamtrain.model.Architecture;
import io.streamtrain.core.ConfigException;
import io.streamtrain.core.Settings;
import org.deeplearning4j.nn.weights.WeightInit;

import java.util.List;

/**
 * The model and how to fit it.
 *
 * @param hiddenLayers          sizes of the dense hidden layers
 * @param activation            activation of hidden layers (relu, tanh, leakyrelu, elu, sigmoid, ...)
 * @param dropout               probability of dropping a hidden unit's input, 0 for none
 * @param l1                    L1 weight penalty, 0 for none
 * @param l2                    L2 weight decay, 0 for none
 * @param weightInit            how weights start
 * @param optimizer             the optimiser and its learning-rate schedule
 * @param batchSize             examples per minibatch
 * @param epochs                passes over the training split
 * @param seed                  weight initialisation and data shuffling
 * @param earlyStoppingPatience epochs without a better validation accuracy before training stops; 0 never stops
 * @param architecture          which network: MLP, CNN, LSTM or self-attention
 * @param distribution          how Spark workers combine their work
 * @param horizontalFlip        mirror about half of the training images each epoch ({@link HorizontalFlip})
 * @param averageFromEpoch      first epoch whose end-of-epoch parameters join the weight average (stochastic weight
 *                              averaging); 0 for none
 * @param balance               how the training rows' class imbalance is made up for ({@link Balance})
 */
public record TrainSettings(List<Integer> hiddenLayers, String activation, double dropout, double l1, double l2,
                            Init weightInit, Optimizer optimizer, int batchSize, int epochs, long seed,
                            int earlyStoppingPatience, Architecture architecture, Distribution distribution,
                            boolean horizontalFlip, int averageFromEpoch, Balance balance) {

    /** The same without class balancing. */
    public TrainSettings(List<Integer> hiddenLayers, String activation, double dropout, double l1, double l2,
                         Init weightInit, Optimizer optimizer, int batchSize, int epochs, long seed,
                         int earlyStoppingPatience, Architecture architecture, Distribution distribution,
                         boolean horizontalFlip, int averageFromEpoch) {
        this(hiddenLayers, activation, dropout, l1, l2, weightInit, optimizer, batchSize, epochs, seed,
                earlyStoppingPatience, architecture, distribution, horizontalFlip, averageFromEpoch, Balance.NONE);
    }

    public static final String HIDDEN_LAYERS = "train.mlp.hidden-layers";
    public static final String ACTIVATION = "train.mlp.activation";
    public static final String DROPOUT = "train.mlp.dropout";
    public static final String L1 = "train.l1";
    public static final String L2 = "train.l2";
    public static final String WEIGHT_INIT = "train.weight-init";
    public static final String BATCH_SIZE = "train.batch-size";
    public static final String EPOCHS = "train.epochs";
    public static final String SEED = "train.seed";
    public static final String EARLY_STOPPING_PATIENCE = "train.early-stopping-patience";
    public static final String AVERAGE_FROM_EPOCH = "train.weight-averaging.from-epoch";

    /** Weight initialisations that need no further parameters. */
    public enum Init {
        XAVIER(WeightInit.XAVIER), XAVIER_UNIFORM(WeightInit.XAVIER_UNIFORM), RELU(WeightInit.RELU),
        RELU_UNIFORM(WeightInit.RELU_UNIFORM), LECUN_NORMAL(WeightInit.LECUN_NORMAL),
        LECUN_UNIFORM(WeightInit.LECUN_UNIFORM);

        private final WeightInit dl4j;

        Init(WeightInit dl4j) {
            this.dl4j = dl4j;
        }

        public WeightInit dl4j() {
            return dl4j;
        }
    }

    private static final List<String> ACTIVATIONS = List.of("relu", "leakyrelu", "elu", "tanh", "sigmoid", "swish",
            "gelu", "identity");

    public TrainSettings {
        hiddenLayers = List.copyOf(hiddenLayers);
        if (!ACTIVATIONS.contains(activation)) {
            throw new ConfigException(ACTIVATION, activation, "must be one of " + String.join(", ", ACTIVATIONS));
        }
        if (horizontalFlip) {
            HorizontalFlip.requireFlatImages(architecture);
        }
    }

    /** The same settings with another optimiser. */
    public TrainSettings withOptimizer(Optimizer replaced) {
        return new TrainSettings(hiddenLayers, activation, dropout, l1, l2, weightInit, replaced, batchSize, epochs,
                seed, earlyStoppingPatience, architecture, distribution, horizontalFlip, averageFromEpoch, balance);
    }

    /** The same settings with another distribution. */
    public TrainSettings withDistribution(Distribution replaced) {
        return new TrainSettings(hiddenLayers, activation, dropout, l1, l2, weightInit, optimizer, batchSize, epochs,
                seed, earlyStoppingPatience, architecture, replaced, horizontalFlip, averageFromEpoch, balance);
    }

    /** The same settings with another epoch count (benchmarks). */
    public TrainSettings withEpochs(int epochs) {
        return new TrainSettings(hiddenLayers, activation, dropout, l1, l2, weightInit, optimizer, batchSize, epochs,
                seed, earlyStoppingPatience, architecture, distribution, horizontalFlip, averageFromEpoch, balance);
    }

    public static TrainSettings from(Settings s) {
        return new TrainSettings(s.positiveInts(HIDDEN_LAYERS), s.nonBlank(ACTIVATION).toLowerCase(),
                s.doubleInRange(DROPOUT, 0, 1), s.doubleInRange(L1, 0, 1), s.doubleInRange(L2, 0, 1),
                s.oneOf(WEIGHT_INIT, Init.class), Optimizer.from(s), s.intInRange(BATCH_SIZE, 1, 65_536),
                s.intInRange(EPOCHS, 1, 10_000), s.raw().getLong(SEED),
                s.intInRange(EARLY_STOPPING_PATIENCE, 0, 10_000), Architecture.from(s), Distribution.from(s),
                s.bool(HorizontalFlip.KEY), s.intInRange(AVERAGE_FROM_EPOCH, 0, 10_000),
                s.oneOf(Balance.KEY, Balance.class));
    }
}
