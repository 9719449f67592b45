package io.streamtrain.testing;

import io.streamtrain.core.ConfigLoader;
import io.streamtrain.core.Sessions;
import io.streamtrain.jobs.AppConfig;
import org.apache.spark.sql.SparkSession;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Command lines and sessions for the integration tests: the local profile on a test's own warehouse and topic. */
public final class LocalRuns {

    public static final String LOCAL = "conf/local.conf";
    private static final String MASTER = "spark.conf.\"spark.master\"=\"local[2]\"";

    private LocalRuns() {
    }

    /** {@code <subcommand> --conf conf/local.conf} on the given warehouse and topic, then {@code args}. */
    public static String[] command(Path warehouse, String topic, String subcommand, String... args) {
        return command(warehouse.toString(), topic, subcommand, args);
    }

    /** The same on a warehouse given by any Hadoop URI ({@code hdfs://...}). */
    public static String[] command(String warehouse, String topic, String subcommand, String... args) {
        List<String> all = new ArrayList<>(List.of(subcommand, "--conf", LOCAL,
                "--set", "warehouse=" + warehouse,
                "--set", "kafka.topic=" + topic,
                "--set", MASTER));
        all.addAll(List.of(args));
        return all.toArray(String[]::new);
    }

    /** A session built by production's factory with the local profile, for reading what a run wrote. */
    public static SparkSession session() {
        return Sessions.create(AppConfig.from(ConfigLoader.load(Path.of(LOCAL), List.of(MASTER))).spark());
    }
}
