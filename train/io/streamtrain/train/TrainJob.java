package io.streamtrain.train;

import io.streamtrain.core.table.CuratedTable;
import io.streamtrain.model.Lineage;
import io.streamtrain.model.Minibatches;
import io.streamtrain.model.ModelBundle;
import io.streamtrain.core.ConfigException;
import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.Phases;
import io.streamtrain.core.RecordSchema;
import io.streamtrain.core.Sessions;
import io.streamtrain.core.Sizing;
import io.streamtrain.core.stage.StagePlan;
import io.streamtrain.core.table.Table;
import io.streamtrain.core.UserException;
import io.streamtrain.core.Warehouse;
import io.streamtrain.core.table.IngestTables;
import io.streamtrain.model.Scaler;
import io.streamtrain.core.table.Split;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.exception.DL4JInvalidConfigException;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.not;

/** Trains on the curated training split and saves a model bundle. */
public final class TrainJob {

    private static final Logger LOG = LoggerFactory.getLogger(TrainJob.class);
    private static final int VALIDATION_BATCH = 256;


    private TrainJob() {
    }

    /**
     * How a run begins: from scratch, from its own last checkpoint, or from another run's model.
     *
     * @param replayRatio a warm start also trains on a uniform sample of the rows its base model has seen, about this
     *                    many for every new row, so that it keeps what it knew (0: new rows only); its validation
     *                    rows are the new ones and a sample of the rest at the same ratio
     * @param rateFactor  a warm start fine-tunes at this share of the configured learning rate (1: the same rate)
     */
    public record Start(boolean resume, String warmStartFrom, double replayRatio, double rateFactor) {
        public static final Start FRESH = new Start(false, null);

        public Start {
            if (resume && warmStartFrom != null) {
                throw new ConfigException("--warm-start", warmStartFrom,
                        "cannot be combined with --resume: resume continues a run, warm start begins a new one");
            }
            if (!(replayRatio >= 0)) {
                throw new IllegalArgumentException("replay ratio " + replayRatio + " is not 0 or more");
            }
            if (!(rateFactor > 0)) {
                throw new IllegalArgumentException("learning-rate factor " + rateFactor + " is not above 0");
            }
        }

        /** A start at the configured learning rate. */
        public Start(boolean resume, String warmStartFrom, double replayRatio) {
            this(resume, warmStartFrom, replayRatio, 1);
        }

        /** A start that trains on new rows only. */
        public Start(boolean resume, String warmStartFrom) {
            this(resume, warmStartFrom, 0);
        }
    }

    /**
     * Checks, without side effects, that train can run: the curated table exists (or preprocess runs first), a
     * resumed run has a checkpoint, a warm start's base model exists, and a gradient-sharing controller can be reached
     * by the executors of {@code master}.
     *
     * @param curatedComing whether preprocess runs before it in the same pipeline
     */
    public static StagePlan plan(HadoopFiles files, TrainSettings settings, RecordSchema schema, Warehouse warehouse,
                                 String runId, Start start, boolean curatedComing, String master) {
        try {
            Models.build(settings, schema.featureCount(), schema.classCount());
        } catch (DL4JInvalidConfigException | IllegalArgumentException e) {
            throw new UserException("DL4J cannot build the configured network (train.model " + settings.architecture()
                    .describe() + "): " + e.getMessage() + "; change the train.* settings it names");
        }
        String curated = warehouse.table(Table.CURATED);
        if (!curatedComing) {
            CuratedTable.require(files, warehouse);
        }
        String checkpoint = Checkpoints.dir(warehouse, runId);
        if (start.resume() && !new Checkpoints(files, checkpoint).exists()) {
            throw new UserException("No checkpoint of run " + runId + " under " + checkpoint
                    + ": check --run-id, or run train without --resume");
        }
        List<String> reads = new ArrayList<>(List.of(curated));
        if (start.warmStartFrom() != null) {
            reads.add(ModelBundle.requireUsable(files, warehouse, start.warmStartFrom(), schema.featureCount(),
                    schema.classCount()));
        }
        if (settings.horizontalFlip()) {
            // The flip rescales mirrored pixels with the scaler: its size must be the image's.
            HorizontalFlip.of(settings.architecture(), Scaler.identity(schema.featureCount()));
        }
        if (settings.distribution().master() == Distribution.Master.SHARING) {
            GradientSharing.checkController(settings, Sessions.isLocal(master));
        }
        return new StagePlan("train", reads, List.of(warehouse.model(runId), warehouse.latestModelPointer(),
                warehouse.table(Table.TRAINING_HISTORY)));
    }

    /**
     * @param start fresh, {@code --resume} (continue run {@code runId} from its last checkpoint) or
     *              {@code --warm-start MODEL} (fine-tune model MODEL on the landing batches it has not seen)
     */
    public static TrainResult run(SparkSession spark, TrainSettings settings, RecordSchema schema, Warehouse warehouse,
                                  String runId, Start start, String effectiveConfig, Sizing sizing) {
        HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
        Checkpoints checkpoints = new Checkpoints(files, Checkpoints.dir(warehouse, runId));
        Origin origin = origin(files, warehouse, runId, start, checkpoints);
        if (finishedBefore(files, warehouse, runId, settings, origin)) {
            List<EpochStats> history = origin.resumed().state().history();
            return new TrainResult(runId, history.isEmpty() ? 0 : history.get(0).samples(), history);
        }
        Phases phases = new Phases(System.nanoTime());
        Scaler scaler = scaler(files, warehouse, schema, origin);
        Dataset<Row> curatedTrain = CuratedTable.split(spark, warehouse, Split.TRAIN);
        double replay = replayShare(origin, curatedTrain, start.replayRatio());
        Dataset<Row> train = origin.pin(withReplay(origin, curatedTrain, replay, settings.seed()));
        phases.lap("rows and replay sample");
        // One small aggregation gives the lineage and the row count together.
        Lineage lineage = Lineage.of(train, warehouse.table(Table.LANDING), origin.baseLineage(), origin.parent(),
                spark.sparkContext().hadoopConfiguration());
        phases.lap("lineage");
        long trainRows = lineage.trainRows();
        if (trainRows == 0) {
            return nothingToTrain(warehouse, origin.base());
        }
        SparkTrainer trainer = new SparkTrainer(JavaSparkContext.fromSparkContext(spark.sparkContext()), settings,
                settings.horizontalFlip() ? HorizontalFlip.of(settings.architecture(), scaler) : null);
        long rowBytes = Sizing.rowBytes(schema.featureCount());
        // Balancing touches the training rows only: validation below, and evaluate's test split, keep their classes.
        Map<Integer, Long> classCounts = settings.balance() == Balance.NONE ? Map.of() : classCounts(train);
        Dataset<Row> balanced = settings.balance().resample(train, classCounts, settings.seed());
        long fitRows = settings.balance().expectedRows(classCounts, trainRows);
        // Averaging rounds want at most averaging-frequency minibatches a partition; the size bound may want more.
        int partitions = Math.max(trainer.partitionsFor(fitRows), roundUp(sizing.partitionsFor(fitRows * rowBytes,
                1), trainer.workers()));
        JavaRDD<DataSet> minibatches = Minibatches.of(balanced, scaler, settings.batchSize(), schema.classCount(),
                partitions, settings.seed(), settings.architecture().timeSteps());
        Dataset<Row> validationRows = validationRows(spark, warehouse, origin, start, replay, settings.seed());
        long validationCount = validationRows.count();
        JavaRDD<DataSet> validation = validation(validationRows, validationCount, scaler, settings, schema, sizing,
                trainer.workers());
        if (validation != null) {
            lineage = lineage.withSplitRows(Split.VALIDATION, validationCount);
        }
        phases.lap("validation rows");
        LOG.info("train: run {} ready to train on {} rows after {}", runId, trainRows, phases);
        MultiLayerNetwork network = origin.resumed() != null ? origin.resumed().network()
                : origin.base() != null ? trainer.fineTuning(origin.base().network(), start.rateFactor())
                : newNetwork(trainer, settings, schema, scaler, classCounts);
        TrainingState state = origin.resumed() != null ? origin.resumed().state()
                : begin(checkpoints, lineage, scaler, origin.base(), trainRows);
        // After every epoch: the checkpoint, then the epoch's history row, so that sql shows a training while it runs.
        TrainingHistory written = TrainingHistory.begin(spark, files, warehouse, runId, state.history());
        List<EpochStats> history = trainer.fit(network, minibatches, validation, state, (net, reached) -> {
            checkpoints.save(net, reached);
            written.record(reached.history());
        }).history();

        written.record(history);
        new ModelBundle(runId, network, scaler).save(files, warehouse, effectiveConfig, lineage);
        long examples = history.isEmpty() ? 0 : history.get(0).samples();
        return new TrainResult(runId, examples, history);
    }

    /**
     * The rows that pick the epoch: every validation row, or with replay the same mix as training (the new ones and the
     * training rows' share {@code replay} of the rest), since every validation row the warehouse ever curated grows
     * with it.
     */
    private static Dataset<Row> validationRows(SparkSession spark, Warehouse warehouse, Origin origin, Start start,
                                               double replay, long seed) {
        Dataset<Row> curated = CuratedTable.split(spark, warehouse, Split.VALIDATION);
        return origin.pin(start.replayRatio() == 0 ? curated : withReplay(origin, curated, replay, seed));
    }

    /** The validation rows' minibatches, or null when there are none. */
    private static JavaRDD<DataSet> validation(Dataset<Row> rows, long count, Scaler scaler, TrainSettings settings,
                                               RecordSchema schema, Sizing sizing, int workers) {
        return count == 0 ? null : Minibatches.of(rows, scaler, VALIDATION_BATCH, schema.classCount(),
                sizing.partitionsFor(count * Sizing.rowBytes(schema.featureCount()), workers), 0L,
                settings.architecture().timeSteps());
    }

    /**
     * A resumed run whose training ended and whose bundle is complete: a retry after success, or a scheduler's clear
     * of an earlier date. It changes nothing (saving again would move {@code models/latest} back to it).
     */
    private static boolean finishedBefore(HadoopFiles files, Warehouse warehouse, String runId, TrainSettings settings,
                                          Origin origin) {
        if (origin.resumed() == null) {
            return false;
        }
        TrainingState state = origin.resumed().state();
        boolean ended = state.completedEpochs() >= settings.epochs()
                || state.exhausted(settings.earlyStoppingPatience());
        if (ended && ModelBundle.complete(files, warehouse, runId)) {
            LOG.info("train: run {} finished before and its bundle is complete; nothing to do", runId);
            return true;
        }
        return false;
    }

    /**
     * Where a run starts: its own last checkpoint ({@code --resume}), another run's model ({@code --warm-start}), or
     * nothing; with the parent model's name and lineage, and the landing batches a resumed run pinned.
     */
    private record Origin(Checkpoints.Resumed resumed, ModelBundle base, String parent, Lineage baseLineage,
                          Object[] pinned) {

        /** A warm start fine-tunes on the landing batches its base model has not seen. */
        Dataset<Row> unseen(Dataset<Row> rows) {
            return baseLineage == null ? rows : rows.where(not(seenBefore()));
        }

        /** Whether a row is of a landing batch the base model trained on; a warm start's only. */
        Column seenBefore() {
            return col(IngestTables.BATCH).isin(baseLineage.landingBatches().toArray());
        }

        /** A resumed run keeps to the landing batches it began with, though more have landed since. */
        Dataset<Row> pin(Dataset<Row> rows) {
            return pinned == null ? rows : rows.where(col(IngestTables.BATCH).isin(pinned));
        }
    }

    /**
     * The share of the training rows a warm start's base model has seen that it trains on again, about {@code ratio}
     * of them for every new row (fine-tuning on new data alone can forget the old); 0 with no base model, no ratio, or
     * no new or old rows. Validation is split from the same ids by the same hash, so it takes the same share.
     */
    private static double replayShare(Origin origin, Dataset<Row> train, double ratio) {
        if (ratio == 0 || origin.baseLineage() == null) {
            return 0;
        }
        // Both counts in one pass over the training rows.
        long freshRows = 0;
        long seenRows = 0;
        for (Row r : train.groupBy(origin.seenBefore().as("seen")).count().collectAsList()) {
            freshRows += r.getBoolean(0) ? 0 : r.getLong(1);
            seenRows += r.getBoolean(0) ? r.getLong(1) : 0;
        }
        if (freshRows == 0 || seenRows == 0) {
            return 0;
        }
        double share = Math.min(1.0, ratio * freshRows / seenRows);
        LOG.info("train: {} new rows, and a sample of about {} of the {} rows model {} has seen", freshRows,
                Math.round(share * seenRows), seenRows, origin.parent());
        return share;
    }

    /** The rows a warm start's base model has not seen, and a seeded uniform sample of {@code share} of those it has. */
    private static Dataset<Row> withReplay(Origin origin, Dataset<Row> rows, double share, long seed) {
        Dataset<Row> fresh = origin.unseen(rows);
        return share == 0 ? fresh : fresh.unionByName(rows.where(origin.seenBefore()).sample(false, share, seed));
    }

    /**
     * A warm start loads its base model; a resumed run has its network already and needs only the parent's name and
     * lineage, which its checkpoint pinned together with its own landing batches.
     */
    private static Origin origin(HadoopFiles files, Warehouse warehouse, String runId, Start start,
                                 Checkpoints checkpoints) {
        Checkpoints.Resumed resumed = !start.resume() ? null : checkpoints.load().orElseThrow(() ->
                new UserException("No checkpoint of run " + runId + " under " + warehouse.model(runId)
                        + "/checkpoint: run train without --resume"));
        ModelBundle base = start.warmStartFrom() == null ? null
                : ModelBundle.load(files, warehouse, start.warmStartFrom());
        String parent = resumed != null ? resumed.lineage().warmStartOf() : base == null ? null : base.runId();
        Lineage baseLineage = parent == null ? null : ModelBundle.lineage(files, warehouse, parent);
        Object[] pinned = resumed == null ? null : resumed.lineage().landingBatches().toArray();
        return new Origin(resumed, base, parent, baseLineage, pinned);
    }

    /**
     * The scaling travels with the model: a resumed run keeps the one it began with, a warm start its base model's,
     * and only a fresh run takes the curated table's current version.
     */
    private static Scaler scaler(HadoopFiles files, Warehouse warehouse, RecordSchema schema, Origin origin) {
        Scaler scaler = origin.resumed() != null ? origin.resumed().scaler()
                : origin.base() != null ? origin.base().scaler()
                : Scaler.current(files, warehouse).orElseThrow(() -> new UserException(
                        "The curated table at " + warehouse.table(Table.CURATED) + " has no scaler yet (no preprocess"
                                + " run has curated training rows): ingest and preprocess data with training rows"
                                + " first"));
        if (scaler.size() != schema.featureCount()) {
            throw new UserException("The scaler " + scaler.version() + " has " + scaler.size() + " features but"
                    + " schema.feature-count is " + schema.featureCount() + ": rebuild with preprocess --full");
        }
        return scaler;
    }

    /** No training rows: a warm start whose base model has seen every batch is done; otherwise the user must act. */
    private static TrainResult nothingToTrain(Warehouse warehouse, ModelBundle base) {
        if (base != null) {
            LOG.info("train: no curated training rows from landing batches model {} has not seen; nothing to do",
                    base.runId());
            return new TrainResult(base.runId(), 0, List.of());
        }
        throw new UserException("The curated training split at " + warehouse.table(Table.CURATED)
                + " is empty: ingest and preprocess data with training rows first");
    }

    /** A network of the configured architecture, weighting its loss by class when balancing asks for it. */
    private static MultiLayerNetwork newNetwork(SparkTrainer trainer, TrainSettings settings, RecordSchema schema,
                                                Scaler scaler, Map<Integer, Long> classCounts) {
        return trainer.newNetwork(scaler.size(), schema.classCount(), settings.balance() == Balance.CLASS_WEIGHTS
                ? Balance.weights(classCounts, schema.classCount()) : null);
    }

    /** A new run (fresh or warm start) records its lineage and scaler before its first epoch, for a later --resume. */
    private static TrainingState begin(Checkpoints checkpoints, Lineage lineage, Scaler scaler, ModelBundle base,
                                       long trainRows) {
        TrainingState state = TrainingState.start();
        checkpoints.begin(lineage, scaler);
        if (base != null) {
            LOG.info("train: fine-tuning model {} on {} rows of landing batches it has not seen", base.runId(),
                    trainRows);
        }
        return state;
    }

    /** Training rows per class index: one small aggregation. */
    private static Map<Integer, Long> classCounts(Dataset<Row> train) {
        Map<Integer, Long> counts = new TreeMap<>();
        for (Row r : train.groupBy("label").count().collectAsList()) {
            counts.put(r.getInt(0), r.getLong(1));
        }
        LOG.info("train: training rows per class {}", counts);
        return counts;
    }

    private static int roundUp(int n, int multiple) {
        return (n + multiple - 1) / multiple * multiple;
    }
}
