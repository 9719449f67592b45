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

@Command(name = "scale", mixinStandardHelpOptions = true,
        description = "Every stage on N/10 and on N synthetic Fashion-MNIST-shaped records in this process; prints"
                + " time per record, peak resident size, bytes spilled and scratch disk per stage, and"
                + " scale_ratio_<stage> (time per record at N over at N/10).")
public final class BenchScaleCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Option(names = "--records", defaultValue = "4000000", description = "N (default: ${DEFAULT-VALUE}).")
    long records;

    @Option(names = "--epochs", defaultValue = "1", description = "Training epochs at each size"
            + " (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--only-n", description = "Run N only, without N/10 and the ratios; prints"
            + " records_per_s_<stage> (to compare deployments, e.g. one executor against two).")
    boolean onlyN;

    @Override
    public Integer call() {
        AppConfig config = options.load(List.of());
        if (records < 10) {
            throw new ConfigException("--records", records, "must be at least 10 (the small run takes N/10)");
        }
        if (epochs <= 0) {
            throw new ConfigException("--epochs", epochs, "must be a positive integer");
        }
        Sessions.requireMaster(config.spark());
        KafkaConnection.requireReachable(config.kafka(), config.warehouse());
        if (options.dryRun) {
            String sizes = onlyN ? Long.toString(records) : records + " and " + records / 10;
            System.out.println(Plans.describe("bench scale", new StagePlan("bench scale", List.of(sizes
                    + " synthetic records, every stage"), List.of(config.warehouse().root()
                    + "/_bench/bench-scale-* and their topics, deleted at the end", "stdout")), config));
            return ExitCode.OK.code();
        }
        System.out.println(onlyN ? ScaleBench.runOnce(options::load, config.warehouse(), records, epochs)
                : ScaleBench.run(options::load, config.warehouse(), records, epochs));
        return ExitCode.OK.code();
    }
}
