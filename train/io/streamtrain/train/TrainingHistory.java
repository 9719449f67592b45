package io.streamtrain.train;

import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.ParquetTables;
import io.streamtrain.core.Warehouse;
import io.streamtrain.core.table.Table;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

import java.util.List;

import static org.apache.spark.sql.functions.max;

/**
 * One run's rows of the training_history table, written while the run trains so that {@code sql} shows it.
 *
 * <p>Epochs are appended as they finish, each in files of their own, and no file is ever replaced: a reader that
 * lists the table while training runs (Spark SQL, DuckDB, a dashboard) always opens files that are still there. A
 * resumed run appends after the epochs its checkpoint holds; a fresh run of the same run id starts from an empty
 * partition.
 */
final class TrainingHistory {

    private final SparkSession spark;
    private final Warehouse warehouse;
    private final String runId;
    private int written;

    private TrainingHistory(SparkSession spark, Warehouse warehouse, String runId, int written) {
        this.spark = spark;
        this.warehouse = warehouse;
        this.runId = runId;
        this.written = written;
    }

    /**
     * The run's history, ready to take epochs after {@code kept} (the epochs a resumed run's checkpoint holds, empty
     * for a fresh run). Rows beyond them, of a fresh run's predecessor or of epochs whose checkpoint was lost, go.
     */
    static TrainingHistory begin(SparkSession spark, HadoopFiles files, Warehouse warehouse, String runId,
                                 List<EpochStats> kept) {
        String partition = warehouse.table(Table.TRAINING_HISTORY) + "/" + Table.TRAINING_HISTORY.partitioning().get(0)
                + "=" + runId;
        int stored = files.exists(partition) ? storedEpochs(spark, partition) : 0;
        if (stored > kept.size()) {
            files.deleteRecursively(partition);
            stored = 0;
        }
        TrainingHistory history = new TrainingHistory(spark, warehouse, runId, stored);
        history.record(kept);
        return history;
    }

    /** Appends the epochs of {@code history} not yet in the table. */
    void record(List<EpochStats> history) {
        if (history.size() <= written) {
            return;
        }
        List<Row> rows = history.subList(written, history.size()).stream()
                .map(h -> RowFactory.create(h.epoch(), h.loss(), h.validationAccuracy(), h.validationF1(),
                        h.samples(), h.seconds(), h.samplesPerSec(), runId))
                .toList();
        ParquetTables.appendRows(spark, rows, warehouse, Table.TRAINING_HISTORY);
        written = history.size();
    }

    private static int storedEpochs(SparkSession spark, String partition) {
        Row last = spark.read().parquet(partition).agg(max("epoch")).first();
        return last.isNullAt(0) ? 0 : last.getInt(0);
    }
}
