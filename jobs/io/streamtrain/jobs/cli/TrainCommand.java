package io.streamtrain.jobs.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.streamtrain.core.ConfigException;
import io.streamtrain.core.HadoopFiles;
import io.streamtrain.evaluate.EvaluateJob;
import io.streamtrain.jobs.AppConfig;
import io.streamtrain.jobs.PipelineStage;
import io.streamtrain.train.Checkpoints;
import io.streamtrain.train.TrainJob;
import java.util.EnumSet;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train the configured network on curated/ with dl4j-spark; save models/<run-id>/.")
public final class TrainCommand extends PipelineStageCommand {

    private static final Logger LOG = LoggerFactory.getLogger(TrainCommand.class);
    @Option(names = "--resume", description = "Continue run --run-id from its last checkpoint (after a crash or"
            + " a kill); the result equals an uninterrupted run.")
    boolean resume;

    @Option(names = "--warm-start", paramLabel = "MODEL", description = "Fine-tune model MODEL (a run id,"
            + " 'latest', or 'champion': the gate's choice, or a fresh start while there is none) on the curated"
            + " training rows of landing batches it has not seen, as its lineage.json records; a new bundle is"
            + " saved under this run's id.")
    String warmStart;

    @Option(names = "--resume-if-checkpointed", description = "Continue run --run-id from its checkpoint if it"
            + " has one, else begin as the other options say: a scheduler's retry continues instead of starting"
            + " over.")
    boolean resumeIfCheckpointed;

    @Override
    Set<PipelineStage> pipelineStages() {
        return EnumSet.of(PipelineStage.TRAIN);
    }

    @Override
    TrainJob.Start trainStart(AppConfig config) {
        if (resumeIfCheckpointed) {
            if (options.runId == null) {
                throw new ConfigException("--resume-if-checkpointed", true, "needs --run-id of the run to"
                        + " continue");
            }
            if (resume) {
                throw new ConfigException("--resume-if-checkpointed", true, "already resumes when it can; drop"
                        + " --resume");
            }
            String runId = options.runId();
            if (new Checkpoints(HadoopFiles.beforeSpark(config.spark()), Checkpoints.dir(config.warehouse(),
                    runId)).exists()) {
                LOG.info("train: run {} has a checkpoint: resuming it", runId);
                return new TrainJob.Start(true, null);
            }
        }
        if (ModelOptions.CHAMPION.equals(warmStart)) {
            return new TrainJob.Start(resume, champion(config));
        }
        return new TrainJob.Start(resume, ModelOptions.modelId("--warm-start", warmStart));
    }

    /**
     * The model {@code models/champion} names, or null (a fresh start) before the promotion gate has chosen
     * one: a daily schedule's first run has nothing to fine-tune.
     */
    private static String champion(AppConfig config) {
        String champion = EvaluateJob.champion(HadoopFiles.beforeSpark(config.spark()), config.warehouse());
        if (champion == null) {
            LOG.info("train: no champion yet ({} does not exist): training afresh",
                    config.warehouse().championModelPointer());
        }
        return champion;
    }
}
