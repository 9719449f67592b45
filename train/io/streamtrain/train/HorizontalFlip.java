package io.streamtrain.train;

import io.streamtrain.model.Architecture;
import io.streamtrain.core.ConfigException;
import io.streamtrain.model.Scaler;
import org.apache.spark.api.java.JavaRDD;
import org.nd4j.linalg.dataset.DataSet;

import java.io.Serializable;
import java.util.SplittableRandom;
import java.util.stream.StreamSupport;

/**
 * Training-time augmentation: each epoch, every training image is mirrored left to right with probability one half,
 * a fresh draw per epoch. Clothes look the same mirrored, so the network sees twice the variety without new data
 * (the usual augmentation for Fashion-MNIST CNNs). Validation, test and the loss sample are never flipped.
 *
 * <p>Minibatches hold features scaled per pixel, {@code (x - center) / scale}, and mirrored pixels do not share
 * statistics, so an image is flipped as its raw pixels would be and then scaled again:
 * {@code x'[p] = a[p] * x[m(p)] + b[p]} with {@code a[p] = scale[m(p)] / scale[p]} and
 * {@code b[p] = (center[m(p)] - center[p]) / scale[p]}, where {@code m(p)} is the mirrored position. Pixels are laid
 * out as the CNN reads them: channel, row, column.
 *
 * <p>The draws are seeded by (seed, epoch, partition), so a resumed run flips exactly what an uninterrupted one would.
 */
public final class HorizontalFlip implements Serializable {

    public static final String KEY = "train.augment.horizontal-flip";
    private static final long serialVersionUID = 1L;

    private final int[] mirror;
    private final float[] scale;
    private final float[] shift;

    HorizontalFlip(int[] mirror, float[] scale, float[] shift) {
        this.mirror = mirror;
        this.scale = scale;
        this.shift = shift;
    }

    /** The flip of images laid out by {@code image}, scaled by {@code scaler}. */
    public static HorizontalFlip of(Architecture image, Scaler scaler) {
        requireFlatImages(image);
        int h = image.height();
        int w = image.width();
        int pixels = h * w * image.channels();
        if (pixels != scaler.size()) {
            throw new ConfigException(KEY, true, "needs images: train.image height x width x channels ("
                    + h + "x" + w + "x" + image.channels() + ") must equal the " + scaler.size() + " features");
        }
        int[] mirror = new int[pixels];
        float[] scale = new float[pixels];
        float[] shift = new float[pixels];
        double[] mean = scaler.center();
        double[] std = scaler.scale();
        for (int p = 0; p < pixels; p++) {
            int column = p % w;
            int m = p - column + (w - 1 - column);
            mirror[p] = m;
            scale[p] = (float) (std[m] / std[p]);
            shift[p] = (float) ((mean[m] - mean[p]) / std[p]);
        }
        return new HorizontalFlip(mirror, scale, shift);
    }

    /** Refuses the LSTM, whose minibatches hold images as sequences of rows, not as flat images. */
    static void requireFlatImages(Architecture image) {
        if (image.timeSteps() != 0) {
            throw new ConfigException(KEY, true, "works on flat images (train.model mlp, cnn or attention); the LSTM"
                    + " reads each row as a time step");
        }
    }

    /**
     * The minibatches of one epoch, about half of each one's images flipped.
     *
     * @param firstPartition index in the whole training RDD of {@code data}'s first partition, so that every
     *                       partition draws from its own stream
     */
    public JavaRDD<DataSet> apply(JavaRDD<CachedMinibatch> data, long seed, int epoch, int firstPartition) {
        return data.mapPartitionsWithIndex((index, batches) -> {
            SplittableRandom random = new SplittableRandom(
                    seed * 1_000_003L + epoch * 7_919L + firstPartition + index);
            Iterable<CachedMinibatch> partition = () -> batches;
            return StreamSupport.stream(partition.spliterator(), false)
                    .map(b -> flipSome(b, random).toDataSet()).iterator();
        }, true);
    }

    /** Flips each image of {@code batch} with probability one half. */
    CachedMinibatch flipSome(CachedMinibatch batch, SplittableRandom random) {
        float[] x = batch.features().clone();
        int width = mirror.length;
        float[] image = new float[width];
        for (int offset = 0; offset < x.length; offset += width) {
            if (random.nextBoolean()) {
                System.arraycopy(x, offset, image, 0, width);
                flipInto(image, x, offset);
            }
        }
        return batch.withFeatures(x);
    }

    /** Writes the flip of {@code image} into {@code out} from {@code offset}. */
    void flipInto(float[] image, float[] out, int offset) {
        for (int p = 0; p < image.length; p++) {
            out[offset + p] = scale[p] * image[mirror[p]] + shift[p];
        }
    }
}
