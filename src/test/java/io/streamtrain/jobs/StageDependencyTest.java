package io.streamtrain.jobs;

import io.streamtrain.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The layout's promise: a stage depends only on the stages before it, and nothing depends on jobs. */
class StageDependencyTest {

    private static final List<String> ORDER = List.of("core", "ingest", "preprocess", "train", "evaluate", "jobs");
    private static final Pattern USE = Pattern.compile("io\\.streamtrain\\.(core|ingest|preprocess|train|evaluate|jobs)\\.");

    @Test
    void stagesOnlyUseEarlierStages() throws IOException {
        List<String> violations = new ArrayList<>();
        int files = 0;
        for (String stage : ORDER) {
            Path root = Fixtures.projectRoot().resolve(stage);
            try (Stream<Path> sources = Files.walk(root)) {
                for (Path source : sources.filter(p -> p.toString().endsWith(".java")).toList()) {
                    files++;
                    Matcher m = USE.matcher(Files.readString(source));
                    while (m.find()) {
                        if (ORDER.indexOf(m.group(1)) > ORDER.indexOf(stage)) {
                            violations.add(root.relativize(source) + " in " + stage + " uses " + m.group(1));
                        }
                    }
                }
            }
        }
        assertThat(files).isGreaterThan(30);
        assertThat(violations).isEmpty();
    }
}
