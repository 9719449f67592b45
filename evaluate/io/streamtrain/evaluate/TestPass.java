package io.streamtrain.evaluate;

import io.streamtrain.core.metrics.ScoreStats;
import io.streamtrain.core.table.CompactFeatures;
import io.streamtrain.core.table.TableSchemas;
import io.streamtrain.model.Minibatches;
import io.streamtrain.model.Predictor;
import io.streamtrain.model.Scaler;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.TaskCompletionListener;

import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Consumer;

import static org.apache.spark.sql.functions.col;

/**
 * The test rows read, scaled and scored in one pass, which is also the pass that writes the predictions: each task
 * decodes its curated rows straight into minibatches, scales them with each model's own scaler, scores them with the
 * candidate (and the champion, for the gate) and hands on one scored row per test row. The scored rows are cached as
 * they are written, and {@link Scores} then sums them into bootstrap statistics from the cache, merging slice by
 * slice on the executors: no row is scored twice, no prediction is collected, and what reaches the driver does not
 * grow with the rows.
 */
final class TestPass {

    /**
     * Rows per forward pass. Larger than training's minibatches: each forward pass has a fixed cost, and inference
     * gives every row the same output whatever rows share its pass.
     */
    static final int SCORING_BATCH = 512;
    /** The champion's probabilities of a row, in the cached rows only. */
    static final String CHAMPION = "champion_probabilities";

    /** A model as the pass applies it: its network and the scaler it was trained with. */
    record Model(Predictor predictor, Scaler scaler) implements Serializable {
    }

    private final Dataset<Row> scored;
    private final int classes;
    private final EvaluateSettings settings;
    private final String sliceColumn;
    private final boolean paired;

    private TestPass(Dataset<Row> scored, int classes, EvaluateSettings settings, String sliceColumn,
                     boolean paired) {
        this.scored = scored;
        this.classes = classes;
        this.settings = settings;
        this.sliceColumn = sliceColumn;
        this.paired = paired;
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
        StructType schema = TableSchemas.SCORED_TEST_ROWS;
        if (sliceColumn != null) {
            columns.add(sliceColumn);
            schema = schema.add(test.schema().apply(sliceColumn));
        }
        if (champion != null) {
            schema = schema.add(CHAMPION, DataTypes.createArrayType(DataTypes.DoubleType, false), false);
        }
        JavaRDD<Row> source = test.select(columns.stream().map(c -> col(c)).toArray(Column[]::new)).toJavaRDD();
        if (source.getNumPartitions() < minPartitions) {
            // An RDD's repartition stays lazy: the shuffle runs in the job that consumes the predictions.
            source = source.repartition(minPartitions);
        }
        boolean sliced = sliceColumn != null;
        JavaRDD<Row> scored = source.mapPartitions(rows -> new Scoring(rows, candidate, champion, sliced), false);
        return new TestPass(spark.createDataFrame(scored, schema).persist(StorageLevel.MEMORY_AND_DISK()), classes,
                settings, sliceColumn, champion != null);
    }

    /**
     * Runs the pass: {@code sink} consumes the predictions (one row per test row: id, label, predicted class and class
     * probabilities of the candidate) with an action that reads every row, such as a write; then the statistics are
     * summed from the rows it cached.
     */
    Scores.Outcome run(Consumer<Dataset<Row>> sink) {
        try {
            sink.accept(scored.select(Arrays.stream(TableSchemas.SCORED_TEST_ROWS.fieldNames()).map(c -> col(c))
                    .toArray(Column[]::new)));
            return Scores.of(scored, classes, settings, sliceColumn, paired ? CHAMPION : null);
        } finally {
            scored.unpersist();
        }
    }

    /**
     * One task's rows, scored a minibatch at a time as Spark asks for them; the networks are built at the first row
     * and freed at the last (or when the task ends early), and the statistics are handed back then.
     */
    private static final class Scoring implements Iterator<Row> {
        private final Iterator<Row> rows;
        private final Model candidate;
        private final Model champion;
        private final boolean sliced;
        private final ArrayDeque<Row> out = new ArrayDeque<>();
        private Predictor.Network mine;
        private Predictor.Network theirs;

        Scoring(Iterator<Row> rows, Model candidate, Model champion, boolean sliced) {
            this.rows = rows;
            this.candidate = candidate;
            this.champion = champion;
            this.sliced = sliced;
        }

        @Override
        public boolean hasNext() {
            while (out.isEmpty() && rows.hasNext()) {
                scoreBatch();
            }
            if (out.isEmpty()) {
                close();
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
                List<Object> values = new ArrayList<>(List.of(row.getString(0), row.getInt(1),
                        ScoreStats.argmax(p[r]), Predictor.column(p[r])));
                if (sliced) {
                    values.add(row.get(4));
                }
                if (q != null) {
                    values.add(Predictor.column(q[r]));
                }
                out.add(RowFactory.create(values.toArray()));
            }
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
