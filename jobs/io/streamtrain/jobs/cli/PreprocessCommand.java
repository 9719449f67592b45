package io.streamtrain.jobs.cli;

import io.streamtrain.core.UserException;
import io.streamtrain.core.stage.Stage;
import io.streamtrain.jobs.AppConfig;
import io.streamtrain.jobs.PipelineStage;
import io.streamtrain.preprocess.BatchDecision;
import io.streamtrain.preprocess.PreprocessSettings;
import io.streamtrain.preprocess.PreprocessStage;
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

    @Option(names = "--accept-batch", split = ",", paramLabel = "ID",
            description = "Curate these batches, which a data gate set aside, past the gate, as this run; needs"
                    + " --reason. Recorded in the batch_decisions table with your user name and the time.")
    List<String> accept = List.of();

    @Option(names = "--drop-batch", split = ",", paramLabel = "ID",
            description = "Never curate these batches, which a data gate set aside; needs --reason. Recorded in"
                    + " the batch_decisions table.")
    List<String> drop = List.of();

    @Option(names = "--reason", paramLabel = "TEXT", description = "Why batches are accepted or dropped.")
    String reason;

    @Override
    Set<PipelineStage> pipelineStages() {
        return EnumSet.of(PipelineStage.PREPROCESS);
    }

    @Override
    List<String> extraSettings() {
        return full ? List.of(PreprocessSettings.FULL + "=true") : List.of();
    }

    @Override
    List<Stage<?>> stages(AppConfig config) {
        BatchDecision decision = decision();
        return decision == null ? super.stages(config)
                : List.of(new PreprocessStage(config.preprocess(), decision));
    }

    private BatchDecision decision() {
        if (!accept.isEmpty() && !drop.isEmpty()) {
            throw new UserException("--accept-batch and --drop-batch go in separate runs: give one of them");
        }
        if (accept.isEmpty() && drop.isEmpty()) {
            if (reason != null) {
                throw new UserException("--reason goes with --accept-batch or --drop-batch");
            }
            return null;
        }
        if (full) {
            throw new UserException("--full rebuilds everything: decide on batches in a run of its own");
        }
        return accept.isEmpty() ? new BatchDecision(BatchDecision.Kind.DROP, drop, reason)
                : new BatchDecision(BatchDecision.Kind.ACCEPT, accept, reason);
    }
}
