package io.streamtrain.testing;

import java.io.IOException;
import java.util.List;

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
    public static String classpath(String version) throws IOException, InterruptedException {
        return MavenClasspath.resolve("src/test/brokers/pom.xml", "brokers/kafka-" + version,
                "-Dkafka.broker.version=" + version);
    }
}
