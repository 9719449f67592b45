package io.streamtrain.testing;

import io.streamtrain.core.kafka.FreePorts;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real S3 API server: S3Proxy over a local folder (its {@code filesystem-nio2} backend), in a JVM of its own with the
 * classpath of {@code src/test/s3/pom.xml}. It checks AWS signatures against one access key and secret. Each bucket is
 * a folder under {@link #objects()} and each object a file below it, so a test can look at what S3 holds without S3.
 */
public final class S3Server implements AutoCloseable {

    private final Process process;
    private final URI endpoint;
    private final Path objects;

    private S3Server(Process process, URI endpoint, Path objects) {
        this.process = process;
        this.endpoint = endpoint;
        this.objects = objects;
    }

    /**
     * Starts S3Proxy with its objects and log under {@code state}, accepting requests signed with {@code accessKey}
     * and {@code secretKey}, with the given buckets; returns once it accepts connections.
     */
    public static S3Server start(Path state, String accessKey, String secretKey, String... buckets)
            throws IOException, InterruptedException {
        String classpath = MavenClasspath.resolve("src/test/s3/pom.xml", "s3proxy");
        Path objects = state.resolve("objects");
        for (String bucket : buckets) {
            Files.createDirectories(objects.resolve(bucket));
        }
        int port = FreePorts.reserve(1)[0];
        URI endpoint = URI.create("http://127.0.0.1:" + port);
        Path properties = state.resolve("s3proxy.properties");
        Files.writeString(properties, String.join("\n",
                "s3proxy.endpoint=" + endpoint,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + accessKey,
                "s3proxy.credential=" + secretKey,
                "jclouds.provider=filesystem-nio2",
                "jclouds.filesystem.basedir=" + objects, ""));
        // Without a configuration, logback logs every request at DEBUG.
        Path logback = state.resolve("logback.xml");
        Files.writeString(logback, String.join("\n", "<configuration>",
                "  <appender name=\"file\" class=\"ch.qos.logback.core.FileAppender\">",
                "    <file>" + state.resolve("s3proxy.log") + "</file>",
                "    <encoder><pattern>%d{HH:mm:ss} %level %logger{0}: %msg%n</pattern></encoder>",
                "  </appender>",
                "  <root level=\"WARN\"><appender-ref ref=\"file\"/></root>",
                "</configuration>", ""));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx512m", "-Dlogback.configurationFile=" + logback, "-cp", classpath,
                "org.gaul.s3proxy.Main", "--properties", properties.toString()));
        Process process = new ProcessBuilder(command).directory(state.toFile())
                .redirectOutput(state.resolve("s3proxy.out").toFile())
                .redirectError(state.resolve("s3proxy.err").toFile()).start();
        S3Server server = new S3Server(process, endpoint, objects);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!server.accepts()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                server.close();
                throw new IllegalStateException("S3Proxy did not start; see " + state.resolve("s3proxy.err"));
            }
            Thread.sleep(200);
        }
        return server;
    }

    /** Whether S3 answers on the port: an unsigned request gets S3's XML error, not another server's reply. */
    private boolean accepts() {
        try {
            HttpURLConnection http = (HttpURLConnection) endpoint.toURL().openConnection();
            http.setConnectTimeout(1000);
            http.setReadTimeout(5000);
            int status = http.getResponseCode();
            try (InputStream body = http.getErrorStream() != null ? http.getErrorStream() : http.getInputStream()) {
                return status == HttpURLConnection.HTTP_FORBIDDEN
                        && new String(body.readAllBytes(), StandardCharsets.UTF_8).contains("<Code>AccessDenied</Code>");
            }
        } catch (IOException e) {
            return false;
        }
    }

    /** {@code http://127.0.0.1:<port>}, for {@code fs.s3a.endpoint}. */
    public URI endpoint() {
        return endpoint;
    }

    /** The folder that holds one folder per bucket and one file per object. */
    public Path objects() {
        return objects;
    }

    /**
     * The {@code spark.conf} lines that point S3A at this server: path-style requests over plain HTTP. Credentials
     * are not among them: S3A finds them in the environment.
     */
    public List<String> sparkSettings() {
        return List.of(
                "  \"spark.hadoop.fs.s3a.endpoint\" = \"" + endpoint + "\"",
                "  \"spark.hadoop.fs.s3a.endpoint.region\" = \"us-east-1\"",
                "  \"spark.hadoop.fs.s3a.path.style.access\" = \"true\"",
                "  \"spark.hadoop.fs.s3a.connection.ssl.enabled\" = \"false\"");
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
