package io.streamtrain.ingest;

import io.streamtrain.core.ConfigException;
import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.StagePlan;
import io.streamtrain.core.Table;
import io.streamtrain.core.UserException;
import io.streamtrain.core.Warehouse;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Validates produce and ingest without side effects: no broker is started, no topic created, nothing written. Each
 * check throws a {@link UserException} that says what is wrong and what to do.
 */
public final class IngestChecks {

    /** How long a real broker may take to answer before it counts as unreachable. */
    private static final long PROBE_SECONDS = 10;

    private IngestChecks() {
    }

    /** What {@code produce} will publish, checked: the input exists and has the shape its format needs. */
    public static StagePlan produce(ProduceSettings settings, KafkaSettings kafka, Warehouse warehouse) {
        String topic = topicName(kafka, warehouse);
        if (settings.format() == ProduceSettings.Format.SYNTHETIC) {
            return new StagePlan("produce", List.of(settings.synthetic().records() + " synthetic events"),
                    List.of(topic));
        }
        Path input = Path.of(settings.input());
        String key = ProduceSettings.INPUT + " (--input)";
        switch (settings.format()) {
            case IDX -> {
                if (!Files.isDirectory(input)) {
                    throw new UserException("--input " + input + " is not a folder: --format idx needs a folder"
                            + " holding train-images-idx3-ubyte(.gz) with train-labels-idx1-ubyte(.gz) and/or the"
                            + " t10k-* pair, such as /usr/share/datasets/fashion-mnist");
                }
                checkIdxFolder(input);
            }
            case JSONL, CSV -> {
                if (Files.isDirectory(input)) {
                    throw new UserException("--input " + input + " is a folder: --format "
                            + settings.format().name().toLowerCase(java.util.Locale.ROOT) + " needs one file"
                            + " (use --format idx for a folder of IDX files)");
                }
                if (!Files.isRegularFile(input) || !Files.isReadable(input)) {
                    throw new UserException("--input " + input + " does not exist or cannot be read: set " + key
                            + " to a " + settings.format().name().toLowerCase(java.util.Locale.ROOT) + " file");
                }
                if (settings.format() == ProduceSettings.Format.CSV) {
                    checkCsvHeader(input);
                }
            }
            default -> throw new IllegalStateException("Unhandled format " + settings.format());
        }
        return new StagePlan("produce", List.of(input + " (" + settings.format().name().toLowerCase(
                java.util.Locale.ROOT) + ")"), List.of(topic));
    }

    /**
     * What {@code ingest} will read and write, checked: the broker answers (or, embedded, holds data or will be
     * given some by produce), and the warehouse does not mix range runs with a streaming checkpoint.
     *
     * @param produced whether produce runs before it in the same pipeline
     */
    public static StagePlan ingest(IngestSettings settings, KafkaSettings kafka, Warehouse warehouse,
                                   HadoopFiles files, boolean produced) {
        if (kafka.isEmbedded() && !produced && !Files.isDirectory(embeddedFolder(warehouse))) {
            throw new UserException("Nothing to ingest: the embedded Kafka broker of warehouse " + warehouse.root()
                    + " has never received a record (no " + embeddedFolder(warehouse) + "); run produce first,"
                    + " or point kafka.bootstrap-servers at a real cluster");
        }
        boolean streamed = files.exists(warehouse.internal(IngestJob.CHECKPOINT));
        boolean ranged = files.exists(warehouse.internal(IngestJob.RANGES));
        String mode = settings.mode().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        if (settings.mode() == IngestSettings.Mode.RANGE && streamed) {
            throw mixedModes(warehouse, mode, "a streaming checkpoint at " + warehouse.internal(IngestJob.CHECKPOINT));
        }
        if (settings.mode() != IngestSettings.Mode.RANGE && ranged) {
            throw mixedModes(warehouse, mode, "range runs recorded in " + warehouse.internal(IngestJob.RANGES));
        }
        return new StagePlan("ingest", List.of(topicName(kafka, warehouse) + " (--mode " + mode + ")"),
                List.of(warehouse.table(Table.LANDING), warehouse.table(Table.QUARANTINE),
                        warehouse.table(Table.INGEST_AUDIT)));
    }

    private static UserException mixedModes(Warehouse warehouse, String mode, String found) {
        return new UserException("Warehouse " + warehouse.root() + " already has " + found + "; ingest --mode " + mode
                + " tracks offsets separately and would land the same records twice: use one mode per warehouse"
                + " (set ingest.mode, or use a new warehouse)");
    }

    /** Fails unless a real cluster answers within a few seconds; an embedded broker needs a local warehouse. */
    public static void requireReachable(KafkaSettings kafka, Warehouse warehouse) {
        if (kafka.isEmbedded()) {
            embeddedFolder(warehouse);
            return;
        }
        Map<String, Object> props = new HashMap<>(kafka.properties());
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        // Fail fast: the defaults retry for a minute or more before a wrong address is reported.
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TimeUnit.SECONDS.toMillis(PROBE_SECONDS));
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TimeUnit.SECONDS.toMillis(PROBE_SECONDS));
        try (Admin admin = Admin.create(props)) {
            admin.describeCluster().nodes().get(PROBE_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException | ExecutionException e) {
            throw new UserException("Kafka at " + kafka.bootstrapServers() + " did not answer within " + PROBE_SECONDS
                    + " s: check " + KafkaSettings.BOOTSTRAP_SERVERS + " and the network (or security settings in "
                    + KafkaSettings.PROPERTIES + "), or set it to embedded for a local broker");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserException("Interrupted while reaching Kafka at " + kafka.bootstrapServers());
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new UserException("Kafka client settings for " + kafka.bootstrapServers() + " are unusable ("
                    + e.getClass().getSimpleName() + "): check " + KafkaSettings.BOOTSTRAP_SERVERS + " and "
                    + KafkaSettings.PROPERTIES);
        }
    }

    /** The folder the embedded broker keeps its log in; it needs a warehouse on the local file system. */
    public static Path embeddedFolder(Warehouse warehouse) {
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

    /**
     * Each IDX pair in the folder: magic numbers, dimensions, a file size equal to what the header promises, and as
     * many labels as images. Reads the headers and streams the bytes once; keeps nothing.
     */
    public static void checkIdxFolder(Path dir) {
        int pairs = 0;
        for (String prefix : List.of("train", "t10k")) {
            Path images = idxFile(dir, prefix + "-images-idx3-ubyte");
            Path labels = idxFile(dir, prefix + "-labels-idx1-ubyte");
            if (images == null && labels == null) {
                continue;
            }
            if (images == null || labels == null) {
                throw new UserException("IDX folder " + dir + " has " + (images == null ? labels : images)
                        + " without its partner " + prefix + (images == null ? "-images-idx3-ubyte" : "-labels-idx1-ubyte")
                        + "(.gz): add it, or remove the lone file");
            }
            long imageCount = idxCount(images, 0x00000803, 3);
            long labelCount = idxCount(labels, 0x00000801, 1);
            if (imageCount != labelCount) {
                throw new UserException("IDX pair in " + dir + " disagrees: " + images.getFileName() + " holds "
                        + imageCount + " images but " + labels.getFileName() + " " + labelCount
                        + " labels; use files from the same data set");
            }
            pairs++;
        }
        if (pairs == 0) {
            throw new UserException("No IDX files in " + dir + ": expected train-images-idx3-ubyte(.gz) with"
                    + " train-labels-idx1-ubyte(.gz), and/or the t10k-* pair");
        }
    }

    private static Path idxFile(Path dir, String base) {
        for (String name : List.of(base + ".gz", base)) {
            if (Files.isRegularFile(dir.resolve(name))) {
                return dir.resolve(name);
            }
        }
        return null;
    }

    /** The item count of an IDX file, after checking its magic number and that its size matches its header. */
    private static long idxCount(Path file, int magic, int dimensions) {
        try (java.io.InputStream raw = new java.io.BufferedInputStream(Files.newInputStream(file));
             java.io.DataInputStream in = new java.io.DataInputStream(
                     file.toString().endsWith(".gz") ? gunzip(raw, file) : raw)) {
            int found = in.readInt();
            if (found != magic) {
                throw new UserException(file + " is not an IDX " + (dimensions == 3 ? "image" : "label")
                        + " file: magic number 0x" + Integer.toHexString(found) + ", expected 0x0000080"
                        + (dimensions == 3 ? "3" : "1") + "; check that the file is what its name says");
            }
            long count = Integer.toUnsignedLong(in.readInt());
            long itemBytes = 1;
            for (int d = 1; d < dimensions; d++) {
                int size = in.readInt();
                if (size <= 0) {
                    throw new UserException(file + " declares an image dimension of " + size + "; the file is"
                            + " damaged");
                }
                itemBytes *= size;
            }
            long expected = count * itemBytes;
            long body = in.transferTo(java.io.OutputStream.nullOutputStream());
            if (body != expected) {
                throw new UserException(file + " holds " + body + " bytes of data but its header promises " + count
                        + " items of " + itemBytes + " bytes (" + expected + "): the file is "
                        + (body < expected ? "truncated" : "longer than its header says") + "; fetch it again");
            }
            return count;
        } catch (java.io.EOFException e) {
            throw new UserException(file + " ends inside its IDX header: the file is truncated or empty");
        } catch (java.io.IOException e) {
            throw new UserException("Cannot read " + file + ": " + e.getMessage());
        }
    }

    private static java.io.InputStream gunzip(java.io.InputStream raw, Path file) throws java.io.IOException {
        try {
            return new java.util.zip.GZIPInputStream(raw);
        } catch (java.util.zip.ZipException e) {
            throw new UserException(file + " ends in .gz but is not gzip data: decompress it or fix its name");
        }
    }

    /** The header must name a label column; the rows are judged at the door. */
    static void checkCsvHeader(Path file) {
        try (java.io.BufferedReader reader = Files.newBufferedReader(file, java.nio.charset.StandardCharsets.UTF_8)) {
            String header = reader.readLine();
            if (header == null) {
                throw new UserException("CSV file " + file + " is empty: expected a header line with a 'label'"
                        + " column");
            }
            List<String> names = java.util.Arrays.stream(header.replace("\uFEFF", "").split(",", -1))
                    .map(n -> n.trim().replace("\"", "")).toList();
            if (!names.contains("label")) {
                throw new UserException("CSV file " + file + " line 1: the header has no 'label' column (found "
                        + names.size() + " columns" + (names.isEmpty() ? "" : ", the first '" + names.get(0) + "'")
                        + "); name the label column 'label'");
            }
        } catch (java.nio.charset.MalformedInputException e) {
            throw new UserException("CSV file " + file + " line 1: the header is not UTF-8 text");
        } catch (java.io.IOException e) {
            throw new UserException("Cannot read " + file + ": " + e.getMessage());
        }
    }

    private static String topicName(KafkaSettings kafka, Warehouse warehouse) {
        return "topic " + kafka.topic() + " on " + (kafka.isEmbedded() ? "the embedded broker in "
                + warehouse.root() + "/_kafka" : kafka.bootstrapServers());
    }
}
