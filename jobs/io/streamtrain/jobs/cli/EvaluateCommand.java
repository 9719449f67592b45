package io.streamtrain.jobs.cli;

import io.streamtrain.core.ConfigException;
import io.streamtrain.evaluate.EvaluateSettings;
import io.streamtrain.jobs.PipelineStage;
import io.streamtrain.model.ModelBundle;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Score a model on the test split; write predictions, metric tables with intervals and"
                + " reports/<run-id>/ (plots, index.html); with --gate, promote it over the champion or exit 3.")
public final class EvaluateCommand extends PipelineStageCommand {
    @Option(names = "--model", paramLabel = "RUN_ID", description = "Model bundle to score (default: latest);"
            + " RUN_ID:COPY scores a compressed copy (fp16, int8 or pruned) written by compress.")
    String model;

    @Option(names = "--gate", description = "Compare with models/champion on the same test rows and move the"
            + " pointer only if evaluate.gate.* are met (the first model becomes champion); exit 3 on a"
            + " rejection (default: evaluate.gate.enabled).")
    boolean gate;

    @Override
    List<String> extraSettings() {
        return gate ? List.of(EvaluateSettings.GateSettings.ENABLED + "=true") : List.of();
    }

    @Override
    Set<PipelineStage> pipelineStages() {
        return EnumSet.of(PipelineStage.EVALUATE);
    }

    @Override
    String modelRunId() {
        String id = ModelOptions.modelOrCopyId("--model", model);
        if (gate && id != null && ModelBundle.copyOf(id) != null) {
            throw new ConfigException("--gate", true, "cannot promote a compressed copy (" + id + "): gate its"
                    + " bundle, and serve the copy with score --model " + id);
        }
        return id;
    }
}
