package io.streamtrain.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** What a running command's output folders show from outside, read while the command writes them. */
public final class Folders {

    private Folders() {
    }

    /** Whether a file under {@code dir} satisfies {@code file}; false while the folder does not exist. */
    public static boolean holds(Path dir, Predicate<Path> file) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.anyMatch(file);
        } catch (IOException | UncheckedIOException e) {
            // A file removed while listed: Spark moves its task outputs into place.
            return false;
        }
    }

    /**
     * Whether Spark's tasks are writing under {@code dir}: their {@code _temporary} folder is there, or the staging
     * folder of a range-mode ingest ({@code RangeReader.STAGING_PREFIX}), which it creates before its tasks start.
     */
    public static boolean writing(Path dir) {
        return holds(dir, f -> f.toString().contains("_temporary")
                || f.getFileName().toString().startsWith(".streamtrain-staging-"));
    }
}
