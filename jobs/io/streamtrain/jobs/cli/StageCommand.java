package io.streamtrain.jobs.cli;

import io.streamtrain.core.stage.Stage;
import io.streamtrain.jobs.AppConfig;
import io.streamtrain.jobs.ExitCode;
import io.streamtrain.jobs.StageRunner;
import picocli.CommandLine.Mixin;

import java.util.List;
import java.util.concurrent.Callable;

/**
 * The one lifecycle of every command that runs stages: load and validate the settings, build the stages, plan them
 * all ({@code --dry-run} prints the plans and stops there), run them, print what each did, and exit with the code
 * of the run's verdict.
 */
abstract class StageCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions options;

    /** Settings the command's own options imply, applied over {@code --conf} and {@code --set}. */
    List<String> extraSettings() {
        return List.of();
    }

    /** The stages to run, in order, built from the validated settings. */
    abstract List<Stage<?>> stages(AppConfig config);

    @Override
    public Integer call() {
        AppConfig config = options.load(extraSettings());
        List<Stage<?>> stages = stages(config);
        String runId = options.runId();
        if (options.dryRun) {
            System.out.println(Plans.describe(runId, StageRunner.plan(stages, config, runId), config));
            return ExitCode.OK.code();
        }
        StageRunner.Outcome outcome = StageRunner.run(stages, config, runId);
        System.out.println(outcome.summary(config.warehouse()));
        // Not an error: every stage finished and recorded its verdict; a scheduler branches on the code.
        return ExitCode.of(outcome.verdict()).code();
    }
}
