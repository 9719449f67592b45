package io.streamtrain.core;

import io.streamtrain.core.table.Table;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Rows of the {@code freshness} table, and a buffer that writes them: a scorer adds one row per micro-batch, the
 * continuous loop one per cycle and a staleness row every 10 s, and {@link #flush} appends what has gathered in one
 * small file, so the table grows by a file per flush rather than per micro-batch.
 */
public final class Freshness {

    private final List<Row> pending = new ArrayList<>();
    /** Held while a flush writes; {@link #add} does not wait for it. */
    private final Object writing = new Object();

    /** The champion's staleness: how old the newest event it trained on is, at {@code now}. */
    public static Row staleness(Instant now, String model, Instant trainedThrough) {
        Double staleness = trainedThrough == null ? null : (now.toEpochMilli() - trainedThrough.toEpochMilli()) / 1e3;
        return row(now, model, trainedThrough == null ? null : Timestamp.from(trainedThrough), staleness, null, null,
                null, null, null, null, null, null, null, null, "staleness");
    }

    /** A scoring micro-batch: {@code records} scored by {@code model}, and their event-to-score latencies. */
    public static Row scoring(Instant now, String model, String runId, long records, double p50, double p95,
                              double max) {
        return row(now, model, null, null, runId, records, p50, p95, max, null, null, null, null, null, "scoring");
    }

    /** A retraining cycle: its candidate, outcome, and the seconds of each phase (null for a phase that did not run). */
    public static Row cycle(Instant now, String model, String runId, long records, String outcome, Double preprocess,
                            Double train, Double evaluate, double total) {
        return row(now, model, null, null, runId, records, null, null, null, outcome, preprocess, train, evaluate,
                total, "cycle");
    }

    private static Row row(Object... values) {
        values[0] = Timestamp.from((Instant) values[0]);
        return RowFactory.create(values);
    }

    /** Keeps {@code row} for the next flush. */
    public synchronized void add(Row row) {
        pending.add(row);
    }

    /**
     * Appends the rows gathered since the last flush, if any, to the warehouse's {@code freshness} table. One flush
     * at a time: two jobs appending to one folder share its {@code _temporary} folder, and the first to commit
     * removes the other's files (found by {@code ContinuousIT}: a micro-batch's rows went missing).
     */
    public void flush(SparkSession spark, Warehouse warehouse) {
        synchronized (writing) {
            List<Row> rows;
            synchronized (this) {
                if (pending.isEmpty()) {
                    return;
                }
                rows = new ArrayList<>(pending);
                pending.clear();
            }
            ParquetTables.appendRows(spark, rows, warehouse, Table.FRESHNESS);
        }
    }
}
