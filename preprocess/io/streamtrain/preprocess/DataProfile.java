package io.streamtrain.preprocess;

import io.streamtrain.core.metrics.FeatureStats;
import io.streamtrain.core.table.Reason;
import io.streamtrain.core.table.Split;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;


/**
 * What one preprocess run saw, computed from small aggregates only (counts, {@link FeatureStats}): rows landed,
 * curated, quarantined by reason and duplicated; rows per class and split; per-feature minimum, maximum, mean, standard
 * deviation and missing values of the rows it curated; and the drift of its new training rows from the training
 * reference (the statistics of the scaler in force before it) as the population stability index
 * {@code PSI = sum over bins of (p - q) ln(p / q)} per feature and for the class distribution (shares floored at
 * 1e-4 so that an empty bin does not make it infinite; a common reading: below 0.1 stable, above 0.25 shifted).
 *
 * <p>The accounting always holds: {@code landed = curated + quarantined + duplicates}.
 *
 * @param runId               the preprocess run
 * @param labels              class names of the schema
 * @param landed              landing rows the run read
 * @param curated             rows it curated
 * @param quarantinedByReason rows quarantined per reason code, duplicate ids included
 * @param classSplit          curated rows per class name and split
 * @param features            statistics of the curated rows (all splits), or null when none was curated
 * @param newTrain            statistics with histogram of its new training rows, or null
 * @param reference           the training reference with histogram, or null for a first run
 */
public record DataProfile(String runId, List<String> labels, long landed, long curated,
                          Map<String, Long> quarantinedByReason, Map<String, Map<String, Long>> classSplit,
                          FeatureStats features, FeatureStats newTrain, FeatureStats reference) {

    /** Features beyond which {@code data.md} summarises instead of listing them (784 pixels make no table). */
    static final int WIDE = 20;
    private static final double FLOOR = 1e-4;

    public DataProfile {
        quarantinedByReason = new TreeMap<>(quarantinedByReason);
        classSplit = new TreeMap<>(classSplit);
    }

    public long duplicates() {
        return quarantinedByReason.getOrDefault(Reason.DUPLICATE_ID.name(), 0L);
    }

    /** Quarantined rows other than duplicate ids. */
    public long quarantinedOtherThanDuplicates() {
        return quarantinedByReason.values().stream().mapToLong(Long::longValue).sum() - duplicates();
    }

    /** {@code part} as a share of the landed rows (0 when nothing landed). */
    double share(long part) {
        return landed == 0 ? 0 : (double) part / landed;
    }

    /** Whether there is a reference with histograms to measure drift against. */
    public boolean hasReference() {
        return reference != null && reference.histogram() != null && reference.count() > 0;
    }

    /** Whether drift can be measured: a reference and new training rows, both with histograms. */
    public boolean hasDrift() {
        return reference != null && reference.histogram() != null && reference.count() > 0 && newTrain != null
                && newTrain.histogram() != null && newTrain.count() > 0;
    }

    /** PSI of each feature's histogram against the reference's; empty without {@link #hasDrift}. */
    public double[] featurePsi() {
        if (!hasDrift()) {
            return new double[0];
        }
        double[] out = new double[newTrain.size()];
        for (int f = 0; f < out.length; f++) {
            out[f] = psi(newTrain.histogram().shares(f), reference.histogram().shares(f));
        }
        return out;
    }

    /** PSI of the class distribution of the new training rows against the reference's; 0 without drift. */
    public double labelPsi() {
        return hasDrift() ? psi(shares(newTrain.histogram().classes()), shares(reference.histogram().classes())) : 0;
    }

    /** Population stability index of shares {@code p} against {@code q}. */
    public static double psi(double[] p, double[] q) {
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            double a = Math.max(p[i], FLOOR);
            double b = Math.max(q[i], FLOOR);
            sum += (a - b) * Math.log(a / b);
        }
        return sum;
    }

    private static double[] shares(long[] counts) {
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        double[] out = new double[counts.length];
        for (int i = 0; i < counts.length; i++) {
            out[i] = total == 0 ? 0 : (double) counts[i] / total;
        }
        return out;
    }

    /** The profile as {@link #TABLE} rows. */
    public List<Row> rows() {
        List<Row> out = new ArrayList<>();
        out.add(row("rows", "all", "landed", landed));
        out.add(row("rows", "all", "curated", curated));
        out.add(row("rows", "all", "quarantined", quarantinedOtherThanDuplicates()));
        out.add(row("rows", "all", "duplicates", duplicates()));
        quarantinedByReason.forEach((reason, n) -> out.add(row("quarantined", reason, "rows", n)));
        classSplit.forEach((label, bySplit) -> bySplit.forEach((split, n) -> out.add(row("class", label, split, n))));
        if (features != null) {
            for (int f = 0; f < features.size(); f++) {
                String name = "f" + f;
                out.add(row("feature", name, "min", features.min()[f]));
                out.add(row("feature", name, "max", features.max()[f]));
                out.add(row("feature", name, "mean", features.mean()[f]));
                out.add(row("feature", name, "std", features.std(f)));
                out.add(row("feature", name, "missing", 0));
            }
        }
        if (hasDrift()) {
            out.add(row("drift", "label", "psi", labelPsi()));
            double[] psi = featurePsi();
            for (int f = 0; f < psi.length; f++) {
                out.add(row("drift", "f" + f, "psi", psi[f]));
            }
        }
        return out;
    }

    private Row row(String section, String name, String metric, double value) {
        return RowFactory.create(section, name, metric, value, runId);
    }

    /** {@code reports/<run-id>/data.md}: the profile for a person, with the gate's verdict. */
    public String markdown(String verdict) {
        StringBuilder sb = new StringBuilder();
        sb.append("# Data profile of preprocess run ").append(runId).append("\n\n");
        sb.append("| rows | count |\n|---|---:|\n");
        sb.append("| landed | ").append(landed).append(" |\n");
        sb.append("| curated | ").append(curated).append(" |\n");
        sb.append("| quarantined | ").append(quarantinedOtherThanDuplicates()).append(" |\n");
        sb.append("| duplicates | ").append(duplicates()).append(" |\n\n");
        boolean balanced = landed == curated + quarantinedOtherThanDuplicates() + duplicates();
        sb.append("landed = curated + quarantined + duplicates: ").append(balanced ? "holds" : "DOES NOT HOLD")
                .append("\n\n");
        if (!quarantinedByReason.isEmpty()) {
            sb.append("## Quarantined by reason\n\n| reason | rows |\n|---|---:|\n");
            quarantinedByReason.forEach((r, n) -> sb.append("| ").append(r).append(" | ").append(n).append(" |\n"));
            sb.append('\n');
        }
        sb.append("## Rows per class and split\n\n| class |");
        List<String> splits = new ArrayList<>(List.of(Split.TRAIN.value(), Split.VALIDATION.value(),
                Split.TEST.value()));
        if (classSplit.values().stream().anyMatch(s -> s.containsKey(Split.HOLDOUT.value()))) {
            splits.add(Split.HOLDOUT.value());
        }
        splits.forEach(s -> sb.append(' ').append(s).append(" |"));
        sb.append("\n|---|").append("---:|".repeat(splits.size())).append('\n');
        for (String label : labels) {
            Map<String, Long> bySplit = classSplit.getOrDefault(label, Map.of());
            sb.append("| ").append(label).append(" |");
            splits.forEach(s -> sb.append(' ').append(bySplit.getOrDefault(s, 0L)).append(" |"));
            sb.append('\n');
        }
        sb.append('\n');
        if (features != null) {
            features(sb);
        }
        if (hasDrift()) {
            drift(sb);
        } else {
            sb.append("## Drift\n\nNo training reference to compare with (the first run, or no new training rows)."
                    + "\n\n");
        }
        sb.append("## Gate\n\n").append(verdict).append('\n');
        return sb.toString();
    }

    private void features(StringBuilder sb) {
        int n = features.size();
        sb.append("## Features (").append(n).append(", over the ").append(features.count())
                .append(" curated rows; missing: 0, a record missing a value is quarantined at the door)\n\n");
        double[] min = features.min();
        double[] max = features.max();
        double[] mean = features.mean();
        if (n <= WIDE) {
            sb.append("| feature | min | max | mean | std |\n|---|---:|---:|---:|---:|\n");
            for (int f = 0; f < n; f++) {
                sb.append(String.format(Locale.ROOT, "| f%d | %.4g | %.4g | %.4g | %.4g |%n", f, min[f], max[f],
                        mean[f], features.std(f)));
            }
        } else {
            double[] std = new double[n];
            for (int f = 0; f < n; f++) {
                std[f] = features.std(f);
            }
            sb.append("Wide: each statistic summarised over the features (the data_profile table has every one).\n\n");
            sb.append("| statistic | smallest | median | largest |\n|---|---:|---:|---:|\n");
            summary(sb, "min", min);
            summary(sb, "max", max);
            summary(sb, "mean", mean);
            summary(sb, "std", std);
        }
        sb.append('\n');
    }

    private static void summary(StringBuilder sb, String name, double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        sb.append(String.format(Locale.ROOT, "| %s | %.4g | %.4g | %.4g |%n", name, sorted[0],
                sorted[sorted.length / 2], sorted[sorted.length - 1]));
    }

    private void drift(StringBuilder sb) {
        double[] psi = featurePsi();
        int worst = 0;
        for (int f = 1; f < psi.length; f++) {
            worst = psi[f] > psi[worst] ? f : worst;
        }
        sb.append("## Drift of the new training rows from the training reference (").append(reference.count())
                .append(" rows)\n\n");
        sb.append(String.format(Locale.ROOT, "- classes: PSI %.4f%n", labelPsi()));
        sb.append(String.format(Locale.ROOT, "- features: largest PSI %.4f (f%d), median %.4f%n%n", psi[worst], worst,
                median(psi)));
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
