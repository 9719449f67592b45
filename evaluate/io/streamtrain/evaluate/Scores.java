package io.streamtrain.evaluate;

import io.streamtrain.core.metrics.Replicates;
import io.streamtrain.core.metrics.ScoreStats;
import io.streamtrain.model.Predictor;
import org.apache.spark.api.java.function.PairFlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

import java.io.Serializable;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.apache.spark.sql.functions.col;

/**
 * Predictions to metric statistics, on the executors: each partition adds its rows to a {@link Replicates} per slice
 * (and, for the gate, to the champion's), and the partitions' statistics are merged slice by slice on the executors
 * ({@code reduceByKey}). The driver receives one merged object per slice, so what it holds is bounded by the
 * settings (replicates, classes, {@code evaluate.slice-limit}), never by the rows, files or batches. No prediction
 * is collected.
 *
 * <p>Only the statistics of all rows keep ROC AUC's histograms in every replicate; a slice keeps them in its sample
 * only (its ROC AUC has a value and no interval), which makes it about 30 times smaller. Slice values beyond the limit are
 * gathered into one slice, {@code column=(other)}.
 */
public final class Scores {

    /** The slice that holds every row. */
    public static final String ALL = "all";
    /** The value of the slice that gathers the values beyond {@code evaluate.slice-limit}. */
    public static final String OTHER = "(other)";

    private static final Logger LOG = LoggerFactory.getLogger(Scores.class);

    private Scores() {
    }

    /**
     * Candidate and champion scored on the same rows: both bootstraps (drawn with the same seed, so replicate r weights
     * each row alike in both: a paired bootstrap) and the discordant pairs of McNemar's test: {@code onlyCandidate}
     * rows the candidate classified correctly and the champion did not, {@code onlyChampion} the reverse.
     */
    public record Paired(Replicates candidate, Replicates champion, long onlyCandidate, long onlyChampion) {
    }

    /** The statistics by slice, {@link #ALL} first, and with a champion the paired statistics; else null. */
    public record Outcome(Map<String, Replicates> bySlice, Paired paired) {
    }

    /**
     * The bootstrap statistics of every row ({@link #ALL}) and, when {@code sliceColumn} is not null, of the rows of
     * each value of it, keyed {@code column=value}, in that order.
     *
     * @param predictions rows with {@code id}, {@code label} and {@code probabilities}
     */
    public static Map<String, Replicates> bySlice(Dataset<Row> predictions, int classes, EvaluateSettings settings,
                                                  String sliceColumn) {
        return of(predictions, classes, settings, sliceColumn, null).bySlice();
    }

    /**
     * {@link #bySlice}, and with {@code championColumn} (a champion's probabilities of the same rows) the paired
     * statistics of the gate.
     */
    public static Outcome of(Dataset<Row> predictions, int classes, EvaluateSettings settings, String sliceColumn,
                             String championColumn) {
        Shape shape = new Shape(classes, settings.calibrationBins(), settings.replicates(), settings.seed());
        Set<String> slices = sliceColumn == null ? Set.of() : slices(predictions, sliceColumn, settings.sliceLimit());
        Columns columns = Columns.of(predictions, sliceColumn, championColumn);
        int reducers = Math.max(1, Math.min(slices.size() + 1,
                predictions.sparkSession().sparkContext().defaultParallelism()));
        Map<String, Part> merged = predictions.toJavaRDD()
                .mapPartitionsToPair(perPartition(shape, columns, sliceColumn, slices))
                .reduceByKey(Part::merge, reducers)
                .collectAsMap();
        Part all = merged.containsKey(ALL) ? merged.get(ALL) : shape.all();
        Map<String, Replicates> ordered = new LinkedHashMap<>();
        ordered.put(ALL, all.stats);
        new TreeMap<>(merged).forEach((k, v) -> {
            if (!k.equals(ALL)) {
                ordered.put(k, v.stats);
            }
        });
        Paired paired = championColumn == null ? null : new Paired(all.stats,
                all.champion != null ? all.champion : shape.full(), all.onlyCandidate, all.onlyChampion);
        return new Outcome(ordered, paired);
    }

    /**
     * The values of {@code column} that get a slice of their own: all of them, or past {@code limit} distinct values
     * the last {@code limit} in sorting order (for landing batches, whose ids sort by time, the newest).
     */
    private static Set<String> slices(Dataset<Row> predictions, String column, int limit) {
        List<Row> values = predictions.select(col(column).cast("string").as("value")).distinct()
                .orderBy(col("value").desc_nulls_last()).limit(limit + 1).collectAsList();
        Set<String> kept = new HashSet<>();
        for (Row r : values.subList(0, Math.min(limit, values.size()))) {
            kept.add(String.valueOf(r.get(0)));
        }
        if (values.size() > limit) {
            LOG.warn("evaluate: '{}' has more than {} values (evaluate.slice-limit): metrics by slice for the last {}"
                    + " in sorting order, the others together as {}={}", column, limit, limit, column, OTHER);
        }
        return kept;
    }

    private static PairFlatMapFunction<Iterator<Row>, String, Part> perPartition(Shape shape, Columns columns,
                                                                                 String sliceColumn,
                                                                                 Set<String> slices) {
        return rows -> {
            HashMap<String, Part> out = new HashMap<>();
            while (rows.hasNext()) {
                Row row = rows.next();
                long key = Replicates.key(row.getString(columns.id));
                int label = row.getInt(columns.label);
                double[] p = probabilities(row, columns.probabilities);
                double[] q = columns.champion < 0 ? null : probabilities(row, columns.champion);
                out.computeIfAbsent(ALL, k -> shape.all()).add(key, label, p, q);
                if (columns.slice >= 0) {
                    String value = String.valueOf(row.get(columns.slice));
                    String slice = sliceColumn + "=" + (slices.contains(value) ? value : OTHER);
                    out.computeIfAbsent(slice, k -> shape.slice()).add(key, label, p, null);
                }
            }
            return out.entrySet().stream().map(e -> new Tuple2<>(e.getKey(), e.getValue())).iterator();
        };
    }

    /** The probabilities column of a row Spark made (a Scala Seq) or one made in Java (a List). */
    static double[] probabilities(Row row, int at) {
        List<?> list = row.get(at) instanceof List<?> javaList ? javaList : row.getList(at);
        double[] p = new double[list.size()];
        for (int k = 0; k < p.length; k++) {
            p[k] = ((Number) list.get(k)).doubleValue();
        }
        return p;
    }

    /** Where the columns are in a row; -1 for one not asked for. */
    private record Columns(int id, int label, int probabilities, int slice, int champion) implements Serializable {

        static Columns of(Dataset<Row> predictions, String sliceColumn, String championColumn) {
            var schema = predictions.schema();
            return new Columns(schema.fieldIndex("id"), schema.fieldIndex("label"),
                    schema.fieldIndex(Predictor.PROBABILITIES),
                    sliceColumn == null ? -1 : schema.fieldIndex(sliceColumn),
                    championColumn == null ? -1 : schema.fieldIndex(championColumn));
        }
    }

    /** The shape of every statistics object; a class, not a record: Kryo, which ships it with each slice, can't. */
    private static final class Shape implements Serializable {
        private static final long serialVersionUID = 1L;

        private final int classes;
        private final int bins;
        private final int replicates;
        private final long seed;

        Shape(int classes, int bins, int replicates, long seed) {
            this.classes = classes;
            this.bins = bins;
            this.replicates = replicates;
            this.seed = seed;
        }

        Part all() {
            return new Part(this, full());
        }

        Part slice() {
            return new Part(this, Replicates.withoutAucIntervals(classes, bins, replicates, seed));
        }

        /** With ROC AUC's histograms in every replicate: all rows', and the champion's. */
        Replicates full() {
            return new Replicates(classes, bins, replicates, seed);
        }
    }

    /** One slice's statistics: mutable sums, so a class rather than a record. */
    private static final class Part implements Serializable {
        private static final long serialVersionUID = 1L;

        private final Shape shape;
        private final Replicates stats;
        private Replicates champion;
        private long onlyCandidate;
        private long onlyChampion;

        Part(Shape shape, Replicates stats) {
            this.shape = shape;
            this.stats = stats;
        }

        /** One row, with its champion's probabilities {@code q} or null. */
        void add(long key, int label, double[] p, double[] q) {
            stats.add(key, label, p);
            if (q == null) {
                return;
            }
            if (champion == null) {
                champion = shape.full();
            }
            champion.add(key, label, q);
            boolean right = ScoreStats.argmax(p) == label;
            boolean theirsRight = ScoreStats.argmax(q) == label;
            onlyCandidate += right && !theirsRight ? 1 : 0;
            onlyChampion += theirsRight && !right ? 1 : 0;
        }

        Part merge(Part o) {
            stats.merge(o.stats);
            champion = champion == null ? o.champion : o.champion == null ? champion : champion.merge(o.champion);
            onlyCandidate += o.onlyCandidate;
            onlyChampion += o.onlyChampion;
            return this;
        }
    }
}
