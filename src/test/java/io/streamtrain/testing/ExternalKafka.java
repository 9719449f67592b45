package io.streamtrain.testing;

import io.streamtrain.core.kafka.FreePorts;
import org.apache.kafka.clients.admin.Admin;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.TimeUnit;

/**
 * A single-node Kafka broker in a JVM of its own (KRaft, broker and controller in one process, on loopback), started
 * from Kafka's own main classes in the packaged jar as a real deployment starts them: {@code kafka.tools.StorageTool
 * format}, then {@code kafka.Kafka server.properties}: of the clients' own version, or of another version with a
 * SASL_SSL listener and ACLs ({@link KafkaSecurity}).
 */
public final class ExternalKafka implements AutoCloseable {

    private final Path properties;
    private final Path log;
    private final int port;
    private final String classpath;
    private final Map<String, Object> adminProperties;
    private Process process;

    private ExternalKafka(Path properties, Path log, int port, String classpath, Map<String, Object> adminProperties) {
        this.properties = properties;
        this.log = log;
        this.port = port;
        this.classpath = classpath;
        this.adminProperties = adminProperties;
    }

    /**
     * Formats a log folder under {@code dir} and starts a PLAINTEXT broker of the clients' own version (this build's
     * classpath); returns once it accepts connections.
     */
    public static ExternalKafka start(Path dir) throws IOException, InterruptedException {
        Path root = Fixtures.projectRoot();
        String classpath = root.resolve("target/streamtrain.jar") + ":"
                + Files.readString(root.resolve("target/provided.classpath")).trim();
        return startOn(dir, classpath, null);
    }

    /**
     * The same for a broker of Kafka {@code version} on its own classpath ({@link KafkaBrokers}) whose one client
     * listener is SASL_SSL as {@code security} sets it up, with ACLs enforced.
     */
    public static ExternalKafka start(Path dir, String version, KafkaSecurity security)
            throws IOException, InterruptedException {
        return startOn(dir, KafkaBrokers.classpath(version), security);
    }

    private static ExternalKafka startOn(Path dir, String classpath, KafkaSecurity security)
            throws IOException, InterruptedException {
        int[] ports = FreePorts.reserve(2);
        int port = ports[0];
        int controller = ports[1];
        String listener = security == null ? "PLAINTEXT" : "SASL_SSL";
        Path logs = dir.resolve("kafka-logs");
        Path properties = dir.resolve("server.properties");
        Files.createDirectories(dir);
        List<String> lines = new ArrayList<>(List.of(
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controller,
                "listeners=" + listener + "://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller,
                "advertised.listeners=" + listener + "://127.0.0.1:" + port,
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=" + listener + ":" + listener + ",CONTROLLER:PLAINTEXT",
                "inter.broker.listener.name=" + listener,
                "log.dirs=" + logs,
                // One node: the internal topics cannot have more replicas than that.
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "group.initial.rebalance.delay.ms=0"));
        List<String> format = new ArrayList<>(List.of("kafka.tools.StorageTool", "format", "-t",
                UUID.randomUUID().toString().replace("-", "").substring(0, 22), "-c", properties.toString()));
        Map<String, Object> admin = new HashMap<>();
        if (security != null) {
            lines.addAll(security.serverProperties());
            format.addAll(security.formatArguments());
            admin.putAll(security.adminProperties());
        }
        lines.add("");
        Files.writeString(properties, String.join("\n", lines));
        Path log = dir.resolve("broker.log");
        Process formatting = run(classpath, format, log);
        if (!formatting.waitFor(2, TimeUnit.MINUTES) || formatting.exitValue() != 0) {
            throw new IllegalStateException("formatting the broker's log folder failed; see " + log);
        }
        ExternalKafka kafka = new ExternalKafka(properties, log, port, classpath, admin);
        kafka.restart();
        return kafka;
    }

    /** Kills the broker's JVM with SIGKILL, as a crashed machine or the OOM killer would. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    /**
     * Starts the broker again on its log folder and port (after {@link #kill}); returns once it serves metadata, which
     * after an unclean stop waits for its log recovery.
     */
    public void restart() throws IOException, InterruptedException {
        process = run(classpath, List.of("kafka.Kafka", properties.toString()), log);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!accepts() || !servesMetadata()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                close();
                List<String> lines = Files.readAllLines(log);
                throw new IllegalStateException("the Kafka broker did not start; its log ends: "
                        + String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size())));
            }
            Thread.sleep(500);
        }
    }

    /** host:port for bootstrap.servers. */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    private boolean servesMetadata() throws InterruptedException {
        Map<String, Object> props = new HashMap<>(adminProperties);
        props.putAll(Map.of("bootstrap.servers", bootstrapServers(), "request.timeout.ms", 2_000,
                "default.api.timeout.ms", 2_000));
        try (Admin admin = Admin.create(props)) {
            return !admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty();
        } catch (ExecutionException | TimeoutException e) {
            return false;
        }
    }

    private boolean accepts() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Settings of an administrator's client: a super user on a secured broker. */
    public Map<String, Object> adminProperties() {
        Map<String, Object> props = new HashMap<>(adminProperties);
        props.put("bootstrap.servers", bootstrapServers());
        return props;
    }

    private static Process run(String classpath, List<String> mainAndArgs, Path log) throws IOException {
        List<String> command = new ArrayList<>(List.of("java", "-Xmx512m", "-cp", classpath));
        command.addAll(mainAndArgs);
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
