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

@Command(name = "compress", mixinStandardHelpOptions = true,
        description = "Curated bytes per record with each Parquet codec against the raw pixels, with write and read"
                + " rates, and preprocess of a 10% increment against a full rebuild; prints compress_ratio and"
                + " increment_ratio.")
public final class BenchCompressCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Mixin
    DataSetFolder data;

    @Option(names = "--records", defaultValue = "0", description = "Synthetic Fashion-MNIST-shaped records"
            + " added to the base before the increment is timed, so the increment test runs at a size where"
            + " preprocess's fixed costs do not dominate (default: ${DEFAULT-VALUE}, the data set alone).")
    long records;

    @Override
    public Integer call() {
        AppConfig config = options.load(List.of());
        if (records < 0) {
            throw new ConfigException("--records", records, "must be 0 or more");
        }
        Sessions.requireMaster(config.spark());
        KafkaConnection.requireReachable(config.kafka(), config.warehouse());
        data.check(config);
        if (options.dryRun) {
            System.out.println(Plans.describe("bench compress", new StagePlan("bench compress",
                    List.of(data.input.toString()), List.of(config.warehouse().root()
                    + "/_bench/bench-compress-* and its topic, deleted at the end", "stdout")), config));
            return ExitCode.OK.code();
        }
        System.out.println(CompressBench.run(options::load, config.warehouse(), data.input, records));
        return ExitCode.OK.code();
    }
}
