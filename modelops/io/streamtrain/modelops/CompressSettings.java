package io.streamtrain.modelops;

import io.streamtrain.core.ConfigException;
import io.streamtrain.core.Settings;
import io.streamtrain.model.ModelCopies;

import java.util.ArrayList;
import java.util.List;

/**
 * What {@code compress} writes.
 *
 * @param copies      the kinds of copy, in order
 * @param granularity the int8 copy's scales: per layer (tensor) or per output channel
 * @param sparsity    the pruned copy's share of zeroed weights in each weight tensor
 */
public record CompressSettings(List<ModelCopies.Kind> copies, ModelCopies.Granularity granularity, double sparsity) {

    public static final String COPIES = "compress.copies";
    public static final String GRANULARITY = "compress.int8.granularity";
    public static final String SPARSITY = "compress.prune.sparsity";

    public CompressSettings {
        copies = List.copyOf(copies);
    }

    public static CompressSettings from(Settings s) {
        List<ModelCopies.Kind> copies = new ArrayList<>();
        for (String id : s.strings(COPIES)) {
            ModelCopies.Kind kind = ModelCopies.Kind.parse(id.strip());
            if (kind == null) {
                throw new ConfigException(COPIES, s.strings(COPIES), "must list copies among fp16, int8 and pruned");
            }
            if (copies.contains(kind)) {
                throw new ConfigException(COPIES, s.strings(COPIES), "names " + id + " twice");
            }
            copies.add(kind);
        }
        if (copies.isEmpty()) {
            throw new ConfigException(COPIES, s.strings(COPIES), "must name at least one copy (fp16, int8, pruned)");
        }
        String g = s.string(GRANULARITY).strip();
        ModelCopies.Granularity granularity = switch (g) {
            case "per-channel" -> ModelCopies.Granularity.PER_CHANNEL;
            case "per-layer" -> ModelCopies.Granularity.PER_LAYER;
            default -> throw new ConfigException(GRANULARITY, g, "must be per-channel or per-layer");
        };
        double sparsity = s.doubleInRange(SPARSITY, 0, 1);
        if (sparsity >= 1) {
            throw new ConfigException(SPARSITY, sparsity, "must be below 1 (a share of each weight tensor to zero)");
        }
        return new CompressSettings(copies, granularity, sparsity);
    }

    /** How to build the copy {@code kind}. */
    public ModelCopies.Spec spec(ModelCopies.Kind kind) {
        return new ModelCopies.Spec(kind, granularity, sparsity);
    }
}
