package io.streamtrain.train;

import io.streamtrain.core.ConfigException;
import io.streamtrain.core.Settings;

import java.io.Serializable;
import java.time.Duration;

/**
 * How Spark workers combine what they learn.
 *
 * @param master             parameter averaging or gradient sharing
 * @param averagingFrequency minibatches each worker fits between two parameter averages
 * @param workers            Spark partitions training runs on; 0 means the cluster's default parallelism
 * @param sharing            settings of gradient sharing, read whichever master is chosen
 * @param scaling            how parameter averaging scales the learning rate with the number of workers
 */
public record Distribution(Master master, int averagingFrequency, int workers, Sharing sharing,
                           LearningRateScaling scaling) implements Serializable {

    public static final String MASTER = "train.master";
    public static final String AVERAGING_FREQUENCY = "train.averaging-frequency";
    public static final String WORKERS = "train.workers";
    public static final String LEARNING_RATE_SCALING = "train.learning-rate-scaling";

    /** dl4j-spark's two training masters. */
    public enum Master {
        /** {@code ParameterAveragingTrainingMaster}: workers fit on their own and are averaged every few minibatches. */
        AVERAGING,
        /** {@code SharedTrainingMaster}: workers send each other threshold-encoded updates after every minibatch. */
        SHARING
    }

    /**
     * Averaging N workers' parameters moves the model about as far as one worker moved, though N workers' minibatches
     * were spent: per epoch, parameter averaging takes 1/N of the steps of sequential training. Scaling the learning
     * rate with N makes up for it, as is usual in data-parallel training (Goyal et al. 2017; Horovod's advice).
     */
    public enum LearningRateScaling {
        /** The configured rate. */
        NONE,
        /** The rate times the number of workers. */
        LINEAR,
        /** The rate times the square root of the number of workers. */
        SQRT
    }

    /**
     * What the configured learning rate is multiplied by on {@code workers} workers: 1 for gradient sharing, which
     * applies every worker's update to every copy of the model.
     */
    public double learningRateFactor(int workers) {
        if (master == Master.SHARING) {
            return 1;
        }
        return switch (scaling) {
            case NONE -> 1;
            case LINEAR -> workers;
            case SQRT -> Math.sqrt(workers);
        };
    }

    /**
     * Gradient sharing: the driver runs the parameter server that workers reach over Aeron UDP.
     *
     * @param threshold   the starting threshold of DL4J's adaptive encoding: updates smaller than it wait in a residual
     * @param controller  the driver's address as the workers see it
     * @param port        the UDP port of the driver and of every worker
     * @param networkMask on a cluster, picks each executor's own interface (e.g. 10.0.0.0/16); empty for none
     * @param epochTimeout longest an epoch may take before the run fails: DL4J's handshake waits without a limit
     */
    public record Sharing(double threshold, String controller, int port, String networkMask, Duration epochTimeout)
            implements Serializable {

        public static final String THRESHOLD = "train.sharing.threshold";
        public static final String CONTROLLER = "train.sharing.controller";
        public static final String PORT = "train.sharing.port";
        public static final String NETWORK_MASK = "train.sharing.network-mask";
        public static final String EPOCH_TIMEOUT = "train.sharing.epoch-timeout";

        public Sharing {
            if (!networkMask.isEmpty() && !networkMask.matches("\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}")) {
                throw new ConfigException(NETWORK_MASK, networkMask, "must be an IPv4 network such as 10.0.0.0/16, "
                        + "or empty");
            }
        }

        public static Sharing defaults() {
            return new Sharing(1e-3, "127.0.0.1", 40123, "", Duration.ofMinutes(30));
        }

        static Sharing from(Settings s) {
            return new Sharing(s.doubleInRange(THRESHOLD, 1e-9, 1), s.nonBlank(CONTROLLER),
                    s.intInRange(PORT, 1024, 65_535), s.string(NETWORK_MASK), s.positiveDuration(EPOCH_TIMEOUT));
        }
    }

    /** Parameter averaging every {@code averagingFrequency} minibatches. */
    public static Distribution averaging(int averagingFrequency, int workers) {
        return new Distribution(Master.AVERAGING, averagingFrequency, workers, Sharing.defaults(),
                LearningRateScaling.NONE);
    }

    public static Distribution from(Settings s) {
        return new Distribution(s.oneOf(MASTER, Master.class), s.positiveInt(AVERAGING_FREQUENCY),
                s.intInRange(WORKERS, 0, 100_000), Sharing.from(s), s.oneOf(LEARNING_RATE_SCALING,
                LearningRateScaling.class));
    }

    /** A short description for logs and benchmarks. */
    public String describe() {
        return master == Master.AVERAGING ? "parameter averaging every " + averagingFrequency
                + (scaling == LearningRateScaling.NONE ? "" : ", learning rate scaled " + scaling.name().toLowerCase())
                : "gradient sharing, threshold " + sharing.threshold();
    }
}
