package io.streamtrain.jobs.cli;

import io.streamtrain.core.ConfigException;
import io.streamtrain.core.RunId;
import io.streamtrain.model.ModelBundle;
import io.streamtrain.model.ModelCopies;

/** How a model is named on the command line: {@code latest}, a run id, or either with {@code :COPY}; never a path. */
final class ModelOptions {

    /** {@code --warm-start champion}: the model the promotion gate last promoted. */
    static final String CHAMPION = "champion";

    private ModelOptions() {
    }

    /**
     * A model to score or evaluate: {@code latest}, a run id, or either followed by {@code :COPY} for a compressed
     * copy ({@code 2026-11-23:int8}), never a path.
     */
    static String modelOrCopyId(String option, String value) {
        if (value == null || value.indexOf(ModelBundle.COPY_SEPARATOR) < 0) {
            return modelId(option, value);
        }
        String copy = ModelBundle.copyOf(value);
        if (ModelCopies.Kind.parse(copy) == null) {
            throw new ConfigException(option, value, "names no compressed copy: after ':' write fp16, int8 or"
                    + " pruned");
        }
        return modelId(option, ModelBundle.runOf(value)) + ModelBundle.COPY_SEPARATOR + copy;
    }

    /** A model named on the command line: {@code latest} or a run id, never a path. */
    static String modelId(String option, String value) {
        if (value == null || ModelBundle.LATEST.equals(value)) {
            return value;
        }
        try {
            return RunId.validate(value);
        } catch (ConfigException e) {
            throw new ConfigException(option, value, "must be 'latest' or the run id of a model under models/"
                    + " (letters, digits, '.', '_' or '-')");
        }
    }
}
