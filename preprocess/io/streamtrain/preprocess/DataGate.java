package io.streamtrain.preprocess;

import io.streamtrain.core.ConfigException;
import io.streamtrain.core.Settings;

import java.util.Arrays;
import java.util.Optional;

/**
 * Thresholds that stop a preprocess run before it commits, the way TFX's ExampleValidator or Deequ's checks stop a
 * pipeline: a run whose data breaks one leaves its rows uncommitted (train never sees them) and fails with exit code 4.
 *
 * @param maxQuarantinedFraction largest share of landed rows quarantined for a reason other than a duplicate id
 * @param maxDuplicateFraction   largest share of landed rows that are duplicate ids
 * @param maxFeaturePsi          largest population stability index of any feature against the training reference;
 *                               0 disables the check
 * @param maxLabelPsi            the same for the class distribution; 0 disables it
 * @param bins                   equal-width bins over [schema.min-value, schema.max-value] of the feature histograms
 * @param reference              a scaler file (with statistics) of trusted data that drift is measured against; empty
 *                               for the scaler in force before each run, which a first run does not have
 */
public record DataGate(double maxQuarantinedFraction, double maxDuplicateFraction, double maxFeaturePsi,
                       double maxLabelPsi, int bins, String reference) {

    public static final String MAX_QUARANTINED = "preprocess.gate.max-quarantined-fraction";
    public static final String MAX_DUPLICATES = "preprocess.gate.max-duplicate-fraction";
    public static final String MAX_FEATURE_PSI = "preprocess.gate.max-feature-psi";
    public static final String MAX_LABEL_PSI = "preprocess.gate.max-label-psi";
    public static final String BINS = "preprocess.profile.histogram-bins";
    public static final String REFERENCE = "preprocess.gate.reference";

    /** No check fails: the default. */
    public static final DataGate OPEN = new DataGate(1, 1, 0, 0, 10);

    /** Thresholds measuring drift against the scaler in force before each run. */
    public DataGate(double maxQuarantinedFraction, double maxDuplicateFraction, double maxFeaturePsi,
                    double maxLabelPsi, int bins) {
        this(maxQuarantinedFraction, maxDuplicateFraction, maxFeaturePsi, maxLabelPsi, bins, "");
    }

    public DataGate {
        if (!(maxQuarantinedFraction >= 0 && maxQuarantinedFraction <= 1)) {
            throw new ConfigException(MAX_QUARANTINED, maxQuarantinedFraction, "must be a share from 0 to 1");
        }
        if (!(maxDuplicateFraction >= 0 && maxDuplicateFraction <= 1)) {
            throw new ConfigException(MAX_DUPLICATES, maxDuplicateFraction, "must be a share from 0 to 1");
        }
        if (!(maxFeaturePsi >= 0) || Double.isInfinite(maxFeaturePsi)) {
            throw new ConfigException(MAX_FEATURE_PSI, maxFeaturePsi, "must be 0 (off) or a positive number such"
                    + " as 0.25");
        }
        if (!(maxLabelPsi >= 0) || Double.isInfinite(maxLabelPsi)) {
            throw new ConfigException(MAX_LABEL_PSI, maxLabelPsi, "must be 0 (off) or a positive number such as 0.1");
        }
        if (bins < 2 || bins > 1000) {
            throw new ConfigException(BINS, bins, "must be an integer from 2 to 1000");
        }
    }

    public static DataGate from(Settings s) {
        return new DataGate(number(s, MAX_QUARANTINED), number(s, MAX_DUPLICATES), number(s, MAX_FEATURE_PSI),
                number(s, MAX_LABEL_PSI), s.intInRange(BINS, 2, 1000), s.string(REFERENCE).strip());
    }

    /** Whether a drift check is on. */
    public boolean checksDrift() {
        return maxFeaturePsi > 0 || maxLabelPsi > 0;
    }

    private static double number(Settings s, String key) {
        return s.doubleInRange(key, 0, Double.MAX_VALUE);
    }

    /** The first check {@code profile} breaks, as one line naming it, the value and the threshold. */
    public Optional<String> violation(DataProfile profile) {
        if (checksDrift() && !profile.hasReference()) {
            return Optional.of("drift checks are on (" + MAX_FEATURE_PSI + ", " + MAX_LABEL_PSI + ") and there is"
                    + " no reference to check against yet: name a scaler file of trusted data with " + REFERENCE);
        }
        double quarantined = profile.share(profile.quarantinedOtherThanDuplicates());
        if (quarantined > maxQuarantinedFraction) {
            return Optional.of(String.format("%.4f of the %d landed rows were quarantined (%s), more than %s = %s",
                    quarantined, profile.landed(), profile.quarantinedByReason(), MAX_QUARANTINED,
                    maxQuarantinedFraction));
        }
        double duplicates = profile.share(profile.duplicates());
        if (duplicates > maxDuplicateFraction) {
            return Optional.of(String.format("%.4f of the %d landed rows were duplicate ids, more than %s = %s",
                    duplicates, profile.landed(), MAX_DUPLICATES, maxDuplicateFraction));
        }
        if (maxLabelPsi > 0 && profile.labelPsi() > maxLabelPsi) {
            return Optional.of(String.format("the class distribution drifted from the training reference: PSI %.4f,"
                    + " more than %s = %s", profile.labelPsi(), MAX_LABEL_PSI, maxLabelPsi));
        }
        if (maxFeaturePsi > 0) {
            double[] psi = profile.featurePsi();
            int worst = -1;
            for (int f = 0; f < psi.length; f++) {
                worst = psi[f] > maxFeaturePsi && (worst < 0 || psi[f] > psi[worst]) ? f : worst;
            }
            if (worst >= 0) {
                long over = Arrays.stream(psi).filter(v -> v > maxFeaturePsi).count();
                return Optional.of(String.format("%d features drifted from the training reference, the most feature"
                        + " %d: PSI %.4f, more than %s = %s", over, worst, psi[worst], MAX_FEATURE_PSI,
                        maxFeaturePsi));
            }
        }
        return Optional.empty();
    }
}
