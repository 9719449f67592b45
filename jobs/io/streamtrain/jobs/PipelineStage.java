package io.streamtrain.jobs;

import io.streamtrain.core.ConfigException;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** The pipeline's stages, in the order they run. */
public enum PipelineStage {
    PRODUCE, INGEST, PREPROCESS, TRAIN, EVALUATE;

    /** The stage of command-line name {@code name}, e.g. {@code ingest}. */
    public static PipelineStage named(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }

    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code produce,ingest}; the order given does not matter, stages always run in pipeline order. */
    public static Set<PipelineStage> parse(String list) {
        Set<PipelineStage> out = EnumSet.noneOf(PipelineStage.class);
        for (String name : list.split(",")) {
            String n = name.trim().toUpperCase(Locale.ROOT);
            try {
                out.add(PipelineStage.valueOf(n));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("--stages", name.trim(),
                        "must be a comma-separated list of produce, ingest, preprocess, train, evaluate");
            }
        }
        return out;
    }
}
