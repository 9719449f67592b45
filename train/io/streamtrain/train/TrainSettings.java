package io.streamtrain.train;

import io.streamtrain.core.ConfigException;
import io.streamtrain.core.Settings;

import java.util.List;

/**
 * The model and how to fit it.
 *
 * @param hiddenLayers       sizes of the MLP's hidden layers
 * @param activation         activation of hidden layers (relu, tanh, leakyrelu, elu, sigmoid, ...)
 * @param dropout            probability of dropping a hidden unit's input, 0 for none
 * @param l2                 L2 weight decay, 0 for none
 * @param updater            the optimiser
 * @param learningRate       the optimiser's learning rate
 * @param batchSize          examples per minibatch
 * @param epochs             passes over the training split
 * @param seed               weight initialisation and data shuffling
 * @param averagingFrequency minibatches each worker fits between two parameter averages
 * @param workers            Spark partitions training runs on; 0 means the cluster's default parallelism
 * @param earlyStoppingPatience epochs without a better validation accuracy before training stops; 0 never stops
 * @param architecture       which network: MLP, CNN or LSTM
 */
public record TrainSettings(List<Integer> hiddenLayers, String activation, double dropout, double l2, Updater updater,
                            double learningRate, int batchSize, int epochs, long seed, int averagingFrequency,
                            int workers, int earlyStoppingPatience, Architecture architecture) {

    public static final String HIDDEN_LAYERS = "train.mlp.hidden-layers";
    public static final String ACTIVATION = "train.mlp.activation";
    public static final String DROPOUT = "train.mlp.dropout";
    public static final String L2 = "train.l2";
    public static final String UPDATER = "train.updater";
    public static final String LEARNING_RATE = "train.learning-rate";
    public static final String BATCH_SIZE = "train.batch-size";
    public static final String EPOCHS = "train.epochs";
    public static final String SEED = "train.seed";
    public static final String AVERAGING_FREQUENCY = "train.averaging-frequency";
    public static final String WORKERS = "train.workers";
    public static final String EARLY_STOPPING_PATIENCE = "train.early-stopping-patience";

    /** Optimisers. */
    public enum Updater { SGD, NESTEROVS, ADAM, ADAGRAD, RMSPROP }

    private static final List<String> ACTIVATIONS = List.of("relu", "leakyrelu", "elu", "tanh", "sigmoid", "swish",
            "gelu", "identity");

    /** The same settings with another epoch count and worker count (benchmarks). */
    public TrainSettings with(int epochs, int workers) {
        return new TrainSettings(hiddenLayers, activation, dropout, l2, updater, learningRate, batchSize, epochs, seed,
                averagingFrequency, workers, earlyStoppingPatience, architecture);
    }

    public TrainSettings {
        hiddenLayers = List.copyOf(hiddenLayers);
        if (!ACTIVATIONS.contains(activation)) {
            throw new ConfigException(ACTIVATION, activation, "must be one of " + String.join(", ", ACTIVATIONS));
        }
    }

    public static TrainSettings from(Settings s) {
        return new TrainSettings(s.positiveInts(HIDDEN_LAYERS), s.nonBlank(ACTIVATION).toLowerCase(),
                s.doubleInRange(DROPOUT, 0, 1), s.doubleInRange(L2, 0, 1), s.oneOf(UPDATER, Updater.class),
                s.positiveDouble(LEARNING_RATE), s.intInRange(BATCH_SIZE, 1, 65_536), s.intInRange(EPOCHS, 1, 10_000),
                s.raw().getLong(SEED), s.positiveInt(AVERAGING_FREQUENCY), s.intInRange(WORKERS, 0, 100_000),
                s.intInRange(EARLY_STOPPING_PATIENCE, 0, 10_000), Architecture.from(s));
    }
}
