package io.streamtrain.jobs.bench;

import io.streamtrain.ingest.FashionMnistIdx;
import io.streamtrain.jobs.AppConfig;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --input DIR} of the benchmarks: where the Fashion-MNIST IDX files are. */
public final class DataSetFolder {
    @Option(names = "--input", paramLabel = "DIR", defaultValue = "/usr/share/datasets/fashion-mnist",
            description = "Fashion-MNIST IDX folder (default: ${DEFAULT-VALUE}).")
    Path input;

    void check(AppConfig config) {
        FashionMnistIdx.folder(input, config.schema(), 0);
    }
}
