package io.streamtrain.jobs;

import io.streamtrain.core.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/**
 * The streamtrain command line.
 *
 * <p>Locally: {@code jobs/bin/streamtrain pipeline --conf conf/local.conf}. On a cluster:
 * <pre>
 * spark-submit --master yarn --deploy-mode cluster \
 *   --driver-java-options "-Dlog4j2.configurationFile=log4j2.properties" \
 *   --files conf/cluster.conf,conf/log4j2.properties \
 *   target/streamtrain.jar pipeline --conf cluster.conf --run-id 2026-11-23
 * </pre>
 * Exit codes: 0 success, 2 usage or configuration error, 1 runtime failure.
 */
@Command(name = "streamtrain", mixinStandardHelpOptions = true, version = "streamtrain 0.1.0",
        description = "Kafka -> Parquet -> distributed DL4J training -> evaluation tables, on Spark.",
        subcommands = {Commands.Produce.class, Commands.Ingest.class, Commands.Preprocess.class, Commands.Train.class,
                Commands.Evaluate.class, Commands.PipelineCommand.class, Commands.Sql.class, Commands.Bench.class})
public final class StreamTrain implements Runnable {

    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code; tests call this. */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new StreamTrain());
        cli.setExecutionExceptionHandler(StreamTrain::onError);
        return cli.execute(args);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand");
    }

    private static int onError(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        PrintWriter err = cli.getErr();
        if (e instanceof ConfigException || e instanceof com.typesafe.config.ConfigException) {
            err.println("streamtrain " + cli.getCommandName() + ": configuration error: " + e.getMessage());
            err.flush();
            return USAGE;
        }
        err.println("streamtrain " + cli.getCommandName() + " failed: " + e);
        e.printStackTrace(err);
        err.flush();
        return FAILED;
    }
}
