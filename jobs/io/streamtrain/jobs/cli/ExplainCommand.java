package io.streamtrain.jobs.cli;

import io.streamtrain.core.stage.Stage;
import io.streamtrain.jobs.AppConfig;
import io.streamtrain.modelops.AttributionImages;
import io.streamtrain.modelops.ExplainStage;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "explain", mixinStandardHelpOptions = true,
        description = "Saliency maps and integrated gradients of a few test images per class as PNG overlays,"
                + " per-class mean attributions, and the model-randomisation sanity check, in"
                + " reports/<run-id>/explanations*; prints sanity_rank_correlation= and exits 5 if the check"
                + " fails.")
public final class ExplainCommand extends StageCommand {
    @Option(names = "--model", paramLabel = "RUN_ID", description = "Model bundle to explain (default: latest);"
            + " RUN_ID:COPY explains a compressed copy.")
    String model;

    @Override
    List<Stage<?>> stages(AppConfig config) {
        String modelId = ModelOptions.modelOrCopyId("--model", model);
        var image = config.train().architecture();
        var geometry = AttributionImages.Geometry.of(image.height(), image.width(), image.channels(),
                config.schema().featureCount());
        return List.of(new ExplainStage(config.explain(), geometry, modelId));
    }
}
