package io.streamtrain.core.kafka;

import java.util.concurrent.TimeoutException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.clients.admin.AdminClientConfig;
import io.streamtrain.core.UserException;
import io.streamtrain.core.Warehouse;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * A reachable Kafka cluster: the configured one, or an embedded broker started for the lifetime of this object.
 */
public final class KafkaConnection implements AutoCloseable {

    /** How long planning waits for a real cluster to answer. */
    private static final long PROBE_SECONDS = 10;
    /** Kafka's default for request.timeout.ms. */
    private static final int DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

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
        EmbeddedKafka broker = EmbeddedKafka.start(EmbeddedKafka.folder(warehouse), settings.embeddedPort());
        return new KafkaConnection(settings, broker.bootstrapServers(), broker);
    }

    /** The same cluster under another topic; closing the view leaves the broker running. */
    public KafkaConnection withTopic(String topic) {
        KafkaSettings s = new KafkaSettings(settings.bootstrapServers(), topic, settings.partitions(),
                settings.embeddedPort(), settings.properties(), settings.readTimeout());
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

    /** Consumer properties: {@link #clientProperties()}, waiting on a silent broker for {@code kafka.read-timeout}. */
    public Map<String, Object> consumerProperties() {
        Map<String, Object> props = clientProperties();
        props.putAll(readTimeouts());
        return props;
    }

    /**
     * The client settings that bound a wait on a silent broker by {@code kafka.read-timeout}: an API call's and a
     * request's (which Kafka requires to be no longer), unless {@code kafka.properties} sets them.
     */
    public Map<String, Integer> readTimeouts() {
        int timeout = (int) settings.readTimeout().toMillis();
        int request = Math.min(timeout, DEFAULT_REQUEST_TIMEOUT_MS);
        Map<String, Integer> timeouts = new HashMap<>(Map.of(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, timeout,
                CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, request));
        timeouts.keySet().removeAll(settings.properties().keySet());
        return timeouts;
    }

    /**
     * Runs {@code read}, a task that reads this cluster; a failure while the cluster no longer answers is reported
     * as its loss ({@link KafkaLostException}: one line naming the cluster), any other failure as it is.
     */
    public <T> T reading(String task, Supplier<T> read) {
        try {
            return read.get();
        } catch (Exception e) {
            // Spark throws its checked SparkException from Scala code without declaring it.
            if (answers()) {
                throw e;
            }
            throw new KafkaLostException(bootstrapServers, task, e);
        }
    }

    /** Whether the cluster answers a metadata request within a few seconds, now. */
    public boolean answers() {
        try {
            probe(clientProperties());
            return true;
        } catch (TimeoutException | ExecutionException | KafkaException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Fails with one line unless this client may do {@code needed} on {@code topic} and, if not null, use
     * {@code transactionalId} ({@link KafkaAccess#require}).
     */
    public void requireAccess(String topic, Set<AclOperation> needed, String transactionalId) {
        KafkaAccess.require(clientProperties(), bootstrapServers, topic, needed, transactionalId);
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
                throw new UserException("Cannot create topic " + settings.topic() + " on "
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
            if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
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

    /** Fails unless a real cluster answers within a few seconds; an embedded broker needs a local warehouse. */
    public static void requireReachable(KafkaSettings kafka, Warehouse warehouse) {
        if (kafka.isEmbedded()) {
            EmbeddedKafka.folder(warehouse);
            return;
        }
        Map<String, Object> props = new HashMap<>(kafka.properties());
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try {
            probe(props);
        } catch (ExecutionException e) {
            UserException refusal = KafkaAccess.refusal(kafka.bootstrapServers(), e.getCause());
            if (refusal != null) {
                throw refusal;
            }
            throw unanswered(kafka);
        } catch (TimeoutException e) {
            throw unanswered(kafka);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserException("Interrupted while reaching Kafka at " + kafka.bootstrapServers());
        } catch (KafkaException e) {
            throw new UserException("Kafka client settings for " + kafka.bootstrapServers() + " are unusable ("
                    + e.getClass().getSimpleName() + "): check " + KafkaSettings.BOOTSTRAP_SERVERS + " and "
                    + KafkaSettings.PROPERTIES);
        }
    }

    private static UserException unanswered(KafkaSettings kafka) {
        return new UserException("Kafka at " + kafka.bootstrapServers() + " did not answer within " + PROBE_SECONDS
                + " s: check " + KafkaSettings.BOOTSTRAP_SERVERS + " and the network (or security settings in "
                + KafkaSettings.PROPERTIES + "), or set it to embedded for a local broker");
    }

    /** Asks the cluster for its nodes, giving up after a few seconds: the defaults retry for a minute or more. */
    private static void probe(Map<String, Object> props)
            throws TimeoutException, ExecutionException, InterruptedException {
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TimeUnit.SECONDS.toMillis(PROBE_SECONDS));
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TimeUnit.SECONDS.toMillis(PROBE_SECONDS));
        try (Admin admin = Admin.create(props)) {
            admin.describeCluster().nodes().get(PROBE_SECONDS, TimeUnit.SECONDS);
        }
    }
}
