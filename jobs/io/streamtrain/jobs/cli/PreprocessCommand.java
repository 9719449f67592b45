package io.streamtrain.jobs.cli;

import io.streamtrain.jobs.PipelineStage;
import io.streamtrain.preprocess.PreprocessSettings;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "preprocess", mixinStandardHelpOptions = true,
        description = "Curate the landing batches not curated yet into curated/: deduplicate, split, store"
                + " compactly, fit the next scaler version.")
public final class PreprocessCommand extends PipelineStageCommand {
    @Option(names = "--full", description = "Rebuild curated/ from every landing batch (the same rows as the sum"
            + " of the incremental runs) instead of adding the new ones.")
    boolean full;

    @Override
    Set<PipelineStage> pipelineStages() {
        return EnumSet.of(PipelineStage.PREPROCESS);
    }

    @Override
    List<String> extraSettings() {
        return full ? List.of(PreprocessSettings.FULL + "=true") : List.of();
    }
}
