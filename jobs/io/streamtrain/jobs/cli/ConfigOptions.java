package io.streamtrain.jobs.cli;

import io.streamtrain.core.Watchdog;
import io.streamtrain.jobs.CommandSettings;
import io.streamtrain.jobs.AppConfig;
import io.streamtrain.core.ConfigLoader;
import io.streamtrain.core.RunId;
import picocli.CommandLine.Option;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/** Options every subcommand takes. */
public final class ConfigOptions {

    @Option(names = "--conf", paramLabel = "FILE",
            description = "HOCON file over the defaults, e.g. conf/local.conf: a local path, a Hadoop URI (hdfs://,"
                    + " s3a://, file:) or the name of a file shipped with spark-submit --files.")
    public String conf;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override one setting, e.g. --set train.epochs=5. Repeatable; wins over --conf.")
    public List<String> overrides = new ArrayList<>();

    @Option(names = "--run-id", paramLabel = "ID",
            description = "Names this run's outputs; re-running with the same id rewrites them (default: UTC time to the millisecond).")
    public String runId;

    @Option(names = "--dry-run",
            description = "Validate everything this command needs and print the plan; start and write nothing.")
    public boolean dryRun;

    @Option(names = "--timeout", paramLabel = "DURATION",
            description = "Stop the command cleanly after this long, e.g. 3h or 90m, and exit 124 (default:"
                    + " command.timeout, 0: no limit).")
    public String timeout;

    /** The validated settings; the process's watchdog takes the command's time limits from them. */
    public AppConfig load(List<String> extra) {
        List<String> all = new ArrayList<>(overrides);
        all.addAll(extra);
        if (timeout != null) {
            all.add(CommandSettings.TIMEOUT + "=" + timeout);
        }
        AppConfig config = AppConfig.from(ConfigLoader.loadAt(conf, all));
        Watchdog.limits(config.command().startupTimeout(), config.command().timeout());
        return config;
    }

    /** The given run id, or one generated from the clock on the first call and kept for the command's lifetime. */
    public String runId() {
        if (runId == null) {
            runId = RunId.generate(Clock.systemUTC());
        }
        return RunId.validate(runId);
    }
}
