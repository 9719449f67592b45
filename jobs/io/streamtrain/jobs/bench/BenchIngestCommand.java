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

@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = "A plain kafka-clients consumer against streamtrain's ingest on the same topic; prints"
                + " records/s of each, ingest_ratio and bytes per record.")
public final class BenchIngestCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Mixin
    DataSetFolder data;

    @Option(names = "--records", defaultValue = "70000", description = "Records to publish and ingest"
            + " (default: ${DEFAULT-VALUE}).")
    int records;

    @Override
    public Integer call() {
        AppConfig config = options.load(List.of());
        if (records <= 0) {
            throw new ConfigException("--records", records, "must be a positive integer");
        }
        Sessions.requireMaster(config.spark());
        data.check(config);
        KafkaConnection.requireReachable(config.kafka(), config.warehouse());
        if (options.dryRun) {
            System.out.println(Plans.describe("bench ingest", new StagePlan("bench ingest", List.of(records
                    + " records from " + data.input), List.of(config.warehouse().root() + "/_bench/bench-ingest-*"
                    + " and its topic, deleted at the end", "stdout")), config));
            return ExitCode.OK.code();
        }
        System.out.println(IngestBench.run(config, data.input, records));
        return ExitCode.OK.code();
    }
}
