package io.streamtrain.jobs.bench;

import io.streamtrain.core.ConfigException;
import io.streamtrain.core.Sessions;
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

@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Single-JVM MultiLayerNetwork.fit against streamtrain's Spark training, same model, data"
                + " and cores; prints samples/s, test accuracy and train_ratio.")
public final class BenchTrainCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Mixin
    DataSetFolder data;

    @Option(names = "--epochs", defaultValue = "2", description = "Epochs for both runs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--train-images", defaultValue = "0",
            description = "Train on the first N training images only (default: all).")
    int limit;

    @Override
    public Integer call() {
        AppConfig config = options.load(List.of());
        if (epochs <= 0) {
            throw new ConfigException("--epochs", epochs, "must be a positive integer");
        }
        if (limit < 0) {
            throw new ConfigException("--train-images", limit, "must be 0 (all) or a positive number of images");
        }
        Sessions.requireMaster(config.spark());
        data.check(config);
        if (options.dryRun) {
            System.out.println(Plans.describe("bench train", new StagePlan("bench train", List.of(data.input
                    + " (" + epochs + " epochs, single JVM and Spark)"), List.of("stdout")), config));
            return ExitCode.OK.code();
        }
        System.out.println(TrainBench.run(config, data.input, epochs, limit));
        return ExitCode.OK.code();
    }
}
