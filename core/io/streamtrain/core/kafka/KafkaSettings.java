package io.streamtrain.core.kafka;

import io.streamtrain.core.ConfigException;
import io.streamtrain.core.Redaction;
import io.streamtrain.core.Settings;

import java.time.Duration;
import java.util.Map;

/**
 * Where the records are.
 *
 * @param bootstrapServers host:port list, or {@code embedded} for the in-process broker
 * @param topic            the topic records are published to and ingested from
 * @param partitions       partitions of a topic that {@code produce} creates
 * @param embeddedPort     client port of the embedded broker, 0 for any free port
 * @param properties       passed to every consumer and producer as they are (security.protocol, sasl.*, ssl.*)
 * @param readTimeout      how long a read waits on a broker that does not answer before the command gives up
 */
public record KafkaSettings(String bootstrapServers, String topic, int partitions, int embeddedPort,
                            Map<String, String> properties, Duration readTimeout) {

    public static final String BOOTSTRAP_SERVERS = "kafka.bootstrap-servers";
    public static final String TOPIC = "kafka.topic";
    public static final String PARTITIONS = "kafka.partitions";
    public static final String EMBEDDED_PORT = "kafka.embedded-port";
    public static final String PROPERTIES = "kafka.properties";
    public static final String READ_TIMEOUT = "kafka.read-timeout";
    public static final String EMBEDDED = "embedded";

    /** Settings that would break exactly-once delivery, and what to use instead. */
    private static final Map<String, String> REFUSED = Map.of(
            "enable.auto.commit", "offsets are tracked in the Spark checkpoint; remove it",
            "auto.offset.reset", "use ingest.starting-offsets",
            "group.id", "Spark assigns partitions itself; remove it",
            "enable.idempotence", "the producer is always idempotent; remove it",
            "bootstrap.servers", "use " + BOOTSTRAP_SERVERS,
            "key.serializer", "records are sent as bytes; remove it",
            "value.serializer", "records are sent as bytes; remove it",
            "key.deserializer", "records are read as bytes; remove it",
            "value.deserializer", "records are read as bytes; remove it");


    public KafkaSettings {
        properties = Map.copyOf(properties);
        for (String key : properties.keySet()) {
            String instead = REFUSED.get(key);
            if (instead != null) {
                throw new ConfigException(PROPERTIES + ".\"" + key + "\"", properties.get(key),
                        "is not allowed because it would break exactly-once ingest: " + instead);
            }
        }
        if (readTimeout.toMillis() > Integer.MAX_VALUE) {
            // Kafka's clients take their timeouts as int milliseconds.
            throw new ConfigException(READ_TIMEOUT, readTimeout, "must be at most 24 days (Kafka's clients count it in"
                    + " int milliseconds)");
        }
        if (!topic.matches("[A-Za-z0-9._-]{1,249}")) {
            throw new ConfigException(TOPIC, topic, "must be 1-249 characters of letters, digits, '.', '_' or '-'");
        }
    }

    public static KafkaSettings from(Settings s) {
        return new KafkaSettings(s.nonBlank(BOOTSTRAP_SERVERS), s.nonBlank(TOPIC), s.positiveInt(PARTITIONS),
                s.intInRange(EMBEDDED_PORT, 0, 65535), s.stringMap(PROPERTIES), s.positiveDuration(READ_TIMEOUT));
    }

    @Override
    public String toString() {
        return "KafkaSettings[bootstrapServers=" + bootstrapServers + ", topic=" + topic + ", partitions=" + partitions
                + ", embeddedPort=" + embeddedPort + ", properties=" + Redaction.redact(properties) + ", readTimeout="
                + readTimeout + "]";
    }

    public boolean isEmbedded() {
        return EMBEDDED.equals(bootstrapServers);
    }
}
