package io.streamtrain.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.streamtrain.core.table.IngestTables;
import io.streamtrain.core.table.Split;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;

/**
 * Where a model's training data came from, saved as {@code lineage.json} in its bundle: the curated rows per split,
 * the landing batches and files behind them, and the Kafka offsets of every training example. A warm start reads it
 * to train only on batches the model has not seen.
 *
 * @param warmStartOf    the run this model was fine-tuned from, or null for a model trained from scratch
 * @param curatedRows    rows read per curated split (train, validation)
 * @param landingBatches every landing batch the model has learned from, including its warm-start ancestors'
 * @param landingFiles   the landing Parquet files of this run's new batches
 * @param kafka          per topic-partition, the offset range and count of this run's training examples
 */
public record Lineage(String warmStartOf, Map<String, Long> curatedRows, List<String> landingBatches,
                      List<String> landingFiles, List<KafkaRange> kafka) {

    public static final String FILE = "lineage.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Offsets {@code fromOffset..toOffset} (inclusive) of one partition, of which {@code records} were trained on. */
    public record KafkaRange(String topic, int partition, long fromOffset, long toOffset, long records) {
    }

    /**
     * @param train       the training rows actually used (curated columns, with topic, partition, offset, batch);
     *                    one aggregation, a row per Kafka partition, reaches the driver
     * @param landingPath the landing table, to name the files of the batches
     * @param ancestor    the lineage of the warm-start base model, or null
     */
    public static Lineage of(Dataset<Row> train, String landingPath, Lineage ancestor, String ancestorRunId,
                      Configuration hadoop) {
        List<KafkaRange> kafka = new ArrayList<>();
        TreeSet<String> batches = new TreeSet<>();
        Dataset<Row> ranges = train.groupBy(col("topic"), col("partition"))
                .agg(min("offset"), max("offset"), count("offset"), collect_set(IngestTables.BATCH))
                .orderBy("topic", "partition");
        for (Row r : ranges.collectAsList()) {
            kafka.add(new KafkaRange(r.getString(0), r.getInt(1), r.getLong(2), r.getLong(3), r.getLong(4)));
            batches.addAll(r.getList(5));
        }
        List<String> files = landingFiles(landingPath, batches, hadoop);
        TreeSet<String> all = new TreeSet<>(batches);
        if (ancestor != null) {
            all.addAll(ancestor.landingBatches());
        }
        long rows = kafka.stream().mapToLong(KafkaRange::records).sum();
        return new Lineage(ancestorRunId, Map.of(Split.TRAIN.value(), rows), List.copyOf(all), files, kafka);
    }

    /** Training examples behind this model, as counted by {@link #of}. */
    public long trainRows() {
        return curatedRows.getOrDefault(Split.TRAIN.value(), 0L);
    }

    /** This lineage with the number of rows read from one more curated split. */
    public Lineage withSplitRows(Split split, long rows) {
        Map<String, Long> all = new TreeMap<>(curatedRows);
        all.put(split.value(), rows);
        return new Lineage(warmStartOf, all, landingBatches, landingFiles, kafka);
    }

    /**
     * The landing files of {@code batches}, from one listing of landing: a glob per batch listed landing's date folders
     * again for each, and a warm start's replay sample names nearly every batch ever landed.
     */
    private static List<String> landingFiles(String landingPath, Set<String> batches, Configuration hadoop) {
        List<String> out = new ArrayList<>();
        String prefix = IngestTables.BATCH + "=";
        try {
            Path root = new Path(landingPath);
            FileSystem fs = root.getFileSystem(hadoop);
            FileStatus[] found = fs.globStatus(new Path(root, "*/" + prefix + "*/*.parquet"));
            for (FileStatus f : found == null ? new FileStatus[0] : found) {
                String folder = f.getPath().getParent().getName();
                if (folder.startsWith(prefix) && batches.contains(folder.substring(prefix.length()))) {
                    out.add(f.getPath().toString());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list the landing files under " + landingPath, e);
        }
        out.sort(null);
        return out;
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Lineage fromJson(String json) {
        try {
            return JSON.readValue(json, Lineage.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("Unreadable " + FILE + ": " + e.getOriginalMessage(), e);
        }
    }
}
