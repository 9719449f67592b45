package io.streamtrain.jobs.cli;

import io.streamtrain.ingest.ProduceSettings;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code --input} and {@code --format}, shared by produce and pipeline. */
public final class InputOptions {
    @Option(names = "--input", paramLabel = "PATH",
            description = "A Fashion-MNIST IDX folder, a JSON-lines file or a CSV file (default: produce.input).")
    String input;

    @Option(names = "--format", paramLabel = "FORMAT",
            description = "idx, jsonl, csv or synthetic (default: produce.format).")
    String format;

    @Option(names = "--synthetic", paramLabel = "N",
            description = "Publish N generated events (produce.synthetic.* shapes them) instead of a file.")
    Long synthetic;

    @Option(names = "--only-if-empty", description = "Publish only if the topic holds no records yet (what"
            + " quickstart uses, so that running it again does not publish the data set twice).")
    boolean onlyIfEmpty;

    @Option(names = "--skip", paramLabel = "N",
            description = "Do not send the first N records of the input: continue a failed produce with the N"
                    + " it printed (default: produce.skip).")
    Long skip;

    List<String> settings() {
        List<String> out = new ArrayList<>();
        if (skip != null) {
            out.add(ProduceSettings.SKIP + "=" + skip);
        }
        if (synthetic != null) {
            out.add(ProduceSettings.FORMAT + "=synthetic");
            out.add(ProduceSettings.SYNTHETIC_RECORDS + "=" + synthetic);
        }
        if (input != null) {
            out.add(ProduceSettings.INPUT + "=" + input);
        }
        if (format != null) {
            out.add(ProduceSettings.FORMAT + "=" + format);
        }
        return out;
    }
}
