package io.streamtrain.train;

import org.apache.spark.TaskContext;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Seeds ND4J's random numbers before every minibatch a parameter-averaging worker fits, from the training seed, the
 * epoch, the partition and the minibatch's place in it, so that dropout draws the same masks in every run.
 *
 * <p>Without it a worker draws from the random generator of whichever executor thread runs its task, in whatever
 * state earlier tasks left it: three runs of the same configuration differ from their first epoch. Set on the driver
 * before each averaging round ({@link #round}); every task gets its own copy with the round's values.
 */
final class MinibatchSeeds implements TrainingHook {

    private static final long serialVersionUID = 1L;

    private final long seed;
    private int epoch;
    private int firstPartition;
    private transient long task = -1;
    private transient int minibatch;

    MinibatchSeeds(long seed) {
        this.seed = seed;
    }

    /** The next round trains in {@code epoch} on the partitions starting at {@code firstPartition} of the epoch. */
    void round(int epoch, int firstPartition) {
        this.epoch = epoch;
        this.firstPartition = firstPartition;
    }

    /** The seed of a minibatch: a SplitMix64 mix of its coordinates, so neighbouring coordinates share no stream. */
    static long seedOf(long seed, int epoch, int partition, int minibatch) {
        long z = seed;
        for (long part : new long[]{epoch, partition, minibatch}) {
            z = mix(z + 0x9E3779B97F4A7C15L * (part + 1));
        }
        return z;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private void seedNext() {
        TaskContext context = TaskContext.get();
        long attempt = context == null ? 0 : context.taskAttemptId();
        if (attempt != task) {
            task = attempt;
            minibatch = 0;
        }
        int partition = firstPartition + (context == null ? 0 : context.partitionId());
        Nd4j.getRandom().setSeed(seedOf(seed, epoch, partition, minibatch++));
    }

    @Override
    public void preUpdate(DataSet minibatch, Model model) {
        seedNext();
    }

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
        seedNext();
    }

    @Override
    public void postUpdate(DataSet minibatch, Model model) {
    }

    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {
    }
}
