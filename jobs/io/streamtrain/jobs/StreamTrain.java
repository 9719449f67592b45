package io.streamtrain.jobs;

import com.typesafe.config.ConfigException;
import io.streamtrain.core.Watchdog;
import io.streamtrain.jobs.bench.BenchCommand;
import io.streamtrain.jobs.cli.ProduceCommand;
import io.streamtrain.jobs.cli.IngestCommand;
import io.streamtrain.jobs.cli.PreprocessCommand;
import io.streamtrain.jobs.cli.TrainCommand;
import io.streamtrain.jobs.cli.EvaluateCommand;
import io.streamtrain.jobs.cli.ScoreCommand;
import io.streamtrain.jobs.cli.CompressCommand;
import io.streamtrain.jobs.cli.ExplainCommand;
import io.streamtrain.jobs.cli.PipelineCommand;
import io.streamtrain.jobs.cli.ContinuousCommand;
import io.streamtrain.jobs.cli.SqlCommand;
import io.streamtrain.core.DataGateException;
import io.streamtrain.core.Redaction;
import io.streamtrain.core.UserException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;

/**
 * The streamtrain command line.
 *
 * <p>Locally: {@code jobs/bin/streamtrain pipeline --conf conf/local.conf}. On a cluster:
 * <pre>
 * spark-submit --master yarn --deploy-mode cluster --conf spark.yarn.maxAppAttempts=1 \
 *   --driver-java-options "-Dlog4j2.configurationFile=log4j2.properties" \
 *   --files conf/cluster.conf,conf/log4j2.properties \
 *   target/streamtrain.jar pipeline --conf cluster.conf --run-id 2026-11-23
 * </pre>
 * Exit codes: 0 success (under spark-submit, {@code main} returns); 2 a usage, configuration or input error found
 * before anything was changed; 1 a failure after work began (the message says what was done and how to continue); 3
 * {@code evaluate --gate} finished and rejected the candidate (the champion stays; the decision is in the decisions
 * table and the report); 4 preprocess's data gate refused the new data ({@code preprocess.gate.*}): nothing of that
 * run was committed; 5 {@code explain}'s sanity check failed (the maps were written). A user's mistake is one line on stderr; a
 * stack trace means a bug, or was asked for with {@code --verbose}.
 */
@Command(name = "streamtrain", mixinStandardHelpOptions = true, version = "streamtrain 0.1.0",
        description = "Kafka -> Parquet -> distributed DL4J training -> evaluation tables, on Spark.",
        subcommands = {ProduceCommand.class, IngestCommand.class, PreprocessCommand.class, TrainCommand.class,
                EvaluateCommand.class, ScoreCommand.class, CompressCommand.class, ExplainCommand.class,
                PipelineCommand.class, ContinuousCommand.class, SqlCommand.class, BenchCommand.class})
public final class StreamTrain implements Runnable {

    public static final int OK = ExitCode.OK.code();
    public static final int FAILED = ExitCode.FAILED.code();
    public static final int USAGE = ExitCode.USAGE.code();
    public static final int REJECTED = ExitCode.MODEL_REJECTED.code();
    public static final int DATA_GATE = ExitCode.DATA_GATE.code();
    public static final int SANITY_FAILED = ExitCode.SANITY_CHECK_FAILED.code();

    private static final String VERBOSE = "--verbose";
    /** Until the settings are read: command.startup-timeout's default. */
    private static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofMinutes(15);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = VERBOSE, scope = ScopeType.INHERIT,
            description = "Print the stack trace of every error, also of those a user can fix.")
    boolean verbose;

    /**
     * Under spark-submit a successful run returns: YARN's cluster mode reports any {@code System.exit}, 0 included, as
     * a failed application (SPARK-13642), and a scheduler would retry it. Failures exit with their code everywhere,
     * and so does success when the JVM is ours alone (jobs/bin/streamtrain), where a library's lingering thread must
     * not keep it alive.
     */
    public static void main(String[] args) {
        Watchdog.arm(DEFAULT_STARTUP_TIMEOUT, new Watchdog.Codes(ExitCode.STARTUP_STALLED.code(),
                ExitCode.TIMED_OUT.code(), ExitCode.TERMINATED.code()));
        int code = execute(args);
        Watchdog.exiting(code);
        if (code != OK || !underSparkSubmit()) {
            System.exit(code);
        }
    }

    /** spark-submit hands its settings, the deploy mode among them, to the application as system properties. */
    static boolean underSparkSubmit() {
        return System.getProperty("spark.submit.deployMode") != null;
    }

    /** Runs the command line and returns the exit code; tests call this. */
    public static int execute(String... args) {
        boolean verbose = Arrays.asList(args).contains(VERBOSE);
        CommandLine cli = new CommandLine(new StreamTrain());
        cli.setExecutionExceptionHandler((e, command, parsed) -> onError(e, command, verbose));
        cli.setParameterExceptionHandler((e, given) -> onUsageError(e, given));
        return cli.execute(args);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand");
    }

    /** One line: the mistake and where to read the usage; picocli's message repeats arguments, so secrets are masked. */
    private static int onUsageError(CommandLine.ParameterException e, String[] given) {
        CommandLine command = e.getCommandLine();
        PrintWriter err = command.getErr();
        String name = command.getCommandSpec().qualifiedName();
        String message = e.getMessage();
        for (int i = 0; i < given.length; i++) {
            boolean secretValue = !Redaction.mayEcho(given[i], given[i]);
            boolean afterSecretKey = i > 0 && !Redaction.mayEcho(given[i - 1], "");
            if ((secretValue || afterSecretKey) && !given[i].isEmpty()) {
                message = message.replace(given[i], Redaction.MASK);
            }
        }
        err.println(name + ": " + UserException.oneLine(message) + " (see '" + name + " --help')");
        err.flush();
        return USAGE;
    }

    private static int onError(Exception e, CommandLine command, boolean verbose) {
        PrintWriter err = command.getErr();
        String name = command.getCommandSpec().qualifiedName();
        int code;
        if (e instanceof StageFailure failure) {
            Throwable cause = failure.getCause();
            boolean userError = isUserError(cause);
            Optional<String> environment = userError ? Optional.empty() : EnvironmentFault.describe(cause);
            err.println(name + ": " + failure.stage() + " failed: "
                    + (userError ? message(cause) : environment.orElse("internal error " + cause)) + "; "
                    + failure.aftermath());
            if ((!userError && environment.isEmpty()) || verbose) {
                cause.printStackTrace(err);
            }
            code = cause instanceof DataGateException ? DATA_GATE : FAILED;
        } else if (isUserError(e)) {
            err.println(name + ": " + message(e));
            if (verbose) {
                e.printStackTrace(err);
            }
            code = USAGE;
        } else {
            err.println(name + ": internal error (a bug; please report it with this trace): " + e);
            e.printStackTrace(err);
            code = FAILED;
        }
        err.flush();
        return code;
    }

    /** Ours, or HOCON's for a configuration file that does not parse. */
    private static boolean isUserError(Throwable e) {
        return e instanceof UserException || e instanceof ConfigException;
    }

    private static String message(Throwable e) {
        String text = e.getMessage();
        if (e instanceof ConfigException) {
            // HOCON's own messages name the file and line: "conf/x.conf: 3: Expecting a value ...".
            text = "configuration error: " + text;
        }
        return UserException.oneLine(text);
    }
}
