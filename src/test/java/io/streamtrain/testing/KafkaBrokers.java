package io.streamtrain.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Classpaths of Kafka brokers of other versions than the clients' (Kafka 4 has no Scala 2.12 build, and a broker
 * must not share a JVM with Spark's 3.4.1 clients): resolved by Maven from {@code src/test/brokers/pom.xml} once per
 * version and kept under {@code target/brokers}.
 */
public final class KafkaBrokers {

    /** The broker versions the secured tests run against: the last 3.x line and a 4.x. */
    public static final List<String> TESTED = List.of("3.9.1", "4.1.1");

    private KafkaBrokers() {
    }

    /** The classpath of broker {@code version}, resolved by Maven on first use. */
    public static synchronized String classpath(String version) throws IOException, InterruptedException {
        Path root = Fixtures.projectRoot();
        Path file = root.resolve("target/brokers/kafka-" + version + ".classpath");
        if (!Files.isRegularFile(file)) {
            Files.createDirectories(file.getParent());
            Path log = file.resolveSibling("kafka-" + version + ".maven.log");
            Process mvn = new ProcessBuilder("mvn", "-B", "-q", "-f", root.resolve("src/test/brokers/pom.xml").toString(),
                    "-Dkafka.broker.version=" + version, "dependency:build-classpath",
                    "-Dmdep.outputFile=" + file).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!mvn.waitFor(10, TimeUnit.MINUTES) || mvn.exitValue() != 0 || !Files.isRegularFile(file)) {
                mvn.destroyForcibly();
                throw new IllegalStateException("Maven could not resolve Kafka broker " + version + "; see " + log);
            }
        }
        return Files.readString(file).trim();
    }
}
