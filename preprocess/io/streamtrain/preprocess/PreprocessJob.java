package io.streamtrain.preprocess;

import io.streamtrain.core.table.PackedFeatures;
import io.streamtrain.core.metrics.FeatureStats;
import io.streamtrain.core.table.CuratedTable;
import io.streamtrain.core.table.Ledger;
import io.streamtrain.core.table.CompactFeatures;
import io.streamtrain.core.table.Split;
import io.streamtrain.model.Scaler;
import io.streamtrain.core.ConfigException;
import io.streamtrain.core.DataGateException;
import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.ParquetTables;
import io.streamtrain.core.Phases;
import io.streamtrain.core.RecordSchema;
import io.streamtrain.core.SchemaCheck;
import io.streamtrain.core.SessionSizing;
import io.streamtrain.core.Sizing;
import io.streamtrain.core.stage.StagePlan;
import io.streamtrain.core.table.Table;
import io.streamtrain.core.UserException;
import io.streamtrain.core.Warehouse;
import io.streamtrain.core.table.IngestTables;
import io.streamtrain.core.table.Reason;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

/**
 * Curates the landing batches the curated table does not hold yet: check, deduplicate within them and against every
 * id already curated, split by id, store the features unscaled and compact ({@link CompactFeatures}), append, fit the
 * next scaler version on the new training rows merged into the previous statistics, and commit the run in the
 * {@link Ledger}. A day's run costs what the day's data costs, not what all data ever received costs.
 *
 * <p>Re-running the latest run id replaces exactly its own rows, quarantine and scaler; {@code --full}
 * ({@code preprocess.full}) rebuilds the table from all of landing in one run, which gives the same rows as the sum
 * of the incremental runs.
 */
public final class PreprocessJob {

    private static final Logger LOG = LoggerFactory.getLogger(PreprocessJob.class);
    /** Versioned scalers beside the curated table: {@code _scalers/<version>.json}; {@code _} hides them from Spark. */

    private PreprocessJob() {
    }

    /**
     * Checks, without side effects, that preprocess can run: the landing table exists, or ingest runs before it.
     *
     * @param ingested whether ingest runs before it in the same pipeline
     */
    public static StagePlan plan(HadoopFiles files, Warehouse warehouse, boolean ingested, String runId,
                                 PreprocessSettings settings) {
        boolean full = settings.full();
        requireReference(files, settings.gate());
        String landing = warehouse.table(Table.LANDING);
        if (!ingested && !files.containsFile(landing, ".parquet")) {
            throw new UserException("No landing table at " + landing + ": run ingest first");
        }
        String curated = warehouse.table(Table.CURATED);
        return new StagePlan("preprocess", List.of(landing + (full ? " (every batch)" : " (batches not yet curated)"),
                curated + "/" + Ledger.FILE),
                List.of(curated + "/split=*/" + CuratedTable.RUN + "=" + runId, curated + "/" + CuratedTable.SCALERS + "/" + runId
                                + ".json", curated + "/" + Ledger.FILE,
                        warehouse.table(Table.QUARANTINE) + "/" + IngestTables.BATCH + "="
                                + Curation.QUARANTINE_BATCH_PREFIX + runId));
    }

    public static PreprocessResult run(SparkSession spark, PreprocessSettings settings, RecordSchema schema,
                                       Warehouse warehouse, Sizing sizing, String runId) {
        Phases phases = new Phases(System.nanoTime());
        HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
        Ledger ledger = ledger(files, warehouse, settings);
        if (ledger.settledEarlier(runId)) {
            Ledger.Run run = ledger.run(runId).orElseThrow();
            LOG.info("preprocess: run {} is committed ({}) and later runs built on it: nothing to do", runId,
                    run.batches());
            return PreprocessResult.committed(run, splitRows(spark, warehouse, run), ledger.waiting());
        }
        Map<String, List<String>> batchDirs = landingBatches(files, requireLanding(files, warehouse));
        phases.lap("ledger and landing's batches");
        return curateBatches(spark, files, settings, schema, warehouse, sizing, runId, ledger,
                batchesFor(ledger, runId, batchDirs.keySet()), batchDirs, true, phases);
    }

    /**
     * Carries out a user's decision on batches a gate set aside: records it in {@link Table#BATCH_DECISIONS}, then
     * curates accepted batches as run {@code runId}, past the gate, or drops the others for good.
     */
    public static PreprocessResult decide(SparkSession spark, PreprocessSettings settings, RecordSchema schema,
                                          Warehouse warehouse, Sizing sizing, String runId, BatchDecision decision) {
        HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
        Ledger ledger = ledger(files, warehouse, settings);
        boolean carriedOut = decision.kind() == BatchDecision.Kind.ACCEPT ? ledger.contains(runId)
                : ledger.dropped().containsAll(decision.batches());
        if (carriedOut) {
            // A retry of a decision that went through: the batches are curated by this run, or dropped.
            LOG.info("preprocess: {} of {} was carried out already; nothing to do", decision.kind().column(),
                    decision.batches());
            return PreprocessResult.nothing(runId, ledger.scalerVersion().orElse(null), ledger.waiting());
        }
        decision.requireWaiting(ledger.waiting());
        ParquetTables.overwriteRows(spark, decision.rows(runId, Timestamp.from(Instant.now())), warehouse,
                Table.BATCH_DECISIONS);
        if (decision.kind() == BatchDecision.Kind.DROP) {
            Ledger dropped = ledger.dropping(decision.batches());
            dropped.save(files, warehouse.table(Table.CURATED));
            LOG.info("preprocess: dropped {} for good ({})", decision.batches(), decision.reason());
            return PreprocessResult.nothing(runId, dropped.scalerVersion().orElse(null), dropped.waiting());
        }
        Map<String, List<String>> batchDirs = landingBatches(files, requireLanding(files, warehouse));
        return curateBatches(spark, files, settings, schema, warehouse, sizing, runId,
                ledger.released(decision.batches()), decision.batches(), batchDirs, false,
                new Phases(System.nanoTime()));
    }

    /** The ledger a run starts from; {@code --full} forgets the runs but keeps the batches set aside or dropped. */
    private static Ledger ledger(HadoopFiles files, Warehouse warehouse, PreprocessSettings settings) {
        Ledger ledger = Ledger.load(files, warehouse.table(Table.CURATED));
        return settings.full() ? new Ledger(List.of(), ledger.held(), ledger.dropped()) : ledger;
    }

    private static String requireLanding(HadoopFiles files, Warehouse warehouse) {
        String landingPath = warehouse.table(Table.LANDING);
        if (!files.containsFile(landingPath, ".parquet")) {
            throw new UserException("No landing table at " + landingPath + " (no record has landed yet): run ingest"
                    + " first, and see the quarantine table if it ran");
        }
        return landingPath;
    }

    /**
     * The batches run {@code runId} takes: a re-run exactly those its run took before (or had set aside), so that
     * batches landed since belong to the next new run; a new run every landed batch that no run has curated, set
     * aside or dropped.
     */
    static List<String> batchesFor(Ledger ledger, String runId, Set<String> landed) {
        Optional<Ledger.Run> committed = ledger.run(runId);
        if (committed.isPresent()) {
            return committed.get().batches();
        }
        List<String> held = ledger.heldBy(runId);
        if (!held.isEmpty()) {
            return held;
        }
        TreeSet<String> fresh = new TreeSet<>(landed);
        fresh.removeAll(ledger.settled());
        return List.copyOf(fresh);
    }

    private static PreprocessResult curateBatches(SparkSession spark, HadoopFiles files, PreprocessSettings settings,
                                                  RecordSchema schema, Warehouse warehouse, Sizing sizing,
                                                  String runId, Ledger ledger, List<String> batches,
                                                  Map<String, List<String>> batchDirs, boolean gated,
                                                  Phases phases) {
        Ledger base = ledger.before(runId);
        removeUncommitted(files, warehouse, base);
        phases.lap("clean-up");
        if (batches.isEmpty()) {
            LOG.info("preprocess: every landing batch is curated or set aside already ({}); nothing to do",
                    batchDirs.size());
            return PreprocessResult.nothing(runId, base.scalerVersion().orElse(null), base.waiting());
        }
        String landingPath = warehouse.table(Table.LANDING);
        List<String> dirs = batches.stream().flatMap(b -> batchDirs.getOrDefault(b, List.of()).stream())
                .filter(dir -> files.containsFile(dir, ".parquet")).toList();
        long bytes = dirs.stream().mapToLong(files::totalBytes).sum();
        // Only the run's batches' folders are listed and read (landing grows by a folder every micro-batch); the
        // partition columns still come from their paths.
        Dataset<Row> landing = dirs.isEmpty() ? spark.read().parquet(landingPath)
                : spark.read().option("basePath", landingPath).parquet(dirs.toArray(String[]::new));
        SchemaCheck.require(landing, IngestTables.LANDING, "landing table at " + landingPath);
        landing = landing.where(col(IngestTables.BATCH).isin(batches.toArray()));
        long rowBytes = Sizing.rowBytes(schema.featureCount());
        long rows = landing.count();
        try (SessionSizing ignored = SessionSizing.apply(spark, sizing, rows, rowBytes, bytes)) {
            Dataset<Row> curated = CuratedTable.committed(spark, warehouse.table(Table.CURATED), base);
            phases.lap("read landing and curated");
            return curate(spark, new Landed(landing, rows), curated, base, batches, settings, schema, warehouse,
                    files, sizing.rowsPerFile(rowBytes), runId, gated, phases);
        }
    }

    /** The run's landing rows, and how many. */
    private record Landed(Dataset<Row> rows, long count) {
    }

    private static PreprocessResult curate(SparkSession spark, Landed landing, Dataset<Row> curatedBefore,
                                           Ledger base, List<String> batches, PreprocessSettings settings,
                                           RecordSchema schema, Warehouse warehouse, HadoopFiles files,
                                           long rowsPerFile, String runId, boolean gated, Phases phases) {
        Dataset<Row> checked = Curation.check(PackedFeatures.unpacked(landing.rows()), schema);
        if (curatedBefore != null) {
            checked = Curation.againstCurated(checked, curatedBefore.select("id", "topic", "partition", "offset"),
                    landing.count());
        }
        // Compact before the cache: every pass below reads it, and pixels as bytes are a quarter of them as floats.
        checked = CompactFeatures.encode(CompactFeatures.withIntensity(checked))
                .persist(StorageLevel.MEMORY_AND_DISK_SER());
        try {
            Outcomes outcomes = Outcomes.count(checked);
            phases.lap("check and deduplicate");
            // Rejects first: writing the curated table refreshes every cached plan that reads it, ours included.
            if (outcomes.quarantined() > 0) {
                writeQuarantine(checked, warehouse, runId);
            }
            phases.lap("write quarantine");
            String curatedPath = warehouse.table(Table.CURATED);
            writeCurated(checked, settings, curatedPath, rowsPerFile, runId);
            phases.lap("write curated");

            // The run's own rows, read back compact: every statistic below is one small aggregation over them.
            Dataset<Row> added = spark.read().parquet(curatedPath).where(col(CuratedTable.RUN).equalTo(runId));
            Added counts = Added.count(added, schema);
            Optional<Scaler> previous = base.scalerVersion().map(v -> Scaler.load(files, warehouse, v));
            FeatureStats newTrain = CompactFeatures.stats(added.where(col(CuratedTable.SPLIT).equalTo(Split.TRAIN.value())),
                    FeatureStats.empty(schema.featureCount(), schema.minValue(), schema.maxValue(),
                            settings.gate().bins(), schema.classCount()));
            Scaler scaler = nextScaler(previous, newTrain, settings, runId);
            if (scaler != null && runId.equals(scaler.version())) {
                files.writeString(CuratedTable.scalerPath(warehouse, runId), scaler.toJson());
            }
            DataProfile profile = new DataProfile(runId, schema.labels(), outcomes.landed(), counts.total(),
                    outcomes.quarantinedByReason(), counts.classSplit(),
                    counts.total() == 0 ? null : CompactFeatures.stats(added, schema.featureCount()), newTrain,
                    reference(files, settings.gate(), previous));
            phases.lap("statistics and scaler");
            gate(spark, warehouse, files, profile, gated ? settings.gate() : DataGate.OPEN, base, batches);
            phases.lap("profile and gate");
            PreprocessResult result = commit(files, curatedPath, base, batches, scaler, outcomes, counts, runId);
            phases.lap("commit");
            LOG.info("preprocess: run {} took {}", runId, phases);
            return result;
        } finally {
            checked.unpersist();
        }
    }

    /** The new batches' rows by outcome: landed in all, and quarantined per reason (duplicates included). */
    private record Outcomes(long landed, Map<String, Long> quarantinedByReason) {

        /** One pass over the cached rows counts them per reason (null: curated). */
        static Outcomes count(Dataset<Row> checked) {
            Map<String, Long> quarantinedByReason = new TreeMap<>();
            long landed = 0;
            for (Row r : checked.groupBy(col("reason")).count().collectAsList()) {
                landed += r.getLong(1);
                if (!r.isNullAt(0)) {
                    quarantinedByReason.put(r.getString(0), r.getLong(1));
                }
            }
            return new Outcomes(landed, quarantinedByReason);
        }

        long quarantined() {
            return quarantinedByReason.values().stream().mapToLong(Long::longValue).sum();
        }

        long duplicates() {
            return quarantinedByReason.getOrDefault(Reason.DUPLICATE_ID.name(), 0L);
        }
    }

    /** The run's curated rows per class name and split, and per split. */
    private record Added(Map<String, Map<String, Long>> classSplit, Map<String, Long> bySplit) {

        static Added count(Dataset<Row> added, RecordSchema schema) {
            Map<String, Map<String, Long>> classSplit = new TreeMap<>();
            Map<String, Long> bySplit = new HashMap<>();
            for (Row r : added.groupBy(col("label"), col(CuratedTable.SPLIT)).count().collectAsList()) {
                classSplit.computeIfAbsent(schema.labels().get(r.getInt(0)), k -> new TreeMap<>())
                        .put(r.getString(1), r.getLong(2));
                bySplit.merge(r.getString(1), r.getLong(2), Long::sum);
            }
            return new Added(classSplit, bySplit);
        }

        long total() {
            return bySplit.values().stream().mapToLong(Long::longValue).sum();
        }

        long of(Split split) {
            return bySplit.getOrDefault(split.value(), 0L);
        }
    }

    private static void writeQuarantine(Dataset<Row> checked, Warehouse warehouse, String runId) {
        String quarantine = warehouse.table(Table.QUARANTINE);
        ParquetTables.adding(Curation.rejected(checked, Curation.QUARANTINE_BATCH_PREFIX + runId), quarantine)
                .option("compression", "zstd")
                .partitionBy(IngestTables.BATCH)
                .parquet(quarantine);
    }

    /**
     * The accepted rows (features already compact, with their total intensity), split by id and stored unscaled,
     * under this run's partition of each split.
     */
    private static void writeCurated(Dataset<Row> checked, PreprocessSettings settings, String curatedPath,
                                     long rowsPerFile, String runId) {
        Dataset<Row> curated = CompactFeatures.similarTogether(Curation.assignSplit(Curation.accepted(checked), settings)
                .select(col("id"), col("label"), col("topic"), col("partition"), col("offset"), col(IngestTables.BATCH),
                        col(CuratedTable.SPLIT), col(CompactFeatures.INTENSITY), col(CompactFeatures.U8),
                        col(CompactFeatures.F32))
                .withColumn(CuratedTable.RUN, lit(runId)), CuratedTable.SPLIT, CuratedTable.RUN);
        ParquetTables.adding(curated, curatedPath)
                .options(settings.encryption().writeOptions(CompactFeatures.PARQUET_COLUMNS))
                .option("compression", "zstd")
                .option("maxRecordsPerFile", rowsPerFile)
                .partitionBy(CuratedTable.SPLIT, CuratedTable.RUN)
                .parquet(curatedPath);
    }

    /** The rows committed run {@code run} curated, by split: what it reported when it ran. */
    private static Map<Split, Long> splitRows(SparkSession spark, Warehouse warehouse, Ledger.Run run) {
        Map<Split, Long> rows = new EnumMap<>(Split.class);
        if (run.curated() > 0) {
            String curated = warehouse.table(Table.CURATED);
            for (Row r : spark.read().option("basePath", curated)
                    .parquet(curated + "/" + CuratedTable.SPLIT + "=*/" + CuratedTable.RUN + "=" + run.runId())
                    .groupBy(CuratedTable.SPLIT).count().collectAsList()) {
                rows.put(Split.valueOf(r.getString(0).toUpperCase(Locale.ROOT)), r.getLong(1));
            }
        }
        return rows;
    }

    /** Commits the run in the {@link Ledger}, last: until then, readers and the next run ignore its rows. */
    private static PreprocessResult commit(HadoopFiles files, String curatedPath, Ledger base, List<String> batches,
                                           Scaler scaler, Outcomes outcomes, Added counts, String runId) {
        long quarantined = outcomes.quarantined();
        long duplicates = outcomes.duplicates();
        base.with(new Ledger.Run(runId, batches, scaler == null ? null : scaler.version(), outcomes.landed(),
                counts.total(), quarantined, duplicates)).save(files, curatedPath);
        PreprocessResult result = new PreprocessResult(runId, batches.size(), outcomes.landed(),
                counts.of(Split.TRAIN), counts.of(Split.VALIDATION), counts.of(Split.TEST), quarantined, duplicates,
                scaler == null ? null : scaler.version(), base.waiting());
        LOG.info("preprocess: run {}: {} new batches, {} landed -> train {}, validation {}, test {},{} quarantined {}"
                        + " ({} duplicates); scaler {}", runId, batches.size(), outcomes.landed(), result.train(),
                result.validation(), result.test(), counts.of(Split.HOLDOUT) == 0 ? ""
                        : " holdout " + counts.of(Split.HOLDOUT) + ",", quarantined, duplicates,
                result.scalerVersion());
        return result;
    }

    /**
     * The scaler after this run: the previous one when frozen or when the run added no training row; otherwise the
     * statistics of the new training rows merged into the previous ones (Chan's formula), under this run's id.
     */
    static Scaler nextScaler(Optional<Scaler> previous, FeatureStats fresh, PreprocessSettings settings,
                             String runId) {
        if (previous.isPresent() && settings.freezeScaler()) {
            return previous.get();
        }
        if (fresh.count() == 0) {
            if (previous.isEmpty()) {
                LOG.warn("preprocess: no training rows yet, so no scaler: train needs a preprocess run with some");
            }
            return previous.orElse(null);
        }
        if (previous.isPresent() && previous.get().stats() == null) {
            throw new UserException("The scaler " + previous.get().version() + " has no statistics to merge into:"
                    + " rebuild the curated table with preprocess --full");
        }
        FeatureStats merged = previous.map(p -> p.stats().merge(fresh)).orElse(fresh);
        return Scaler.of(settings.scalerKind(), merged, settings.minStd(), runId);
    }

    /**
     * The statistics drift is measured against: the scaler file {@code preprocess.gate.reference} names, or the
     * scaler in force before the run.
     */
    private static FeatureStats reference(HadoopFiles files, DataGate gate, Optional<Scaler> previous) {
        if (gate.reference().isEmpty()) {
            return previous.map(Scaler::stats).orElse(null);
        }
        requireReference(files, gate);
        try {
            return Scaler.fromJson(files.readString(gate.reference())).stats();
        } catch (RuntimeException e) {
            throw new ConfigException(DataGate.REFERENCE, gate.reference(), "must be a scaler file written by"
                    + " preprocess (" + e.getMessage() + ")");
        }
    }

    private static void requireReference(HadoopFiles files, DataGate gate) {
        if (!gate.reference().isEmpty() && !files.exists(gate.reference())) {
            throw new ConfigException(DataGate.REFERENCE, gate.reference(), "must be a scaler file that exists,"
                    + " such as <warehouse>/curated/_scalers/<run-id>.json of trusted data");
        }
    }

    /**
     * Writes the run's profile ({@code data_profile} table and {@code reports/<run-id>/data.md}), then, if its data
     * breaks a threshold of {@code gate}, sets its batches aside: its rows and scaler are removed, the ledger lists
     * the batches as waiting (and no longer lists the run, for a re-run of the latest run), and the run fails.
     */
    private static void gate(SparkSession spark, Warehouse warehouse, HadoopFiles files, DataProfile profile,
                             DataGate gate, Ledger base, List<String> batches) {
        Optional<String> violation = gate.violation(profile);
        String runId = profile.runId();
        String verdict = violation.map(v -> "**Failed**: " + v + ". The run's batches are set aside: train does"
                        + " not see them, later runs curate their own batches without them, and they wait for"
                        + " preprocess --accept-batch or --drop-batch.")
                .orElse("Passed.");
        ParquetTables.overwriteRows(spark, profile.rows(), warehouse, Table.DATA_PROFILE);
        files.writeString(warehouse.report(runId) + "/data.md", profile.markdown(verdict));
        if (violation.isEmpty()) {
            return;
        }
        String curatedPath = warehouse.table(Table.CURATED);
        for (String dir : files.glob(curatedPath + "/" + CuratedTable.SPLIT + "=*/" + CuratedTable.RUN + "=" + runId)) {
            files.deleteRecursively(dir);
        }
        files.deleteRecursively(CuratedTable.scalerPath(warehouse, runId));
        base.holding(batches, runId, violation.get(), Instant.now().toString()).save(files, curatedPath);
        throw new DataGateException("data gate: " + violation.get() + "; nothing was committed and batches "
                + batches + " are set aside (see " + warehouse.report(runId) + "/data.md): later runs go on"
                + " without them; accept them on purpose with preprocess --accept-batch " + String.join(",", batches)
                + " --reason TEXT, drop them with --drop-batch, or raise the threshold with --set and run"
                + " preprocess --run-id " + runId + " again");
    }

    /**
     * Deletes what runs the ledger does not list left behind: the curated rows and quarantine of a failed run or of
     * the run being re-run, or everything when nothing is committed (a first run, {@code --full}, or a table written
     * before the ledger existed).
     */
    private static void removeUncommitted(HadoopFiles files, Warehouse warehouse, Ledger base) {
        String curatedPath = warehouse.table(Table.CURATED);
        if (base.runs().isEmpty()) {
            // Nothing committed: every row and scaler goes, the batches set aside or dropped stay on record.
            files.glob(curatedPath + "/" + CuratedTable.SPLIT + "=*").forEach(files::deleteRecursively);
            files.deleteRecursively(curatedPath + "/" + CuratedTable.SCALERS);
        } else {
            for (String dir : files.glob(curatedPath + "/" + CuratedTable.SPLIT + "=*/" + CuratedTable.RUN + "=*")) {
                String run = dir.substring(dir.lastIndexOf('=') + 1);
                if (!base.contains(run)) {
                    LOG.info("preprocess: removing {}, not committed", dir);
                    files.deleteRecursively(dir);
                }
            }
        }
        String quarantine = warehouse.table(Table.QUARANTINE) + "/" + IngestTables.BATCH + "=" + Curation.STAGE;
        for (String dir : files.glob(quarantine + "*")) {
            String batch = dir.substring(dir.lastIndexOf('/') + 1 + IngestTables.BATCH.length() + 1);
            boolean committed = batch.startsWith(Curation.QUARANTINE_BATCH_PREFIX)
                    && base.contains(batch.substring(Curation.QUARANTINE_BATCH_PREFIX.length()));
            if (!committed) {
                files.deleteRecursively(dir);
            }
        }
    }

    /** Landing's batches and their folders ({@code ingest_date=…/batch=…}; a batch may span two dates). */
    private static Map<String, List<String>> landingBatches(HadoopFiles files, String landingPath) {
        Map<String, List<String>> out = new HashMap<>();
        for (String dir : files.glob(landingPath + "/*/" + IngestTables.BATCH + "=*")) {
            String batch = dir.substring(dir.lastIndexOf('/') + 1 + IngestTables.BATCH.length() + 1);
            out.computeIfAbsent(batch, b -> new ArrayList<>()).add(dir);
        }
        return out;
    }
}
