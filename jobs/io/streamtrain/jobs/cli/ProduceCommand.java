package io.streamtrain.jobs.cli;

import io.streamtrain.jobs.PipelineStage;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "produce", mixinStandardHelpOptions = true,
        description = "Publish IDX files, JSON lines (byte for byte) or CSV rows to the topic, in transactions"
                + " of committed records; a failure says how to continue with --skip.")
public final class ProduceCommand extends PipelineStageCommand {
    @Mixin
    InputOptions input;

    @Override
    Set<PipelineStage> pipelineStages() {
        return EnumSet.of(PipelineStage.PRODUCE);
    }

    @Override
    List<String> extraSettings() {
        return input.settings();
    }

    @Override
    boolean onlyIfEmpty() {
        return input.onlyIfEmpty;
    }
}
