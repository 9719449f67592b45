package io.streamtrain.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where {@code --conf} points, in every deploy mode: a local path; any Hadoop URI ({@code hdfs://}, {@code s3a://},
 * {@code file:}), read with the {@code spark.hadoop.*} settings spark-submit passed; or the bare name of a file shipped
 * with {@code spark-submit --files}. YARN puts shipped files in the driver's working directory, where the local path
 * finds them; a standalone cluster's driver fetches them only once its SparkContext starts, after the configuration
 * is needed, so a bare name is read from the URI that {@code spark.files} records.
 */
public final class ConfigLocation {

    /** A scheme of two characters or more, so that a Windows drive letter is not taken for one. */
    private static final Pattern URI = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]+:.*");
    /** Where spark-submit records {@code --files}: Spark's own list and YARN's. */
    private static final List<String> SHIPPED = List.of("spark.files", "spark.yarn.dist.files");

    /** The text of a configuration file and the name its errors should give. */
    public record Text(String origin, String hocon) {
    }

    private ConfigLocation() {
    }

    /** Reads the file {@code location} names; a ConfigException says what was looked for and where. */
    public static Text read(String location) {
        if (URI.matcher(location).matches()) {
            return new Text(location, readThroughHadoop(location, location));
        }
        Path local = Path.of(location);
        if (Files.isRegularFile(local)) {
            try {
                return new Text(location, Files.readString(local));
            } catch (IOException e) {
                throw new ConfigException("--conf", location, "cannot be read (" + e.getMessage() + ")");
            }
        }
        if (local.getParent() == null) {
            Optional<String> shipped = shipped(location);
            if (shipped.isPresent()) {
                return new Text(location, readThroughHadoop(shipped.get(), location));
            }
        }
        throw new ConfigException("--conf", location, "must be a readable HOCON file: a local path, a Hadoop URI"
                + " (hdfs://, s3a://, file:) or the name of a file shipped with spark-submit --files");
    }

    /** The URI of a file shipped with {@code --files} whose name is {@code name}, if spark-submit recorded one. */
    static Optional<String> shipped(String name) {
        return SHIPPED.stream().map(System::getProperty).filter(v -> v != null && !v.isBlank())
                .flatMap(v -> Arrays.stream(v.split(","))).map(String::trim)
                .filter(uri -> uri.equals(name) || uri.endsWith("/" + name) || uri.endsWith("#" + name))
                .map(uri -> uri.contains("#") ? uri.substring(0, uri.indexOf('#')) : uri)
                .findFirst();
    }

    private static String readThroughHadoop(String uri, String asGiven) {
        HadoopFiles files = HadoopFiles.fromSparkSubmit();
        try {
            if (!files.exists(uri)) {
                throw new ConfigException("--conf", asGiven, "does not exist at " + uri);
            }
            return files.readString(uri);
        } catch (UncheckedIOException | IllegalArgumentException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new ConfigException("--conf", asGiven, "cannot be read from " + uri + " ("
                    + cause.getClass().getSimpleName() + "); check the URI and the file system's settings"
                    + " (spark.hadoop.* passed to spark-submit)");
        }
    }
}
