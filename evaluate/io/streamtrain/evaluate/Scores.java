package io.streamtrain.evaluate;

import io.streamtrain.core.InOrder;
import io.streamtrain.core.metrics.Replicates;
import io.streamtrain.model.Predictor;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;


/**
 * Predictions to metric statistics, on the executors: each partition adds its rows to a {@link Replicates} (and, for
 * the gate, to a pair of them), and the driver merges one object per partition. No prediction is collected.
 */
public final class Scores {

    /** The slice that holds every row. */
    public static final String ALL = "all";

    private Scores() {
    }

    /**
     * The bootstrap statistics of every row ({@link #ALL}) and, when {@code sliceColumn} is not null, of the rows of
     * each value of it, keyed {@code column=value}, in that order.
     *
     * @param predictions rows with {@code id}, {@code label} and {@code probabilities}
     */
    public static Map<String, Replicates> bySlice(Dataset<Row> predictions, int classes, EvaluateSettings settings,
                                                  String sliceColumn) {
        int id = predictions.schema().fieldIndex("id");
        int label = predictions.schema().fieldIndex("label");
        int probabilities = predictions.schema().fieldIndex(Predictor.PROBABILITIES);
        int slice = sliceColumn == null ? -1 : predictions.schema().fieldIndex(sliceColumn);
        int bins = settings.calibrationBins();
        int replicates = settings.replicates();
        long seed = settings.seed();
        FlatMapFunction<Iterator<Row>, HashMap<String, Replicates>> perPartition = rows -> {
            HashMap<String, Replicates> out = new HashMap<>();
            while (rows.hasNext()) {
                Row row = rows.next();
                long key = Replicates.key(row.getString(id));
                double[] p = probabilities(row, probabilities);
                out.computeIfAbsent(ALL, k -> new Replicates(classes, bins, replicates, seed))
                        .add(key, row.getInt(label), p);
                if (slice >= 0) {
                    out.computeIfAbsent(sliceColumn + "=" + row.get(slice),
                            k -> new Replicates(classes, bins, replicates, seed)).add(key, row.getInt(label), p);
                }
            }
            return List.of(out).iterator();
        };
        Map<String, Replicates> merged = InOrder.reduce(predictions.toJavaRDD().mapPartitions(perPartition),
                Scores::merge);
        Map<String, Replicates> ordered = new LinkedHashMap<>();
        ordered.put(ALL, merged.getOrDefault(ALL, new Replicates(classes, bins, replicates, seed)));
        new TreeMap<>(merged).forEach((k, v) -> {
            if (!k.equals(ALL)) {
                ordered.put(k, v);
            }
        });
        return ordered;
    }

    private static HashMap<String, Replicates> merge(HashMap<String, Replicates> a, HashMap<String, Replicates> b) {
        b.forEach((k, v) -> a.merge(k, v, Replicates::merge));
        return a;
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

    /**
     * Candidate and champion scored on the same rows ({@link TestPass}): both bootstraps (drawn with the same seed, so
     * replicate r weights each row alike in both: a paired bootstrap) and the discordant pairs of McNemar's test:
     * {@code onlyCandidate} rows the candidate classified correctly and the champion did not, {@code onlyChampion} the
     * reverse.
     */
    public record Paired(Replicates candidate, Replicates champion, long onlyCandidate, long onlyChampion) {
    }
}
