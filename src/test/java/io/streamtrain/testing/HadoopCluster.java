package io.streamtrain.testing;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A real HDFS and YARN in a JVM of their own: Hadoop's MiniDFSCluster and MiniYARNCluster started by
 * {@code src/test/hadoop/MiniHadoop.java} with the classpath of {@code src/test/hadoop/pom.xml}. The NodeManagers start
 * each container as a JVM of its own; the clients' configuration is in {@link #confDir()} (what
 * {@code HADOOP_CONF_DIR} names).
 */
public final class HadoopCluster implements AutoCloseable {

    private final java.nio.file.Path state;
    private final Process process;
    private final URI fileSystem;

    private HadoopCluster(java.nio.file.Path state, Process process, URI fileSystem) {
        this.state = state;
        this.process = process;
        this.fileSystem = fileSystem;
    }

    /**
     * Starts a NameNode, a DataNode, a ResourceManager and {@code nodeManagers} NodeManagers of {@code memoryMb} and
     * {@code vcores} each, with their state under {@code state}; returns once every NodeManager is registered and
     * healthy.
     */
    public static HadoopCluster start(java.nio.file.Path state, int nodeManagers, int memoryMb, int vcores)
            throws IOException, InterruptedException {
        java.nio.file.Path root = Fixtures.projectRoot();
        String classpath = MavenClasspath.resolve("src/test/hadoop/pom.xml", "mini-hadoop");
        Files.createDirectories(state);
        java.nio.file.Path log4j = state.resolve("log4j.properties");
        Files.writeString(log4j, String.join("\n", "log4j.rootLogger=WARN, file",
                "log4j.appender.file=org.apache.log4j.FileAppender",
                "log4j.appender.file.File=" + state.resolve("hadoop.log"),
                "log4j.appender.file.layout=org.apache.log4j.PatternLayout",
                "log4j.appender.file.layout.ConversionPattern=%d{HH:mm:ss} %p %c{1}: %m%n", ""));
        List<String> command = new ArrayList<>(List.of(java.nio.file.Path.of(System.getProperty("java.home"), "bin",
                "java").toString()));
        command.addAll(ChildJvm.opens());
        command.addAll(List.of("-Xmx1g", "-Dlog4j.configuration=" + log4j.toUri(), "-cp", classpath,
                root.resolve("src/test/hadoop/MiniHadoop.java").toString(), Integer.toString(nodeManagers),
                Integer.toString(memoryMb), Integer.toString(vcores)));
        ProcessBuilder pb = new ProcessBuilder(command).directory(state.toFile())
                .redirectError(state.resolve("mini-hadoop.err").toFile());
        // The NodeManagers start containers with $JAVA_HOME/bin/java.
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process process = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null && !line.startsWith("ready ") && !line.startsWith("failed ")) {
            // MiniHadoop prints nothing else on its standard output.
        }
        if (line == null || line.startsWith("failed ")) {
            process.destroyForcibly().waitFor();
            throw new IllegalStateException("Hadoop's test cluster did not start: "
                    + (line == null ? "see " + state.resolve("mini-hadoop.err") : line.substring(7)));
        }
        return new HadoopCluster(state, process, URI.create(line.substring(6).trim()));
    }

    /** The HDFS root, {@code hdfs://localhost:<port>}. */
    public URI fileSystem() {
        return fileSystem;
    }

    /** The clients' Hadoop configuration folder ({@code core-site.xml}, {@code yarn-site.xml}). */
    public java.nio.file.Path confDir() {
        return state.resolve("conf");
    }

    /** The folder under which the NodeManagers keep their containers' logs. */
    public java.nio.file.Path containerLogs() {
        return state.resolve("target");
    }

    /** The servers' log (warnings and errors of the NameNode, DataNode, ResourceManager and NodeManagers). */
    public java.nio.file.Path log() {
        return state.resolve("hadoop.log");
    }

    /** A Hadoop client of this cluster's file system. */
    public FileSystem client() throws IOException {
        Configuration conf = new Configuration(false);
        conf.addResource(new Path(confDir().resolve("core-site.xml").toUri()));
        return FileSystem.newInstance(fileSystem, conf);
    }

    /**
     * Spark's jars zipped and put on HDFS once, for {@code spark.yarn.archive}: without it every submission uploads
     * Spark's 250 MB of jars again. Returns the archive's URI.
     */
    public URI sparkArchive(java.nio.file.Path sparkJars) throws IOException {
        Path archive = new Path(fileSystem.resolve("/spark/spark-jars.zip"));
        try (FileSystem fs = client(); OutputStream out = fs.create(archive, true);
             ZipOutputStream zip = new ZipOutputStream(out); DirectoryStream<java.nio.file.Path> jars =
                     Files.newDirectoryStream(sparkJars, "*.jar")) {
            zip.setLevel(0);
            for (java.nio.file.Path jar : jars) {
                zip.putNextEntry(new ZipEntry(jar.getFileName().toString()));
                Files.copy(jar, zip);
                zip.closeEntry();
            }
        }
        return archive.toUri();
    }

    @Override
    public void close() throws InterruptedException, IOException {
        process.getOutputStream().close();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
