package io.streamtrain.modelops;

import io.streamtrain.core.Settings;

/**
 * What {@code explain} draws and how its sanity check decides.
 *
 * @param imagesPerClass     test images explained per class
 * @param seed               chooses the images: the same seed and test split give the same images
 * @param steps              integrated gradients' Riemann steps from the black baseline to the image
 * @param sanityThreshold    the saliency maps pass the model-randomisation check when the mean Spearman rank
 *                           correlation of |attribution| between the trained and the re-randomised model is below this
 * @param randomisationSeed  the seed the re-randomised network is initialised with
 */
public record ExplainSettings(int imagesPerClass, long seed, int steps, double sanityThreshold,
                              long randomisationSeed) {

    public static final String IMAGES_PER_CLASS = "explain.images-per-class";
    public static final String SEED = "explain.seed";
    public static final String STEPS = "explain.integrated-gradients.steps";
    public static final String SANITY_THRESHOLD = "explain.sanity.threshold";
    public static final String RANDOMISATION_SEED = "explain.sanity.randomisation-seed";

    public static ExplainSettings from(Settings s) {
        return new ExplainSettings(s.intInRange(IMAGES_PER_CLASS, 1, 100), s.raw().getLong(SEED),
                s.intInRange(STEPS, 1, 1000), s.doubleInRange(SANITY_THRESHOLD, -1, 1),
                s.raw().getLong(RANDOMISATION_SEED));
    }
}
