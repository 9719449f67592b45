package io.streamtrain.jobs.bench;

import io.streamtrain.core.ConfigException;
import io.streamtrain.core.Sessions;
import io.streamtrain.core.kafka.KafkaSettings;
import io.streamtrain.jobs.AppConfig;
import io.streamtrain.jobs.ExitCode;
import io.streamtrain.jobs.cli.ConfigOptions;
import io.streamtrain.jobs.cli.ContinuousCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "continuous", mixinStandardHelpOptions = true,
        description = "streamtrain continuous on a scratch warehouse with its own embedded broker, fed Fashion-MNIST"
                + " images with fresh ids at a steady rate; prints staleness, scoring latency and gaps, promotions,"
                + " forgetting and resident-memory growth.")
public final class BenchContinuousCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Mixin
    DataSetFolder data;

    @Option(names = "--rate", defaultValue = "500", description = "Events per second (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--minutes", defaultValue = "30", description = "How long events stream in (default:"
            + " ${DEFAULT-VALUE}).")
    int minutes;

    @Option(names = "--seed-images", defaultValue = "20000", description = "Images published before the loop starts,"
            + " for its first cycle (default: ${DEFAULT-VALUE}).")
    int seed;

    @Override
    public Integer call() {
        if (rate <= 0 || minutes <= 0 || seed <= 0) {
            String key = rate <= 0 ? "--rate" : minutes <= 0 ? "--minutes" : "--seed-images";
            throw new ConfigException(key, rate <= 0 ? rate : minutes <= 0 ? minutes : seed,
                    "must be a positive integer");
        }
        String name = "bench-continuous-" + System.currentTimeMillis();
        AppConfig probe = options.load(List.of());
        if (!probe.kafka().isEmbedded()) {
            throw new ConfigException(KafkaSettings.BOOTSTRAP_SERVERS, probe.kafka().bootstrapServers(),
                    "bench continuous runs its own embedded broker: leave it at embedded");
        }
        List<String> scratch = new ArrayList<>(ContinuousCommand.settings());
        scratch.add("warehouse=" + probe.warehouse().root() + "/_bench/" + name);
        scratch.add(KafkaSettings.TOPIC + "=" + name);
        scratch.add(KafkaSettings.EMBEDDED_PORT + "=" + ContinuousBench.freePort());
        AppConfig config = options.load(scratch);
        Sessions.requireMaster(config.spark());
        data.check(config);
        System.out.println(ContinuousBench.run(config, data.input, rate, minutes, seed));
        return ExitCode.OK.code();
    }
}
