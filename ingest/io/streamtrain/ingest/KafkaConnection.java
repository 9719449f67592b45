package io.streamtrain.ingest;

import io.streamtrain.core.Warehouse;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/**
 * A reachable Kafka cluster: the configured one, or an embedded broker started for the lifetime of this object.
 */
public final class KafkaConnection implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaConnection.class);

    private final KafkaSettings settings;
    private final String bootstrapServers;
    private final EmbeddedKafka embedded;

    private KafkaConnection(KafkaSettings settings, String bootstrapServers, EmbeddedKafka embedded) {
        this.settings = settings;
        this.bootstrapServers = bootstrapServers;
        this.embedded = embedded;
    }

    public static KafkaConnection open(KafkaSettings settings, Warehouse warehouse) {
        if (!settings.isEmbedded()) {
            return new KafkaConnection(settings, settings.bootstrapServers(), null);
        }
        EmbeddedKafka broker = EmbeddedKafka.start(IngestChecks.embeddedFolder(warehouse), settings.embeddedPort());
        return new KafkaConnection(settings, broker.bootstrapServers(), broker);
    }

    /** The same cluster under another topic; closing the view leaves the broker running. */
    public KafkaConnection withTopic(String topic) {
        KafkaSettings s = new KafkaSettings(settings.bootstrapServers(), topic, settings.partitions(),
                settings.embeddedPort(), settings.properties());
        return new KafkaConnection(s, bootstrapServers, null);
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public KafkaSettings settings() {
        return settings;
    }

    /** Client properties: the user's {@code kafka.properties} plus the bootstrap servers. */
    public Map<String, Object> clientProperties() {
        Map<String, Object> props = new HashMap<>(settings.properties());
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return props;
    }

    /** Creates the topic with {@code kafka.partitions} partitions unless it exists. */
    public void ensureTopic() {
        try (Admin admin = Admin.create(clientProperties())) {
            if (admin.listTopics().names().get().contains(settings.topic())) {
                return;
            }
            int brokers = admin.describeCluster().nodes().get().size();
            short replication = (short) Math.min(3, brokers);
            admin.createTopics(List.of(new NewTopic(settings.topic(), settings.partitions(), replication))).all().get();
            LOG.info("Created topic {} with {} partitions, replication {}", settings.topic(), settings.partitions(),
                    replication);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new io.streamtrain.core.UserException("Cannot create topic " + settings.topic() + " on "
                        + bootstrapServers + " (" + e.getCause().getClass().getSimpleName() + "): create it yourself"
                        + " with " + settings.partitions() + " partitions, or grant this client the right to",
                        e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating topic " + settings.topic(), e);
        }
    }

    /**
     * Offsets the topic holds now (end minus beginning, summed over partitions; with transactions this counts their
     * markers and aborted records too), 0 if it does not exist: whether anything was ever published, not how much.
     */
    public long recordCount() {
        Map<String, Object> props = clientProperties();
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.listTopics().getOrDefault(settings.topic(), List.of()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            if (partitions.isEmpty()) {
                return 0;
            }
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions);
            return consumer.endOffsets(partitions).entrySet().stream()
                    .mapToLong(e -> e.getValue() - begin.get(e.getKey())).sum();
        }
    }

    /** Deletes the topic (benchmarks' scratch topics); a topic that does not exist is no error. */
    public void deleteTopic() {
        try (Admin admin = Admin.create(clientProperties())) {
            admin.deleteTopics(List.of(settings.topic())).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)) {
                throw new IllegalStateException("Cannot delete topic " + settings.topic() + ": "
                        + e.getCause().getMessage(), e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while deleting topic " + settings.topic(), e);
        }
    }

    @Override
    public void close() {
        if (embedded != null) {
            embedded.close();
        }
    }
}
