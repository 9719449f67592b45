package io.streamtrain.evaluate;

import io.streamtrain.core.table.TableSchemas;
import io.streamtrain.core.PartitionResults;
import io.streamtrain.core.metrics.Replicates;
import io.streamtrain.core.metrics.ScoreStats;
import io.streamtrain.core.table.CompactFeatures;
import io.streamtrain.model.Scaler;
import io.streamtrain.model.Minibatches;
import io.streamtrain.model.Predictor;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.TaskCompletionListener;

import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Consumer;

import static org.apache.spark.sql.functions.col;

/**
 * The test rows read, scaled, scored and summarised in one pass, which is also the pass that writes the predictions:
 * each task decodes its curated rows straight into minibatches, scales them with each model's own scaler, scores them
 * with the candidate (and the champion, for the gate), adds them to its bootstrap statistics, and hands on one
 * prediction row per test row. The statistics go back to the driver with the task's result ({@link PartitionResults});
 * no prediction is collected and no row is read twice.
 */
final class TestPass {

    /**
     * Rows per forward pass. Larger than training's minibatches: each forward pass has a fixed cost, and inference
     * gives every row the same output whatever rows share its pass.
     */
    static final int SCORING_BATCH = 512;

    /** A model as the pass applies it: its network and the scaler it was trained with. */
    record Model(Predictor predictor, Scaler scaler) implements Serializable {
    }

    /** What the pass found: the statistics by slice and, with a champion, the paired statistics. */
    record Outcome(Map<String, Replicates> bySlice, Scores.Paired paired) {
    }

    private final PartitionResults<Part> results;
    private final Dataset<Row> predictions;
    private final int partitions;
    private final Shape shape;

    private TestPass(PartitionResults<Part> results, Dataset<Row> predictions, int partitions, Shape shape) {
        this.results = results;
        this.predictions = predictions;
        this.partitions = partitions;
        this.shape = shape;
    }

    /**
     * The pass over {@code test} (curated rows: id, label and the compact feature columns), not started yet:
     * {@link #run} runs it.
     *
     * @param champion    the model to pair with, or null
     * @param sliceColumn the column to slice the metrics by, or null
     * @param minPartitions fewer input partitions than this are spread over this many first (a shuffle of compact
     *                      rows), so that every core scores
     */
    static TestPass of(SparkSession spark, Dataset<Row> test, Model candidate, Model champion,
                       EvaluateSettings settings, String sliceColumn, int classes, int minPartitions) {
        List<String> columns = new ArrayList<>(List.of("id", "label", CompactFeatures.U8, CompactFeatures.F32));
        if (sliceColumn != null) {
            columns.add(sliceColumn);
        }
        JavaRDD<Row> source = test.select(columns.stream().map(c -> col(c)).toArray(Column[]::new)).toJavaRDD();
        if (source.getNumPartitions() < minPartitions) {
            // An RDD's repartition stays lazy: the shuffle runs in the job that consumes the predictions.
            source = source.repartition(minPartitions);
        }
        Shape shape = new Shape(classes, settings.calibrationBins(), settings.replicates(), settings.seed(),
                sliceColumn);
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        PartitionResults<Part> results = PartitionResults.register(sc, Part::merge);
        Function2<Integer, Iterator<Row>, Iterator<Row>> score = (index, it) ->
                new Scoring(index, it, candidate, champion, shape, results);
        JavaRDD<Row> scored = source.mapPartitionsWithIndex(score, false);
        return new TestPass(results, spark.createDataFrame(scored, TableSchemas.SCORED_TEST_ROWS), scored.getNumPartitions(), shape);
    }

    /**
     * Runs the pass: {@code sink} consumes the predictions (one row per test row: id, label, predicted class and class
     * probabilities of the candidate) with an action that reads every row, such as a write; then the statistics of
     * every partition are in.
     */
    Outcome run(Consumer<Dataset<Row>> sink) {
        sink.accept(predictions);
        // Null when there was no partition at all.
        Part merged = Objects.requireNonNullElseGet(results.merged(partitions), Part::new);
        Map<String, Replicates> ordered = new LinkedHashMap<>();
        // No test row at all: empty statistics, which the caller refuses.
        ordered.put(Scores.ALL, merged.bySlice.containsKey(Scores.ALL) ? merged.bySlice.get(Scores.ALL)
                : shape.replicates());
        new TreeMap<>(merged.bySlice).forEach((k, v) -> {
            if (!k.equals(Scores.ALL)) {
                ordered.put(k, v);
            }
        });
        Scores.Paired paired = merged.champion == null ? null : new Scores.Paired(ordered.get(Scores.ALL),
                merged.champion, merged.onlyCandidate, merged.onlyChampion);
        return new Outcome(ordered, paired);
    }

    /** The shape of every partition's statistics. */
    private record Shape(int classes, int bins, int resamples, long seed, String sliceColumn)
            implements Serializable {

        Replicates replicates() {
            return new Replicates(classes, bins, resamples, seed);
        }
    }

    /** One partition's statistics: mutable sums, so a class rather than a record. */
    static final class Part implements Serializable {
        private static final long serialVersionUID = 1L;

        private final HashMap<String, Replicates> bySlice = new HashMap<>();
        private Replicates champion;
        private long onlyCandidate;
        private long onlyChampion;

        Part merge(Part o) {
            o.bySlice.forEach((k, v) -> bySlice.merge(k, v, Replicates::merge));
            champion = champion == null ? o.champion : o.champion == null ? champion : champion.merge(o.champion);
            onlyCandidate += o.onlyCandidate;
            onlyChampion += o.onlyChampion;
            return this;
        }
    }

    /**
     * One task's rows, scored a minibatch at a time as Spark asks for them; the networks are built at the first row
     * and freed at the last (or when the task ends early), and the statistics are handed back then.
     */
    private static final class Scoring implements Iterator<Row> {
        private final int index;
        private final Iterator<Row> rows;
        private final Model candidate;
        private final Model champion;
        private final Shape shape;
        private final PartitionResults<Part> results;
        private final Part part = new Part();
        private final ArrayDeque<Row> out = new ArrayDeque<>();
        private Predictor.Network mine;
        private Predictor.Network theirs;
        private boolean done;

        Scoring(int index, Iterator<Row> rows, Model candidate, Model champion, Shape shape,
                PartitionResults<Part> results) {
            this.index = index;
            this.rows = rows;
            this.candidate = candidate;
            this.champion = champion;
            this.shape = shape;
            this.results = results;
        }

        @Override
        public boolean hasNext() {
            while (out.isEmpty() && rows.hasNext()) {
                scoreBatch();
            }
            if (out.isEmpty() && !done) {
                done = true;
                close();
                results.put(index, part);
            }
            return !out.isEmpty();
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return out.poll();
        }

        private void scoreBatch() {
            if (mine == null) {
                TaskContext task = TaskContext.get();
                if (task != null) {
                    // First: whatever is opened below is freed even if the task fails half-way.
                    task.addTaskCompletionListener((TaskCompletionListener) context -> close());
                }
                mine = candidate.predictor().open();
                theirs = champion == null ? null : champion.predictor().open();
            }
            List<Row> batch = new ArrayList<>(SCORING_BATCH);
            while (batch.size() < SCORING_BATCH && rows.hasNext()) {
                batch.add(rows.next());
            }
            double[][] p = mine.probabilities(Minibatches.scaled(batch, 2, 3, candidate.scaler()), batch.size());
            double[][] q = theirs == null ? null
                    : theirs.probabilities(Minibatches.scaled(batch, 2, 3, champion.scaler()),
                    batch.size());
            for (int r = 0; r < batch.size(); r++) {
                Row row = batch.get(r);
                String id = row.getString(0);
                int label = row.getInt(1);
                long key = Replicates.key(id);
                add(Scores.ALL, key, label, p[r]);
                if (shape.sliceColumn() != null) {
                    add(shape.sliceColumn() + "=" + row.get(4), key, label, p[r]);
                }
                int predicted = ScoreStats.argmax(p[r]);
                if (q != null) {
                    if (part.champion == null) {
                        part.champion = shape.replicates();
                    }
                    part.champion.add(key, label, q[r]);
                    boolean right = predicted == label;
                    boolean theirsRight = ScoreStats.argmax(q[r]) == label;
                    part.onlyCandidate += right && !theirsRight ? 1 : 0;
                    part.onlyChampion += theirsRight && !right ? 1 : 0;
                }
                out.add(RowFactory.create(id, label, predicted, Predictor.column(p[r])));
            }
        }

        private void add(String slice, long key, int label, double[] p) {
            part.bySlice.computeIfAbsent(slice, k -> shape.replicates()).add(key, label, p);
        }

        private void close() {
            if (mine != null) {
                mine.close();
                mine = null;
            }
            if (theirs != null) {
                theirs.close();
                theirs = null;
            }
        }
    }
}
