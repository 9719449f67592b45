package io.streamtrain.jobs.cli;

import io.streamtrain.core.ConfigException;
import io.streamtrain.core.stage.Stage;
import io.streamtrain.jobs.AppConfig;
import io.streamtrain.jobs.Pipeline;
import io.streamtrain.jobs.PipelineStage;
import io.streamtrain.train.TrainJob;

import java.util.List;
import java.util.Set;

/** A command that runs some of the pipeline's stages: what differs between them is which, and a few choices. */
abstract class PipelineStageCommand extends StageCommand {

    abstract Set<PipelineStage> pipelineStages();

    /** For evaluate without train: the model to score; null for the latest. */
    String modelRunId() {
        return null;
    }

    /** How train begins; {@code config} locates an existing checkpoint. */
    TrainJob.Start trainStart(AppConfig config) {
        return TrainJob.Start.FRESH;
    }

    boolean onlyIfEmpty() {
        return false;
    }

    @Override
    List<Stage<?>> stages(AppConfig config) {
        TrainJob.Start start = trainStart(config);
        if (start.resume() && options.runId == null) {
            throw new ConfigException("--resume", true, "needs --run-id of the run to continue");
        }
        return Pipeline.stages(new Pipeline.Request(config, pipelineStages(), options.runId(), modelRunId(), start,
                onlyIfEmpty()));
    }
}
