package io.streamtrain.jobs.cli;

import io.streamtrain.core.ConfigException;
import io.streamtrain.core.stage.Stage;
import io.streamtrain.jobs.AppConfig;
import io.streamtrain.modelops.ScoreJob;
import io.streamtrain.modelops.ScoreSettings;
import io.streamtrain.modelops.ScoreStage;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "score", mixinStandardHelpOptions = true,
        description = "Apply a model bundle, with its own scaler, to the landing table, Parquet data or a Kafka"
                + " topic; write each row's predicted class and class probabilities to scores/ under the run id,"
                + " and rows the door rejects to quarantine/.")
public final class ScoreCommand extends StageCommand {
    @Option(names = "--model", paramLabel = "RUN_ID", description = "Model bundle to apply (default: latest);"
            + " 'champion' for the one the promotion gate last promoted, which a topic's stream follows: each"
            + " micro-batch is scored with the champion of its start; RUN_ID:COPY applies a compressed copy (fp16,"
            + " int8 or pruned) written by compress.")
    String model;

    @Option(names = "--input", paramLabel = "INPUT", required = true, description = "'landing' for the landing"
            + " table; a Parquet folder or file with an id and features (an array of numbers); 'kafka' for the"
            + " topic kafka.topic names, or 'kafka:TOPIC' for another, read through ingest's door exactly once"
            + " per run id.")
    String input;

    @Option(names = "--mode", paramLabel = "MODE", description = "Kafka input only: available-now (default:"
            + " score what is published up to now, then exit) or stream (until stopped).")
    String mode;

    @Override
    List<String> extraSettings() {
        return mode == null ? List.of() : List.of(ScoreSettings.MODE + "=" + mode);
    }

    @Override
    List<Stage<?>> stages(AppConfig config) {
        String modelId = ModelOptions.modelOrCopyId("--model", model);
        ScoreJob.Input source = ScoreJob.Input.parse(input, config.kafka().topic());
        if (mode != null && !source.isKafka()) {
            throw new ConfigException("--mode", mode, "applies to a Kafka input only (--input kafka or"
                    + " kafka:TOPIC); Parquet and landing are scored whole");
        }
        return List.of(new ScoreStage(config.score(), config.ingestRules().labelOptional(), modelId, source));
    }
}
