package io.streamtrain.ingest;

import io.streamtrain.core.kafka.EmbeddedKafka;
import io.streamtrain.core.kafka.KafkaSettings;
import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.RecordSchema;
import io.streamtrain.core.stage.StagePlan;
import io.streamtrain.core.table.Table;
import io.streamtrain.core.UserException;
import io.streamtrain.core.Warehouse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Validates produce and ingest without side effects: no broker is started, no topic created, nothing written. Each
 * check throws a {@link UserException} that says what is wrong and what to do.
 */
public final class IngestChecks {

    private IngestChecks() {
    }

    /** What {@code produce} will publish, checked: the input exists and has the shape its format needs. */
    public static StagePlan produce(ProduceSettings settings, RecordSchema schema, KafkaSettings kafka,
                                    Warehouse warehouse) {
        String topic = topicName(kafka, warehouse);
        if (settings.format() == ProduceSettings.Format.SYNTHETIC) {
            return new StagePlan("produce", List.of(settings.synthetic().records() + " synthetic events"),
                    List.of(topic));
        }
        Path input = Path.of(settings.input());
        String key = ProduceSettings.INPUT + " (--input)";
        String format = settings.format().name().toLowerCase(Locale.ROOT);
        switch (settings.format()) {
            // Reads and checks every file, as produce will before it sends anything.
            case IDX -> FashionMnistIdx.folder(input, schema, 0);
            case JSONL, CSV -> {
                if (Files.isDirectory(input)) {
                    throw new UserException("--input " + input + " is a folder: --format " + format + " needs one file"
                            + " (use --format idx for a folder of IDX files)");
                }
                if (!Files.isRegularFile(input) || !Files.isReadable(input)) {
                    throw new UserException("--input " + input + " does not exist or cannot be read: set " + key
                            + " to a " + format + " file");
                }
                if (settings.format() == ProduceSettings.Format.CSV) {
                    // Parses the whole file, as produce will before it sends anything.
                    CsvEvents.open(input, 0).close();
                }
            }
            default -> throw new IllegalStateException("Unhandled format " + settings.format());
        }
        return new StagePlan("produce", List.of(input + " (" + format + ")"), List.of(topic));
    }

    /**
     * What {@code ingest} will read and write, checked: the broker answers (or, embedded, holds data or will be
     * given some by produce), and the warehouse does not mix range runs with a streaming checkpoint.
     *
     * @param produced whether produce runs before it in the same pipeline
     */
    public static StagePlan ingest(IngestSettings settings, KafkaSettings kafka, Warehouse warehouse,
                                   HadoopFiles files, boolean produced) {
        if (kafka.isEmbedded() && !produced && !Files.isDirectory(EmbeddedKafka.folder(warehouse))) {
            throw new UserException("Nothing to ingest: the embedded Kafka broker of warehouse " + warehouse.root()
                    + " has never received a record (no " + EmbeddedKafka.folder(warehouse) + "); run produce first,"
                    + " or point kafka.bootstrap-servers at a real cluster");
        }
        requireOneMode(settings, files, warehouse);
        String mode = modeName(settings);
        return new StagePlan("ingest", List.of(topicName(kafka, warehouse) + " (--mode " + mode + ")"),
                List.of(warehouse.table(Table.LANDING), warehouse.table(Table.QUARANTINE),
                        warehouse.table(Table.INGEST_AUDIT)));
    }

    /**
     * Refuses a mode whose offsets the warehouse does not track: range runs keep a ledger, the streaming modes a
     * checkpoint, and reading with one after the other would land the same records twice.
     */
    static void requireOneMode(IngestSettings settings, HadoopFiles files, Warehouse warehouse) {
        String mode = modeName(settings);
        if (settings.mode() == IngestSettings.Mode.RANGE && files.exists(warehouse.internal(IngestJob.CHECKPOINT))) {
            throw mixedModes(warehouse, mode, "a streaming checkpoint at " + warehouse.internal(IngestJob.CHECKPOINT));
        }
        if (settings.mode() != IngestSettings.Mode.RANGE && files.exists(warehouse.internal(IngestJob.RANGES))) {
            throw mixedModes(warehouse, mode, "range runs recorded in " + warehouse.internal(IngestJob.RANGES));
        }
    }

    /** The mode as the command line spells it: available-now, stream, range. */
    private static String modeName(IngestSettings settings) {
        return settings.mode().name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private static UserException mixedModes(Warehouse warehouse, String mode, String found) {
        return new UserException("Warehouse " + warehouse.root() + " already has " + found + "; ingest --mode " + mode
                + " tracks offsets separately and would land the same records twice: use one mode per warehouse"
                + " (set ingest.mode, or use a new warehouse)");
    }


    private static String topicName(KafkaSettings kafka, Warehouse warehouse) {
        return "topic " + kafka.topic() + " on " + (kafka.isEmbedded() ? "the embedded broker in "
                + warehouse.root() + "/_kafka" : kafka.bootstrapServers());
    }
}
