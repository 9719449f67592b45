package io.streamtrain.core.kafka;

import io.streamtrain.core.Watchdog;
import java.net.URI;
import io.streamtrain.core.Warehouse;
import io.streamtrain.core.ConfigException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.server.MetaProperties;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Option;
import scala.collection.JavaConverters;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

/**
 * A real single-node Kafka broker (KRaft: broker and controller in one) running inside this JVM. Its log lives in a
 * folder of the warehouse, so records published by one command are still there for the next. Binds to localhost
 * only.
 */
public final class EmbeddedKafka implements AutoCloseable {

    /** Set when a broker of this JVM stopped on a fatal error: Kafka's halt and exit land here, see below. */
    private static volatile boolean failed;

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);

    private final KafkaRaftServer server;
    private final String bootstrapServers;

    private EmbeddedKafka(KafkaRaftServer server, String bootstrapServers) {
        this.server = server;
        this.bootstrapServers = bootstrapServers;
    }

    /**
     * Formats {@code logDir} if it is new, then starts the broker.
     *
     * @param port the client port, or 0 for any free port
     */
    public static EmbeddedKafka start(Path logDir, int port) {
        return start(logDir, port, FreePorts.LOOPBACK);
    }

    /** The same, with free ports from {@code ports}: tests stand in for the operating system's choice. */
    static EmbeddedKafka start(Path logDir, int port, FreePorts.Source ports) {
        try {
            Files.createDirectories(logDir);
            int[] free = port == 0 ? FreePorts.reserve(ports, 2) : FreePorts.reserve(ports, 1, port);
            int clientPort = port == 0 ? free[0] : port;
            int controllerPort = free[free.length - 1];
            Properties props = new Properties();
            props.put("process.roles", "broker,controller");
            props.put("node.id", "1");
            props.put("controller.quorum.voters", "1@localhost:" + controllerPort);
            props.put("listeners", "PLAINTEXT://localhost:" + clientPort + ",CONTROLLER://localhost:" + controllerPort);
            props.put("advertised.listeners", "PLAINTEXT://localhost:" + clientPort);
            props.put("controller.listener.names", "CONTROLLER");
            props.put("inter.broker.listener.name", "PLAINTEXT");
            props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
            props.put("log.dirs", logDir.toAbsolutePath().toString());
            // One node: every internal topic must be satisfiable with a single replica.
            props.put("offsets.topic.replication.factor", "1");
            props.put("transaction.state.log.replication.factor", "1");
            props.put("transaction.state.log.min.isr", "1");
            props.put("default.replication.factor", "1");
            props.put("group.initial.rebalance.delay.ms", "0");
            // Records published for a later ingest must not expire under the user's feet.
            props.put("log.retention.ms", "-1");
            props.put("message.max.bytes", String.valueOf(16 * 1024 * 1024));
            KafkaConfig config = new KafkaConfig(props);
            if (!Files.exists(logDir.resolve("meta.properties"))) {
                int rc = StorageTool.formatCommand(new PrintStream(OutputStream.nullOutputStream()),
                        JavaConverters.asScalaBuffer(List.of(logDir.toAbsolutePath().toString())).toSeq(),
                        MetaProperties.apply(Uuid.randomUuid().toString(), 1),
                        MetadataVersion.latest(), true);
                if (rc != 0) {
                    throw new IllegalStateException("Formatting the Kafka log folder " + logDir + " failed (" + rc + ")");
                }
            }
            keepTheJvmOnFatalErrors();
            KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM, Option.empty());
            server.startup();
            String bootstrap = "localhost:" + clientPort;
            LOG.info("Embedded Kafka broker up at {} with its log in {}", bootstrap, logDir);
            Watchdog.progress("embedded Kafka broker up");
            return new EmbeddedKafka(server, bootstrap);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start the embedded Kafka broker in " + logDir, e);
        }
    }

    /**
     * Kafka halts its JVM on a fatal error of the broker, such as a log folder it can no longer write (a full disk):
     * embedded in a command, that would end the command without a word. Instead the broker stops serving, the error is
     * logged, and the stage that needs the broker fails with a line that names the cause.
     */
    private static void keepTheJvmOnFatalErrors() {
        Exit.setHaltProcedure((status, message) -> {
            failed = true;
            LOG.error("The embedded Kafka broker stopped on a fatal error (Kafka would have halted the JVM with"
                    + " status {}): {}", status, message);
        });
        Exit.setExitProcedure((status, message) -> {
            failed = true;
            LOG.error("The embedded Kafka broker stopped on a fatal error (Kafka would have ended the JVM with"
                    + " status {}): {}", status, message);
        });
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /**
     * Stops the broker. One that stopped on a fatal error, before or while it shuts down, is left as it is: its
     * controller is gone, and Kafka's own shutdown would wait five minutes for it.
     */
    @Override
    public void close() {
        Thread stopping = new Thread(() -> {
            server.shutdown();
            server.awaitShutdown();
        }, "embedded-kafka-shutdown");
        stopping.setDaemon(true);
        stopping.start();
        try {
            while (stopping.isAlive() && !failed) {
                stopping.join(200);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (stopping.isAlive()) {
            LOG.warn("The embedded Kafka broker failed (see above); not waiting for its shutdown");
        }
    }

    /** The folder the embedded broker keeps its log in; it needs a warehouse on the local file system. */
    public static Path folder(Warehouse warehouse) {
        String root = warehouse.root();
        URI uri;
        try {
            uri = URI.create(root.replace(" ", "%20"));
        } catch (IllegalArgumentException e) {
            return Path.of(root).resolve("_kafka");
        }
        if (uri.getScheme() == null || uri.getScheme().length() == 1) {
            return Path.of(root).resolve("_kafka");
        }
        if ("file".equals(uri.getScheme())) {
            return Path.of(uri).resolve("_kafka");
        }
        throw new ConfigException(KafkaSettings.BOOTSTRAP_SERVERS, KafkaSettings.EMBEDDED,
                "the embedded broker needs a local warehouse, but warehouse is " + root + "; point it at a real Kafka");
    }
}
