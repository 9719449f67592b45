package io.streamtrain.jobs.cli;

import io.streamtrain.jobs.PipelineStage;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "pipeline", mixinStandardHelpOptions = true,
        description = "Run the stages in order in one process: produce, ingest, preprocess, train, evaluate.")
public final class PipelineCommand extends PipelineStageCommand {
    @Option(names = "--stages", paramLabel = "LIST", defaultValue = "produce,ingest,preprocess,train,evaluate",
            description = "Comma-separated subset of the stages (default: ${DEFAULT-VALUE}).")
    String stageList;

    @Mixin
    InputOptions input;

    @Override
    Set<PipelineStage> pipelineStages() {
        return PipelineStage.parse(stageList);
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
