package io.streamtrain.testing;

import io.streamtrain.jobs.StreamTrain;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A streamtrain command in a JVM of its own, started as {@code jobs/bin/streamtrain} starts it (the launcher's Java 17
 * flags, this build's classes): for what only a process shows, such as signals, halts and exit codes.
 */
public final class ChildJvm {

    private ChildJvm() {
    }

    /** The Java 17 flags the launcher passes to every JVM it starts ({@code jobs/bin/lib/spark-env.sh}). */
    public static List<String> opens() throws IOException {
        return Files.readAllLines(Fixtures.projectRoot().resolve("jobs/bin/lib/spark-env.sh")).stream()
                .map(String::trim).filter(l -> l.startsWith("--add-opens=")).toList();
    }

    /** Starts {@code args} with {@code -Xmx1g}, stdout and stderr to {@code out} and {@code err}. */
    public static Process start(List<String> args, Path out, Path err) throws IOException {
        return start(StreamTrain.class, args, out, err);
    }

    /** Starts class {@code main} of this build with {@code args}, as {@link #start(List, Path, Path)} does. */
    public static Process start(Class<?> main, List<String> args, Path out, Path err) throws IOException {
        Path root = Fixtures.projectRoot();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString()));
        command.addAll(opens());
        command.addAll(List.of("-Xmx1g", "-cp", System.getProperty("java.class.path"),
                main.getName()));
        command.addAll(args);
        return new ProcessBuilder(command).directory(root.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    }
}
