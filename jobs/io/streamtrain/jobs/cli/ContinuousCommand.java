package io.streamtrain.jobs.cli;

import io.streamtrain.core.ConfigException;
import io.streamtrain.evaluate.EvaluateSettings;
import io.streamtrain.ingest.IngestSettings;
import io.streamtrain.ingest.IngestStage;
import io.streamtrain.jobs.AppConfig;
import io.streamtrain.jobs.ContinuousLoop;
import io.streamtrain.jobs.ExitCode;
import io.streamtrain.jobs.StageRunner;
import io.streamtrain.modelops.ScoreSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "continuous", mixinStandardHelpOptions = true,
        description = "Streaming batch training in one long-running command: ingest the topic as a stream, score"
                + " every event with the champion, and retrain (preprocess, a warm start of the champion, evaluate"
                + " with a non-inferiority gate) whenever continuous.retrain-records records or"
                + " continuous.retrain-interval have come in.")
public final class ContinuousCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions options;

    @Option(names = "--cycles", paramLabel = "N", defaultValue = "0",
            description = "Stop after N retraining cycles (default: 0, run until stopped).")
    int cycles;

    @Option(names = "--minutes", paramLabel = "M", defaultValue = "0",
            description = "Stop after M minutes, once a cycle in progress has finished (default: 0, run until"
                    + " stopped).")
    long minutes;

    /**
     * What this mode is: both streams run until stopped, every cycle is gated, and a fresh model as good as the
     * champion replaces it; micro-batches and cycles share the task slots under the fair scheduler.
     */
    public static List<String> settings() {
        return List.of(IngestSettings.MODE + "=stream", ScoreSettings.MODE + "=stream",
                EvaluateSettings.GateSettings.ENABLED + "=true",
                EvaluateSettings.GateSettings.RULE + "=non-inferiority",
                "spark.conf.\"spark.scheduler.mode\"=FAIR");
    }

    @Override
    public Integer call() {
        if (cycles < 0 || minutes < 0) {
            throw new ConfigException(cycles < 0 ? "--cycles" : "--minutes",
                    cycles < 0 ? cycles : minutes, "must be 0 (no limit) or more");
        }
        AppConfig config = options.load(settings());
        if (options.dryRun) {
            System.out.println(Plans.describe(options.runId(), StageRunner.plan(List.of(new IngestStage(
                    config.ingest(), config.ingestRules())), config, options.runId()), config));
            return ExitCode.OK.code();
        }
        List<ContinuousLoop.Cycle> done = new ContinuousLoop(config, cycles, Duration.ofMinutes(minutes),
                Clock.systemUTC()).run();
        done.forEach(c -> System.out.println(c.describe()));
        return ExitCode.OK.code();
    }
}
