package io.streamtrain.modelops;

import io.streamtrain.core.kafka.EmbeddedKafka;
import io.streamtrain.core.ConfigException;
import io.streamtrain.core.Freshness;
import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.ParquetTables;
import io.streamtrain.core.RecordSchema;
import io.streamtrain.core.Sizing;
import io.streamtrain.core.stage.StagePlan;
import io.streamtrain.core.table.Table;
import io.streamtrain.core.UserException;
import io.streamtrain.core.Warehouse;
import io.streamtrain.ingest.IngestJob;
import io.streamtrain.ingest.IngestRules;
import io.streamtrain.core.table.IngestTables;
import io.streamtrain.core.kafka.KafkaConnection;
import io.streamtrain.core.kafka.KafkaSettings;
import io.streamtrain.core.table.PackedFeatures;
import io.streamtrain.core.table.Reason;
import io.streamtrain.ingest.Validation;
import io.streamtrain.model.Scaler;
import io.streamtrain.model.ModelBundle;
import io.streamtrain.model.Predictor;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Observation;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryException;
import org.apache.spark.sql.streaming.Trigger;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.collection.Seq;

import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.when;

/**
 * Applies a model bundle, with its own scaler, to new rows and writes each row's predicted class and class
 * probabilities, with the model id, to the {@code scores} table. Three inputs ({@link Input}):
 * <ul>
 *   <li>the landing table, or any Parquet data with an {@code id} and either a numeric {@code features} array or
 *       landing's packed {@code features_f32_split}: read whole, written under {@code run_id=<run>/batch=all} (a
 *       re-run replaces its rows);</li>
 *   <li>a Kafka topic: read with Structured Streaming through the same door as ingest ({@link Validation}), exactly
 *       once per run id: the run's own checkpoint ({@code _checkpoints/score/<run-id>}) records each micro-batch's
 *       offsets before it runs, and a micro-batch overwrites only its own {@code run_id=<run>/batch=stream-<n>}
 *       partition, so a replay after a crash replaces what the failed attempt wrote. Running the same id again
 *       scores only what was published since.</li>
 * </ul>
 * A row the door rejects is never scored and never dropped: it goes to {@code quarantine} with its reason, its Kafka
 * coordinates when it has them, stage {@code score} and a batch naming the score run
 * ({@code score-<run-id>}, or {@code score-<run-id>-stream-<n>} for a topic's micro-batch n).
 */
public final class ScoreJob {

    private static final Logger LOG = LoggerFactory.getLogger(ScoreJob.class);

    /** What {@code --input} names for the warehouse's landing table. */
    public static final String LANDING = "landing";
    /** What {@code --input} names for the configured topic; {@code kafka:TOPIC} names another. */
    public static final String KAFKA = "kafka";
    /** Quarantine's {@code stage} of the rows score rejects. */
    public static final String STAGE = "score";
    /** The scores table's second partition column: {@code all} for a whole input, {@code stream-<n>} for a topic. */
    public static final String BATCH = IngestTables.BATCH;
    static final String WHOLE = "all";
    private static final String CHECKPOINTS = "checkpoints/score/";
    /** Kafka's own rule for topic names. */
    private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
    private static final long PROBE_SECONDS = 10;

    private ScoreJob() {
    }

    /**
     * What {@code --input} names.
     *
     * @param kind     landing, Parquet or Kafka
     * @param location the Parquet path, or the topic
     */
    public record Input(Kind kind, String location) {

        /** Where the rows come from. */
        public enum Kind {
            LANDING, PARQUET, KAFKA
        }

        /**
         * {@code landing}, {@code kafka} (the topic {@code kafka.topic} names), {@code kafka:TOPIC}, or a Parquet
         * folder or file (write {@code ./kafka} for a folder of that name).
         */
        public static Input parse(String text, String configuredTopic) {
            if (LANDING.equals(text)) {
                return new Input(Kind.LANDING, LANDING);
            }
            if (KAFKA.equals(text)) {
                return new Input(Kind.KAFKA, configuredTopic);
            }
            if (text.startsWith(KAFKA + ":")) {
                String topic = text.substring(KAFKA.length() + 1);
                if (!TOPIC.matcher(topic).matches()) {
                    throw new ConfigException("--input", text, "kafka:TOPIC needs a topic name of 1 to 249 letters,"
                            + " digits, '.', '_' or '-'");
                }
                return new Input(Kind.KAFKA, topic);
            }
            return new Input(Kind.PARQUET, text);
        }

        public boolean isKafka() {
            return kind == Kind.KAFKA;
        }
    }

    /** Where a whole input's rows come from: the landing table, or a Parquet folder or file. */
    public static String source(Warehouse warehouse, Input input) {
        return input.kind() == Input.Kind.LANDING ? warehouse.table(Table.LANDING) : input.location();
    }

    /** The folder of score run {@code runId}'s Structured Streaming checkpoint. */
    public static String checkpoint(Warehouse warehouse, String runId) {
        return warehouse.internal(CHECKPOINTS + runId);
    }

    /**
     * Checks, without side effects, that the model fits the schema and that the input holds Parquet data or, for a
     * topic, that Kafka answers and has it (an embedded broker must have received records).
     */
    public static StagePlan plan(HadoopFiles files, RecordSchema schema, Warehouse warehouse, KafkaSettings kafka,
                                 ScoreSettings settings, String modelRunId, Input input, String runId) {
        String model = ModelBundle.requireUsable(files, warehouse, modelRunId, schema.featureCount(),
                schema.classCount());
        List<String> writes = List.of(warehouse.table(Table.SCORES), warehouse.table(Table.QUARANTINE)
                + " (rows the door rejects)");
        if (input.isKafka()) {
            if (kafka.isEmbedded()) {
                if (!Files.isDirectory(EmbeddedKafka.folder(warehouse))) {
                    throw new UserException("Nothing to score: the embedded Kafka broker of warehouse "
                            + warehouse.root() + " has never received a record (no "
                            + EmbeddedKafka.folder(warehouse) + "); run produce first, or point "
                            + KafkaSettings.BOOTSTRAP_SERVERS + " at a real cluster");
                }
            } else {
                KafkaConnection.requireReachable(kafka, warehouse);
                Map<String, Object> props = new HashMap<>(kafka.properties());
                props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
                requireTopic(props, input.location(), kafka.bootstrapServers());
            }
            String where = kafka.isEmbedded() ? "the embedded broker in " + warehouse.root() + "/_kafka"
                    : kafka.bootstrapServers();
            List<String> all = new ArrayList<>(writes);
            all.add(checkpoint(warehouse, runId));
            return new StagePlan("score", List.of(model, "topic " + input.location() + " on " + where + " (--mode "
                    + settings.modeName() + ", checkpoint per run id)"), all);
        }
        String source = source(warehouse, input);
        boolean parquet = files.exists(source)
                && (source.endsWith(".parquet") || files.containsFile(source, ".parquet"));
        if (!parquet) {
            throw new UserException("No Parquet data at " + source + ": name a Parquet folder or file with --input,"
                    + " 'landing' for the landing table, or kafka[:TOPIC] for a topic");
        }
        return new StagePlan("score", List.of(model, source), writes);
    }

    /** Fails with one line unless {@code topic} exists on the cluster the properties reach. */
    public static void requireTopic(Map<String, Object> clientProperties, String topic, String where) {
        Map<String, Object> props = new HashMap<>(clientProperties);
        // Fail fast: the defaults retry for a minute or more before a wrong address is reported.
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TimeUnit.SECONDS.toMillis(PROBE_SECONDS));
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TimeUnit.SECONDS.toMillis(PROBE_SECONDS));
        try (Admin admin = Admin.create(props)) {
            if (!admin.listTopics().names().get(PROBE_SECONDS, TimeUnit.SECONDS).contains(topic)) {
                throw new UserException("Topic " + topic + " does not exist on " + where + ": publish to it first,"
                        + " or name another with --input kafka:TOPIC");
            }
        } catch (TimeoutException | ExecutionException e) {
            throw new UserException("Kafka at " + where + " did not list its topics within " + PROBE_SECONDS
                    + " s: check " + KafkaSettings.BOOTSTRAP_SERVERS + " and " + KafkaSettings.PROPERTIES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserException("Interrupted while reaching Kafka at " + where);
        }
    }

    /**
     * The rows to score, as the door's input: {@code id}, {@code label} (null when the input has none), the Kafka
     * coordinates {@code topic, partition, offset} (null when it has none) and the unscaled {@code features} as
     * floats. Pure. Refuses, as a whole, an input without an id or a numeric features column: nothing in it could be
     * scored.
     */
    public static Dataset<Row> candidates(Dataset<Row> input, int featureCount) {
        List<String> columns = Arrays.asList(input.columns());
        if (!columns.contains("id")) {
            throw new UserException("The rows to score have no 'id' column (found " + columns + "): add one");
        }
        Dataset<Row> rows = columns.contains("features") ? input
                : columns.contains(PackedFeatures.COLUMN) ? PackedFeatures.unpacked(input) : null;
        if (rows == null) {
            throw new UserException("The rows to score have neither 'features' nor '" + PackedFeatures.COLUMN
                    + "' (found " + columns + "): add an array of " + featureCount + " numbers named features");
        }
        StructField features = rows.schema().apply("features");
        if (!(features.dataType() instanceof ArrayType array && array.elementType() instanceof NumericType)) {
            throw new UserException("Column 'features' of the rows to score is " + features.dataType().simpleString()
                    + ": it must be an array of " + featureCount + " numbers");
        }
        return rows.select(
                col("id").cast(DataTypes.StringType).as("id"),
                orNull(columns, "label", DataTypes.IntegerType),
                orNull(columns, "topic", DataTypes.StringType),
                orNull(columns, "partition", DataTypes.IntegerType),
                orNull(columns, "offset", DataTypes.LongType),
                col("features").cast(DataTypes.createArrayType(DataTypes.FloatType, true)).as("features"));
    }

    private static Column orNull(List<String> columns, String name, DataType type) {
        return (columns.contains(name) ? col(name).cast(type) : lit(null).cast(type)).as(name);
    }

    /**
     * The door's rules for rows that did not come through it (a Parquet input), or came through it under another
     * schema (landing after a schema change): adds {@code reason} and {@code message}, null for a row fit to score,
     * with ingest's reason codes. Pure.
     */
    public static Dataset<Row> check(Dataset<Row> candidates, IngestRules rules) {
        RecordSchema schema = rules.schema();
        int n = schema.featureCount();
        Column nullValue = expr("exists(features, x -> x IS NULL)");
        Column nonFinite = expr("exists(features, x -> isnan(x) OR abs(x) = double('Infinity'))");
        Column outOfRange = expr("exists(features, x -> x < " + schema.minValue() + " OR x > " + schema.maxValue()
                + ")");
        Column badLabel = col("label").isNotNull().and(col("label").lt(0).or(col("label").geq(schema.classCount())));
        Column reason = when(col("id").isNull(), lit(Reason.MISSING_FIELD.name()))
                .when(length(col("id")).equalTo(0).or(length(col("id")).gt(rules.maxIdLength())),
                        lit(Reason.INVALID_ID.name()))
                .when(col("features").isNull(), lit(Reason.MISSING_FIELD.name()))
                .when(size(col("features")).notEqual(n), lit(Reason.WRONG_VECTOR_LENGTH.name()))
                .when(nullValue, lit(Reason.WRONG_TYPE.name()))
                .when(nonFinite, lit(Reason.NON_FINITE.name()))
                .when(outOfRange, lit(Reason.OUT_OF_RANGE.name()))
                .when(badLabel, lit(Reason.UNKNOWN_LABEL.name()));
        Column message = when(col("id").isNull(), lit("field 'id' is null"))
                .when(length(col("id")).equalTo(0).or(length(col("id")).gt(rules.maxIdLength())),
                        concat(lit("id must have 1 to " + rules.maxIdLength() + " characters, has "),
                                length(col("id")).cast(DataTypes.StringType)))
                .when(col("features").isNull(), lit("field 'features' is null"))
                .when(size(col("features")).notEqual(n), concat(lit("features has "),
                        size(col("features")).cast(DataTypes.StringType), lit(" values, expected " + n)))
                .when(nullValue, lit("features holds a null where a number is expected"))
                .when(nonFinite, lit("features holds NaN or an infinite value"))
                .when(outOfRange, lit("features holds a value outside [" + schema.minValue() + ", "
                        + schema.maxValue() + "]"))
                .when(badLabel, concat(lit("label "), col("label").cast(DataTypes.StringType),
                        lit(" is not a class index 0.." + (schema.classCount() - 1))));
        return candidates.withColumn("reason", reason).withColumn("message", message);
    }

    /**
     * Checked rows the door rejected, in the quarantine table's shape: no raw bytes (the input keeps them), the
     * Kafka coordinates when the input had them, stage {@code score}. Pure.
     */
    public static Dataset<Row> rejected(Dataset<Row> checked, String batch) {
        return checked.where(col("reason").isNotNull())
                .withColumn("key", col("id"))
                .withColumn("value", lit(null).cast(DataTypes.BinaryType))
                .withColumn("kafka_timestamp", lit(null).cast(DataTypes.TimestampType))
                .withColumn("stage", lit(STAGE))
                .withColumn(IngestTables.BATCH, lit(batch))
                .select(Arrays.stream(IngestTables.QUARANTINE.fieldNames()).map(c -> col(c)).toArray(Column[]::new));
    }

    /** Checked rows fit to score, without the reason columns. Pure. */
    public static Dataset<Row> accepted(Dataset<Row> checked) {
        return checked.where(col("reason").isNull()).drop("reason", "message");
    }

    /**
     * Accepted rows' features scaled by the bundle's scaler, so new data is standardised exactly as its training data
     * was. Pure.
     */
    public static Dataset<Row> scaled(Dataset<Row> accepted, Scaler scaler) {
        return scaler.transform(accepted);
    }

    /** The scores table's columns, in order, for the predictions of {@link #scaled} rows. Pure. */
    static Dataset<Row> scoreRows(Dataset<Row> predicted, String modelId, String runId, String batch) {
        return predicted.select(col("id"), col("label"), col("topic"), col("partition"), col("offset"),
                col(Predictor.PREDICTED), col(Predictor.PROBABILITIES), lit(modelId).as("model_id"),
                lit(runId).as("run_id"), lit(batch).as(BATCH));
    }

    /** What a score run did. */
    public record Result(String modelId, long scored, long quarantined, long batches) {
    }

    /**
     * Scores {@code input} with bundle {@code modelRunId} (or the latest); writes the scores under {@code runId}.
     *
     * @param kafka the open connection, for a topic input only (null otherwise)
     */
    public static Result run(SparkSession spark, RecordSchema schema, IngestRules rules, Warehouse warehouse,
                             ScoreSettings settings, KafkaConnection kafka, String modelRunId, Input input,
                             String runId, Sizing sizing) {
        return run(spark, schema, rules, warehouse, settings, kafka, modelRunId, input, runId, sizing, null);
    }

    /**
     * The same; a topic's micro-batches add their latency rows to {@code freshness}, whose owner flushes it (null:
     * each micro-batch appends its own row to the {@code freshness} table).
     */
    public static Result run(SparkSession spark, RecordSchema schema, IngestRules rules, Warehouse warehouse,
                             ScoreSettings settings, KafkaConnection kafka, String modelRunId, Input input,
                             String runId, Sizing sizing, Freshness freshness) {
        HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
        ModelBundle bundle = ModelBundle.load(files, warehouse, modelRunId);
        IngestJob.removeStagingLeftovers(spark.sparkContext().hadoopConfiguration(),
                List.of(warehouse.table(Table.SCORES), warehouse.table(Table.QUARANTINE)));
        return input.isKafka()
                ? runTopic(spark, files, schema, rules, warehouse, settings, kafka, bundle,
                        ModelBundle.CHAMPION.equals(modelRunId), input.location(), runId, freshness)
                : runWhole(spark, files, schema, rules, warehouse, bundle, source(warehouse, input), input, runId,
                        sizing);
    }

    private static Result runWhole(SparkSession spark, HadoopFiles files, RecordSchema schema, IngestRules rules,
                                   Warehouse warehouse, ModelBundle bundle, String source, Input input, String runId,
                                   Sizing sizing) {
        Dataset<Row> read = spark.read().parquet(source);
        Dataset<Row> checked = check(candidates(read, schema.featureCount()), rules);
        if (input.kind() == Input.Kind.PARQUET) {
            // Rows of a Parquet input have no Kafka coordinates: the file they came from traces them.
            checked = checked.withColumn("message", when(col("reason").isNotNull(),
                    concat(col("message"), lit(" (in "), input_file_name(), lit(")"))));
        }
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        // A count of Parquet reads footers only; it sizes the partitions from the rows' decoded bytes.
        long count = read.count();
        int partitions = sizing.partitionsFor(count * Sizing.rowBytes(schema.featureCount()), sc.defaultParallelism());
        String quarantineBatch = STAGE + "-" + runId;
        // A re-run of the id replaces its quarantined rows too, also when it now finds none.
        files.deleteRecursively(warehouse.table(Table.QUARANTINE) + "/" + IngestTables.BATCH + "=" + quarantineBatch);
        files.deleteRecursively(warehouse.table(Table.SCORES) + "/run_id=" + runId + "/" + BATCH + "=" + WHOLE);
        long quarantined = ParquetTables.overwritePartitionsCounted(rejected(checked, quarantineBatch), warehouse,
                Table.QUARANTINE, "score-quarantined-" + runId);
        long scored;
        try (Predictor predictor = Predictor.of(sc, bundle.network(), schema.featureCount())) {
            Dataset<Row> rows = scoreRows(predictor.predict(scaled(accepted(checked), bundle.scaler())
                            .repartition(partitions)),
                    bundle.runId(), runId, WHOLE);
            scored = ParquetTables.overwritePartitionsCounted(rows, warehouse, Table.SCORES, "score-" + runId);
        }
        LOG.info("score: {} rows of {}: {} scored with model {} -> {}, {} quarantined (run_id = {})", count, source,
                scored, bundle.runId(), warehouse.table(Table.SCORES), quarantined, runId);
        return new Result(bundle.runId(), scored, quarantined, 1);
    }

    private static Result runTopic(SparkSession spark, HadoopFiles files, RecordSchema schema, IngestRules rules,
                                   Warehouse warehouse, ScoreSettings settings, KafkaConnection kafka,
                                   ModelBundle bundle, boolean follow, String topic, String runId,
                                   Freshness shared) {
        Freshness freshness = shared == null ? new Freshness() : shared;
        requireTopic(kafka.clientProperties(), topic, kafka.bootstrapServers());
        String checkpoint = checkpoint(warehouse, runId);
        IngestJob.removeOrphanChecksums(spark, checkpoint);
        Dataset<Row> source = spark.readStream().format("kafka")
                .options(IngestJob.sourceOptions(kafka, topic))
                .option("startingOffsets", settings.startingOffsets())
                .option("maxOffsetsPerTrigger", settings.maxOffsetsPerTrigger())
                .load();
        Trigger trigger = settings.mode() == ScoreSettings.Mode.STREAM
                ? Trigger.ProcessingTime(settings.triggerSeconds(), TimeUnit.SECONDS)
                : Trigger.AvailableNow();
        AtomicReference<Result> total = new AtomicReference<>(new Result(bundle.runId(), 0, 0, 0));
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        try (ScoringModel model = new ScoringModel(sc, schema.featureCount(), bundle, follow)) {
            StreamingQuery query = source.writeStream()
                    .queryName("streamtrain-score-" + runId)
                    .option("checkpointLocation", checkpoint)
                    .trigger(trigger)
                    .foreachBatch((Dataset<Row> batch, Long batchId) -> {
                        ModelBundle now = model.current(files, warehouse);
                        long[] counts = scoreBatch(batch, batchId, rules, warehouse, now, model.predictor(), runId,
                                freshness);
                        if (shared == null) {
                            freshness.flush(spark, warehouse);
                        }
                        total.updateAndGet(t -> new Result(model.used(), t.scored() + counts[0],
                                t.quarantined() + counts[1], t.batches() + 1));
                    })
                    .start();
            query.awaitTermination();
        } catch (StreamingQueryException e) {
            if (e.getCause() instanceof UserException user) {
                throw user;
            }
            throw new IllegalStateException("Scoring topic " + topic + " failed: " + e.getMessage(), e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("Scoring topic " + topic + " could not start: " + e.getMessage(), e);
        }
        Result result = total.get();
        LOG.info("score: topic {}: {} micro-batches, {} scored with model {}, {} quarantined (run_id = {},"
                + " checkpoint {})", topic, result.batches(), result.scored(), bundle.runId(), result.quarantined(),
                runId, checkpoint);
        return result;
    }

    /**
     * A scored micro-batch's event-to-score latencies, from its records' event times ({@code ts}) to now, when its
     * scores are written: the median, the 95th percentile (from the 5th percentile of event times) and the oldest.
     */
    private static Row latencies(String model, String runId, long scored, Map<String, Object> seen) {
        Instant now = Instant.now();
        // Spark hands an array result over as a Scala sequence.
        Seq<?> quantiles = (Seq<?>) seen.get("quantiles");
        double nowMillis = now.toEpochMilli();
        return Freshness.scoring(now, model, runId, scored,
                (nowMillis - ((Number) quantiles.apply(1)).doubleValue()) / 1e3,
                (nowMillis - ((Number) quantiles.apply(0)).doubleValue()) / 1e3,
                (nowMillis - ((Number) seen.get("oldest")).doubleValue()) / 1e3);
    }

    /**
     * The model a topic's micro-batches are scored with. Following the champion, it reads {@code models/champion}
     * before every micro-batch and, when the pointer has moved, loads the new bundle and scores with it from that
     * micro-batch on: a micro-batch is scored by one model, and every row names it.
     */
    private static final class ScoringModel implements AutoCloseable {
        private final JavaSparkContext sc;
        private final int featureCount;
        private final boolean follow;
        private final List<String> used = new ArrayList<>();
        private ModelBundle bundle;
        private Predictor predictor;

        ScoringModel(JavaSparkContext sc, int featureCount, ModelBundle bundle, boolean follow) {
            this.sc = sc;
            this.featureCount = featureCount;
            this.follow = follow;
            use(bundle);
        }

        ModelBundle current(HadoopFiles files, Warehouse warehouse) {
            if (follow) {
                String champion = ModelBundle.champion(files, warehouse);
                if (champion != null && !champion.equals(bundle.runId())) {
                    LOG.info("score: the champion is now {} (was {}); scoring with it from this micro-batch on",
                            champion, bundle.runId());
                    ModelBundle next = ModelBundle.load(files, warehouse, champion);
                    predictor.close();
                    use(next);
                }
            }
            return bundle;
        }

        private void use(ModelBundle next) {
            bundle = next;
            predictor = Predictor.of(sc, next.network(), featureCount);
            used.add(next.runId());
        }

        Predictor predictor() {
            return predictor;
        }

        /** The models used so far, in order, comma-separated. */
        String used() {
            return String.join(", ", used);
        }

        @Override
        public void close() {
            predictor.close();
        }
    }

    /**
     * One micro-batch: through ingest's door, then the accepted records scored into their own partition of scores
     * and the rejected ones into their own of quarantine. As in ingest, one pass scores and counts; only a batch with
     * rejects reads and parses its offsets again for the quarantine write.
     *
     * @return scored, quarantined
     */
    static long[] scoreBatch(Dataset<Row> kafkaRows, long batchId, IngestRules rules, Warehouse warehouse,
                             ModelBundle bundle, Predictor predictor, String runId, Freshness freshness) {
        long start = System.nanoTime();
        String batch = "stream-" + batchId;
        String quarantineBatch = STAGE + "-" + runId + "-" + batch;
        Dataset<Row> validated = Validation.validate(kafkaRows, rules, quarantineBatch);
        Observation counts = new Observation("score-" + runId + "-" + batchId);
        // Event times of the scored records: the latencies are measured from them once the batch is written.
        Dataset<Row> counted = validated.observe(counts, count(lit(1)).as("read"), count(col("reason")).as("bad"),
                min(col("ts")).as("oldest"), expr("percentile_approx(ts, array(0.05, 0.5), 1000)").as("quantiles"));
        Dataset<Row> accepted = PackedFeatures.unpacked(counted.where(col("reason").isNull()).select(col("id"),
                col("label"), col("topic"), col("partition"), col("offset"), col(PackedFeatures.COLUMN)));
        ParquetTables.overwritePartitions(scoreRows(predictor.predict(scaled(accepted, bundle.scaler())),
                bundle.runId(), runId, batch), warehouse, Table.SCORES);
        Map<String, Object> seen = ParquetTables.observed(counts);
        long read = ((Number) seen.get("read")).longValue();
        long quarantined = ((Number) seen.get("bad")).longValue();
        if (quarantined > 0) {
            long written = ParquetTables.overwritePartitionsCounted(
                    Validation.quarantined(validated).withColumn("stage", lit(STAGE)), warehouse, Table.QUARANTINE,
                    "score-quarantined-" + runId + "-" + batchId);
            if (written != quarantined) {
                throw new IllegalStateException("Score batch " + batchId + ": the scoring pass found " + quarantined
                        + " rejects and the quarantine pass " + written + "; the same offsets read differently");
            }
        }
        if (read > quarantined && seen.get("oldest") != null) {
            freshness.add(latencies(bundle.runId(), runId, read - quarantined, seen));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        LOG.info("score batch {}: read {}, scored {}, quarantined {} ({} records/s)", batchId, read,
                read - quarantined, quarantined, Math.round(read / Math.max(seconds, 1e-9)));
        return new long[]{read - quarantined, quarantined};
    }

}
