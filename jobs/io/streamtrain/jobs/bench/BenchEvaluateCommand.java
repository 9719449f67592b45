package io.streamtrain.jobs.bench;

import io.streamtrain.core.ConfigException;
import io.streamtrain.core.Sessions;
import io.streamtrain.core.kafka.KafkaConnection;
import io.streamtrain.core.stage.StagePlan;
import io.streamtrain.jobs.AppConfig;
import io.streamtrain.jobs.ExitCode;
import io.streamtrain.jobs.cli.ConfigOptions;
import io.streamtrain.jobs.cli.Plans;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "The configured model (by default the default MLP) trained for a few epochs, then evaluated"
                + " on the test images, in one process; prints each epoch's seconds, the evaluation's and"
                + " evaluate_ratio (evaluation over the median epoch).")
public final class BenchEvaluateCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Mixin
    DataSetFolder data;

    @Option(names = "--epochs", defaultValue = "5", description = "Training epochs; the first ones also pay for"
            + " the JIT, so the median needs a few (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Override
    public Integer call() {
        AppConfig config = options.load(List.of());
        if (epochs <= 0) {
            throw new ConfigException("--epochs", epochs, "must be a positive integer");
        }
        Sessions.requireMaster(config.spark());
        KafkaConnection.requireReachable(config.kafka(), config.warehouse());
        data.check(config);
        if (options.dryRun) {
            System.out.println(Plans.describe("bench evaluate", new StagePlan("bench evaluate",
                    List.of(data.input + " (" + epochs + " epochs, then evaluate)"), List.of(config.warehouse()
                    .root() + "/_bench/bench-evaluate-*, deleted at the end", "topic bench-evaluate-*", "stdout")),
                    config));
            return ExitCode.OK.code();
        }
        System.out.println(EvaluateBench.run(options::load, config.warehouse(), data.input, epochs));
        return ExitCode.OK.code();
    }
}
