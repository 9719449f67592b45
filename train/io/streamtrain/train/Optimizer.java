package io.streamtrain.train;

import io.streamtrain.core.ConfigException;
import io.streamtrain.core.Settings;
import org.nd4j.linalg.learning.config.AdaGrad;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.RmsProp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.FixedSchedule;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.linalg.schedule.StepSchedule;

import java.io.Serializable;

/**
 * The optimiser, its learning rate and how the rate changes from epoch to epoch.
 *
 * @param updater      which optimiser
 * @param learningRate the rate of the first epoch
 * @param schedule     how the rate changes over epochs
 * @param decay        factor the rate is multiplied by (per step of the schedule)
 * @param every        epochs per step of a {@code step} schedule
 */
public record Optimizer(Updater updater, double learningRate, Schedule schedule, double decay, int every)
        implements Serializable {

    public static final String UPDATER = "train.updater";
    public static final String LEARNING_RATE = "train.learning-rate";
    public static final String SCHEDULE = "train.learning-rate-schedule.kind";
    public static final String DECAY = "train.learning-rate-schedule.decay";
    public static final String EVERY = "train.learning-rate-schedule.every";

    /** Optimisers. */
    public enum Updater { SGD, NESTEROVS, ADAM, ADAGRAD, RMSPROP }

    /** Learning-rate schedules, counted in epochs (the first epoch is epoch 0). */
    public enum Schedule {
        /** The same rate in every epoch. */
        NONE,
        /** {@code learning-rate * decay ^ floor(epoch / every)}. */
        STEP,
        /** {@code learning-rate * decay ^ epoch}. */
        EXPONENTIAL
    }

    public Optimizer {
        if (schedule != Schedule.NONE && !(decay > 0 && decay <= 1)) {
            throw new ConfigException(DECAY, decay, "must be in (0, 1] for "
                    + (schedule == Schedule.STEP ? "a step" : "an exponential") + " schedule");
        }
    }

    /** A constant learning rate. */
    public static Optimizer constant(Updater updater, double learningRate) {
        return new Optimizer(updater, learningRate, Schedule.NONE, 1, 1);
    }

    public static Optimizer from(Settings s) {
        return new Optimizer(s.oneOf(UPDATER, Updater.class), s.positiveDouble(LEARNING_RATE),
                s.oneOf(SCHEDULE, Schedule.class), s.positiveDouble(DECAY), s.positiveInt(EVERY));
    }

    /** The same optimiser and schedule, every rate multiplied by {@code factor}. */
    public Optimizer scaled(double factor) {
        return new Optimizer(updater, learningRate * factor, schedule, decay, every);
    }

    /** DL4J's learning-rate schedule of this rate. */
    public ISchedule rate() {
        // DL4J counts epochs in the network configuration; SparkTrainer keeps that count equal to the epoch index.
        return switch (schedule) {
            case NONE -> new FixedSchedule(learningRate);
            case STEP -> new StepSchedule(ScheduleType.EPOCH, learningRate, decay, every);
            case EXPONENTIAL -> new ExponentialSchedule(ScheduleType.EPOCH, learningRate, decay);
        };
    }

    /** DL4J's updater with this rate and schedule. */
    public IUpdater dl4j() {
        ISchedule rate = rate();
        return switch (updater) {
            case SGD -> new Sgd(rate);
            case NESTEROVS -> new Nesterovs(rate, Nesterovs.DEFAULT_NESTEROV_MOMENTUM);
            case ADAM -> new Adam(rate);
            case ADAGRAD -> new AdaGrad(rate);
            case RMSPROP -> new RmsProp(rate);
        };
    }
}
