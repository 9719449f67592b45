package io.streamtrain.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The classpath of a program the tests start in a JVM of its own because it must not share one with Spark's jars (a
 * Kafka broker of another version, Hadoop's test clusters): resolved by Maven from a small pom under {@code src/test}
 * on first use and kept under {@code target/}.
 */
final class MavenClasspath {

    private MavenClasspath() {
    }

    /**
     * The classpath of {@code pom} (relative to the project) with {@code properties} ({@code -Dname=value}), kept in
     * {@code target/<name>.classpath}.
     */
    static synchronized String resolve(String pom, String name, String... properties)
            throws IOException, InterruptedException {
        Path root = Fixtures.projectRoot();
        Path file = root.resolve("target/" + name + ".classpath");
        if (!Files.isRegularFile(file)) {
            Files.createDirectories(file.getParent());
            Path log = root.resolve("target/" + name + ".maven.log");
            List<String> command = new ArrayList<>(List.of("mvn", "-B", "-q", "-f", root.resolve(pom).toString()));
            command.addAll(List.of(properties));
            command.addAll(List.of("dependency:build-classpath", "-Dmdep.outputFile=" + file));
            Process mvn = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!mvn.waitFor(10, TimeUnit.MINUTES) || mvn.exitValue() != 0 || !Files.isRegularFile(file)) {
                mvn.destroyForcibly();
                throw new IllegalStateException("Maven could not resolve " + pom + "; see " + log);
            }
        }
        return Files.readString(file).trim();
    }
}
