package io.streamtrain.jobs.bench;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks that print streamtrain's figures beside a baseline measured in the same run.",
        subcommands = {BenchIngestCommand.class, BenchTrainCommand.class, BenchScaleCommand.class, BenchCompressCommand.class,
                BenchContinuousCommand.class,
                BenchEvaluateCommand.class})
public final class BenchCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(),
                "Missing benchmark: ingest, train, scale, compress, evaluate or continuous");
    }
}
