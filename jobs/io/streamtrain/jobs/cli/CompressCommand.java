package io.streamtrain.jobs.cli;

import io.streamtrain.core.stage.Stage;
import io.streamtrain.jobs.AppConfig;
import io.streamtrain.modelops.CompressStage;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "compress", mixinStandardHelpOptions = true,
        description = "Write compressed copies of a model (compress.copies: fp16, int8, pruned) under"
                + " models/<run>/compressed/<copy>/, score each on the test split against the original, and"
                + " write the compression table and reports/<run-id>/compression.{md,html}; prints"
                + " <copy>_size_ratio= and <copy>_accuracy_delta=.")
public final class CompressCommand extends StageCommand {
    @Option(names = "--model", paramLabel = "RUN_ID", description = "Model bundle to compress (default: latest).")
    String model;

    @Override
    List<Stage<?>> stages(AppConfig config) {
        return List.of(new CompressStage(config.evaluate(), config.compress(), ModelOptions.modelId("--model", model)));
    }
}
