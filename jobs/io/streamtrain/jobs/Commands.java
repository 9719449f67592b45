package io.streamtrain.jobs;

import io.streamtrain.jobs.bench.CompressBench;
import io.streamtrain.jobs.bench.EvaluateBench;
import io.streamtrain.jobs.bench.IngestBench;
import io.streamtrain.jobs.bench.ScaleBench;
import io.streamtrain.jobs.bench.TrainBench;
import io.streamtrain.core.ConfigException;
import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.RunId;
import io.streamtrain.core.Sessions;
import io.streamtrain.core.stage.StagePlan;
import io.streamtrain.core.table.Table;
import io.streamtrain.core.UserException;
import io.streamtrain.evaluate.EvaluateJob;
import io.streamtrain.evaluate.EvaluateSettings;
import io.streamtrain.modelops.ScoreJob;
import io.streamtrain.modelops.ScoreSettings;
import io.streamtrain.ingest.FashionMnistIdx;
import io.streamtrain.ingest.IngestSettings;
import io.streamtrain.core.kafka.KafkaConnection;
import io.streamtrain.core.table.PackedFeatures;
import io.streamtrain.ingest.ProduceSettings;
import io.streamtrain.train.Checkpoints;
import io.streamtrain.model.ModelBundle;
import io.streamtrain.train.TrainJob;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/** The subcommands: each runs its stages through {@link Pipeline}, or, for {@code sql}, queries the tables. */
final class Commands {

    private static final Logger LOG = LoggerFactory.getLogger(Commands.class);
    /** {@code --warm-start champion}: the model the promotion gate last promoted. */
    static final String CHAMPION = "champion";

    private Commands() {
    }

    /** Shared body: load and validate everything, run the stages, print what happened. */
    abstract static class StageCommand implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        abstract Set<Stage> stages();

        List<String> extraSettings() {
            return List.of();
        }

        String modelRunId() {
            return null;
        }

        /** How train begins; {@code config} locates an existing checkpoint. */
        TrainJob.Start trainStart(AppConfig config) {
            return TrainJob.Start.FRESH;
        }

        boolean onlyIfEmpty() {
            return false;
        }

        @Override
        public Integer call() {
            AppConfig config = options.load(extraSettings());
            TrainJob.Start start = trainStart(config);
            if (start.resume() && options.runId == null) {
                throw new ConfigException("--resume", true, "needs --run-id of the run to continue");
            }
            Pipeline.Request request = new Pipeline.Request(config, stages(), options.runId(), modelRunId(), start,
                    onlyIfEmpty());
            if (options.dryRun) {
                System.out.println(Plans.describe(request.runId(), Pipeline.plan(request), config));
                return StreamTrain.OK;
            }
            Pipeline.Outcome outcome = Pipeline.run(request);
            System.out.println(Summary.of(outcome, config.warehouse()));
            // Not an error: every stage finished and recorded the decision; a scheduler branches on the code.
            return outcome.evaluated() != null && outcome.evaluated().rejected() ? StreamTrain.REJECTED
                    : StreamTrain.OK;
        }
    }

    /**
     * A model to score or evaluate: {@code latest}, a run id, or either followed by {@code :COPY} for a compressed
     * copy ({@code 2026-11-23:int8}), never a path.
     */
    static String modelOrCopyId(String option, String value) {
        if (value == null || value.indexOf(ModelBundle.COPY_SEPARATOR) < 0) {
            return modelId(option, value);
        }
        String copy = ModelBundle.copyOf(value);
        if (io.streamtrain.model.ModelCopies.Kind.parse(copy) == null) {
            throw new ConfigException(option, value, "names no compressed copy: after ':' write fp16, int8 or"
                    + " pruned");
        }
        return modelId(option, ModelBundle.runOf(value)) + ModelBundle.COPY_SEPARATOR + copy;
    }

    /** A model named on the command line: {@code latest} or a run id, never a path. */
    static String modelId(String option, String value) {
        if (value == null || ModelBundle.LATEST.equals(value)) {
            return value;
        }
        try {
            return RunId.validate(value);
        } catch (ConfigException e) {
            throw new ConfigException(option, value, "must be 'latest' or the run id of a model under models/"
                    + " (letters, digits, '.', '_' or '-')");
        }
    }

    /** {@code --input} and {@code --format}, shared by produce and pipeline. */
    static final class InputOptions {
        @Option(names = "--input", paramLabel = "PATH",
                description = "A Fashion-MNIST IDX folder, a JSON-lines file or a CSV file (default: produce.input).")
        String input;

        @Option(names = "--format", paramLabel = "FORMAT",
                description = "idx, jsonl, csv or synthetic (default: produce.format).")
        String format;

        @Option(names = "--synthetic", paramLabel = "N",
                description = "Publish N generated events (produce.synthetic.* shapes them) instead of a file.")
        Long synthetic;

        @Option(names = "--only-if-empty", description = "Publish only if the topic holds no records yet (what"
                + " quickstart uses, so that running it again does not publish the data set twice).")
        boolean onlyIfEmpty;

        @Option(names = "--skip", paramLabel = "N",
                description = "Do not send the first N records of the input: continue a failed produce with the N"
                        + " it printed (default: produce.skip).")
        Long skip;

        List<String> settings() {
            List<String> out = new ArrayList<>();
            if (skip != null) {
                out.add(ProduceSettings.SKIP + "=" + skip);
            }
            if (synthetic != null) {
                out.add(ProduceSettings.FORMAT + "=synthetic");
                out.add(ProduceSettings.SYNTHETIC_RECORDS + "=" + synthetic);
            }
            if (input != null) {
                out.add(ProduceSettings.INPUT + "=" + input);
            }
            if (format != null) {
                out.add(ProduceSettings.FORMAT + "=" + format);
            }
            return out;
        }
    }

    /** {@code --input DIR} of the benchmarks: where the Fashion-MNIST IDX files are. */
    static final class DataSetFolder {
        @Option(names = "--input", paramLabel = "DIR", defaultValue = "/usr/share/datasets/fashion-mnist",
                description = "Fashion-MNIST IDX folder (default: ${DEFAULT-VALUE}).")
        java.nio.file.Path input;

        void check(AppConfig config) {
            FashionMnistIdx.folder(input, config.schema(), 0);
        }
    }

    @Command(name = "produce", mixinStandardHelpOptions = true,
            description = "Publish IDX files, JSON lines (byte for byte) or CSV rows to the topic, in transactions"
                    + " of committed records; a failure says how to continue with --skip.")
    static final class Produce extends StageCommand {
        @Mixin
        InputOptions input;

        Set<Stage> stages() {
            return EnumSet.of(Stage.PRODUCE);
        }

        List<String> extraSettings() {
            return input.settings();
        }

        @Override
        boolean onlyIfEmpty() {
            return input.onlyIfEmpty;
        }
    }

    @Command(name = "ingest", mixinStandardHelpOptions = true,
            description = "Read the topic exactly once into landing/ and quarantine/.")
    static final class Ingest extends StageCommand {
        @Option(names = "--mode", paramLabel = "MODE",
                description = "available-now (default: take everything up to now, then exit), stream (until stopped),"
                        + " or range (the offsets after the last range run, recorded with --run-id; a re-run of the"
                        + " same id rewrites the same output).")
        String mode;

        @Option(names = "--until", paramLabel = "INSTANT",
                description = "Range mode: only records stamped before this ISO-8601 instant, e.g. the end of a"
                        + " scheduler's data interval (2026-11-30T00:00:00Z).")
        String until;

        Set<Stage> stages() {
            return EnumSet.of(Stage.INGEST);
        }

        List<String> extraSettings() {
            List<String> settings = new ArrayList<>();
            if (mode != null) {
                settings.add(IngestSettings.MODE + "=" + mode);
            }
            if (until != null) {
                settings.add(IngestSettings.UNTIL + "=" + until);
            }
            return settings;
        }
    }

    @Command(name = "preprocess", mixinStandardHelpOptions = true,
            description = "Curate the landing batches not curated yet into curated/: deduplicate, split, store"
                    + " compactly, fit the next scaler version.")
    static final class Preprocess extends StageCommand {
        @Option(names = "--full", description = "Rebuild curated/ from every landing batch (the same rows as the sum"
                + " of the incremental runs) instead of adding the new ones.")
        boolean full;

        Set<Stage> stages() {
            return EnumSet.of(Stage.PREPROCESS);
        }

        List<String> extraSettings() {
            return full ? List.of(io.streamtrain.preprocess.PreprocessSettings.FULL + "=true") : List.of();
        }
    }

    @Command(name = "train", mixinStandardHelpOptions = true,
            description = "Train the configured network on curated/ with dl4j-spark; save models/<run-id>/.")
    static final class Train extends StageCommand {
        @Option(names = "--resume", description = "Continue run --run-id from its last checkpoint (after a crash or"
                + " a kill); the result equals an uninterrupted run.")
        boolean resume;

        @Option(names = "--warm-start", paramLabel = "MODEL", description = "Fine-tune model MODEL (a run id,"
                + " 'latest', or 'champion': the gate's choice, or a fresh start while there is none) on the curated"
                + " training rows of landing batches it has not seen, as its lineage.json records; a new bundle is"
                + " saved under this run's id.")
        String warmStart;

        @Option(names = "--resume-if-checkpointed", description = "Continue run --run-id from its checkpoint if it"
                + " has one, else begin as the other options say: a scheduler's retry continues instead of starting"
                + " over.")
        boolean resumeIfCheckpointed;

        Set<Stage> stages() {
            return EnumSet.of(Stage.TRAIN);
        }

        @Override
        TrainJob.Start trainStart(AppConfig config) {
            if (resumeIfCheckpointed) {
                if (options.runId == null) {
                    throw new ConfigException("--resume-if-checkpointed", true, "needs --run-id of the run to"
                            + " continue");
                }
                if (resume) {
                    throw new ConfigException("--resume-if-checkpointed", true, "already resumes when it can; drop"
                            + " --resume");
                }
                String runId = options.runId();
                if (new Checkpoints(HadoopFiles.beforeSpark(config.spark()), Checkpoints.dir(config.warehouse(),
                        runId)).exists()) {
                    LOG.info("train: run {} has a checkpoint: resuming it", runId);
                    return new TrainJob.Start(true, null);
                }
            }
            if (CHAMPION.equals(warmStart)) {
                return new TrainJob.Start(resume, champion(config));
            }
            return new TrainJob.Start(resume, modelId("--warm-start", warmStart));
        }

        /**
         * The model {@code models/champion} names, or null (a fresh start) before the promotion gate has chosen
         * one: a daily schedule's first run has nothing to fine-tune.
         */
        private static String champion(AppConfig config) {
            String champion = EvaluateJob.champion(HadoopFiles.beforeSpark(config.spark()), config.warehouse());
            if (champion == null) {
                LOG.info("train: no champion yet ({} does not exist): training afresh",
                        config.warehouse().championModelPointer());
            }
            return champion;
        }
    }

    @Command(name = "evaluate", mixinStandardHelpOptions = true,
            description = "Score a model on the test split; write predictions, metric tables with intervals and"
                    + " reports/<run-id>/ (plots, index.html); with --gate, promote it over the champion or exit 3.")
    static final class Evaluate extends StageCommand {
        @Option(names = "--model", paramLabel = "RUN_ID", description = "Model bundle to score (default: latest);"
                + " RUN_ID:COPY scores a compressed copy (fp16, int8 or pruned) written by compress.")
        String model;

        @Option(names = "--gate", description = "Compare with models/champion on the same test rows and move the"
                + " pointer only if evaluate.gate.* are met (the first model becomes champion); exit 3 on a"
                + " rejection (default: evaluate.gate.enabled).")
        boolean gate;

        @Override
        List<String> extraSettings() {
            return gate ? List.of(EvaluateSettings.GateSettings.ENABLED + "=true") : List.of();
        }

        Set<Stage> stages() {
            return EnumSet.of(Stage.EVALUATE);
        }

        String modelRunId() {
            String id = modelOrCopyId("--model", model);
            if (gate && id != null && ModelBundle.copyOf(id) != null) {
                throw new ConfigException("--gate", true, "cannot promote a compressed copy (" + id + "): gate its"
                        + " bundle, and serve the copy with score --model " + id);
            }
            return id;
        }
    }

    @Command(name = "pipeline", mixinStandardHelpOptions = true,
            description = "Run the stages in order in one process: produce, ingest, preprocess, train, evaluate.")
    static final class PipelineCommand extends StageCommand {
        @Option(names = "--stages", paramLabel = "LIST", defaultValue = "produce,ingest,preprocess,train,evaluate",
                description = "Comma-separated subset of the stages (default: ${DEFAULT-VALUE}).")
        String stageList;

        @Mixin
        InputOptions input;

        Set<Stage> stages() {
            return Stage.parse(stageList);
        }

        List<String> extraSettings() {
            return input.settings();
        }

        @Override
        boolean onlyIfEmpty() {
            return input.onlyIfEmpty;
        }
    }

    @Command(name = "score", mixinStandardHelpOptions = true,
            description = "Apply a model bundle, with its own scaler, to the landing table, Parquet data or a Kafka"
                    + " topic; write each row's predicted class and class probabilities to scores/ under the run id,"
                    + " and rows the door rejects to quarantine/.")
    static final class Score implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Option(names = "--model", paramLabel = "RUN_ID", description = "Model bundle to apply (default: latest);"
                + " RUN_ID:COPY applies a compressed copy (fp16, int8 or pruned) written by compress.")
        String model;

        @Option(names = "--input", paramLabel = "INPUT", required = true, description = "'landing' for the landing"
                + " table; a Parquet folder or file with an id and features (an array of numbers); 'kafka' for the"
                + " topic kafka.topic names, or 'kafka:TOPIC' for another, read through ingest's door exactly once"
                + " per run id.")
        String input;

        @Option(names = "--mode", paramLabel = "MODE", description = "Kafka input only: available-now (default:"
                + " score what is published up to now, then exit) or stream (until stopped).")
        String mode;

        @Override
        public Integer call() {
            AppConfig config = options.load(mode == null ? List.of() : List.of(ScoreSettings.MODE + "=" + mode));
            String modelId = modelOrCopyId("--model", model);
            String runId = options.runId();
            ScoreJob.Input source = ScoreJob.Input.parse(input, config.kafka().topic());
            if (mode != null && !source.isKafka()) {
                throw new ConfigException("--mode", mode, "applies to a Kafka input only (--input kafka or"
                        + " kafka:TOPIC); Parquet and landing are scored whole");
            }
            Sessions.requireMaster(config.spark());
            config.settings().requireSecretsUnder(io.streamtrain.core.SparkSettings.CONF);
            if (source.isKafka()) {
                config.settings().requireSecretsUnder(io.streamtrain.core.kafka.KafkaSettings.PROPERTIES);
            }
            StagePlan plan = ScoreJob.plan(HadoopFiles.beforeSpark(config.spark()), config.schema(),
                    config.warehouse(), config.kafka(), config.score(), modelId, source, runId);
            if (options.dryRun) {
                System.out.println(Plans.describe(runId, List.of(plan), config));
                return StreamTrain.OK;
            }
            KafkaConnection kafka = source.isKafka() ? KafkaConnection.open(config.kafka(), config.warehouse()) : null;
            ScoreJob.Result result;
            try {
                result = inSession(config, runId, plan, r -> Map.of("scored", (double) r.scored(),
                        "quarantined", (double) r.quarantined()), spark -> ScoreJob.run(spark, config.schema(), config.ingestRules().labelOptional(),
                        config.warehouse(), config.score(), kafka, modelId, source, runId, config.spark().sizing()));
            } finally {
                if (kafka != null) {
                    kafka.close();
                }
            }
            System.out.printf("score:      %d rows scored with model %s, %d quarantined -> %s (run_id = %s)%n",
                    result.scored(), result.modelId(), result.quarantined(), config.warehouse().table(Table.SCORES),
                    runId);
            return StreamTrain.OK;
        }
    }

    @Command(name = "compress", mixinStandardHelpOptions = true,
            description = "Write compressed copies of a model (compress.copies: fp16, int8, pruned) under"
                    + " models/<run>/compressed/<copy>/, score each on the test split against the original, and"
                    + " write the compression table and reports/<run-id>/compression.{md,html}; prints"
                    + " <copy>_size_ratio= and <copy>_accuracy_delta=.")
    static final class Compress implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Option(names = "--model", paramLabel = "RUN_ID", description = "Model bundle to compress (default: latest).")
        String model;

        @Override
        public Integer call() {
            AppConfig config = options.load(List.of());
            String modelId = modelId("--model", model);
            String runId = options.runId();
            Sessions.requireMaster(config.spark());
            StagePlan plan = io.streamtrain.modelops.CompressJob.plan(HadoopFiles.beforeSpark(config.spark()),
                    config.schema(), config.warehouse(), config.compress(), modelId, runId);
            if (options.dryRun) {
                System.out.println(Plans.describe(runId, List.of(plan), config));
                return StreamTrain.OK;
            }
            var measured = inSession(config, runId, plan, m -> Map.of("copies", (double) m.size() - 1),
                    spark -> io.streamtrain.modelops.CompressJob.run(spark, config.schema(),
                    config.warehouse(), config.evaluate(), config.compress(), modelId, runId, config.spark().sizing()));
            System.out.println(io.streamtrain.modelops.CompressJob.summary(measured));
            return StreamTrain.OK;
        }
    }

    @Command(name = "explain", mixinStandardHelpOptions = true,
            description = "Saliency maps and integrated gradients of a few test images per class as PNG overlays,"
                    + " per-class mean attributions, and the model-randomisation sanity check, in"
                    + " reports/<run-id>/explanations*; prints sanity_rank_correlation= and exits 5 if the check"
                    + " fails.")
    static final class Explain implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Option(names = "--model", paramLabel = "RUN_ID", description = "Model bundle to explain (default: latest);"
                + " RUN_ID:COPY explains a compressed copy.")
        String model;

        @Override
        public Integer call() {
            AppConfig config = options.load(List.of());
            String modelId = modelOrCopyId("--model", model);
            String runId = options.runId();
            Sessions.requireMaster(config.spark());
            StagePlan plan = io.streamtrain.modelops.ExplainJob.plan(HadoopFiles.beforeSpark(config.spark()),
                    config.schema(), config.warehouse(), config.explain(), modelId, runId);
            if (options.dryRun) {
                System.out.println(Plans.describe(runId, List.of(plan), config));
                return StreamTrain.OK;
            }
            var image = config.train().architecture();
            var geometry = io.streamtrain.modelops.AttributionImages.Geometry.of(image.height(), image.width(),
                    image.channels(), config.schema().featureCount());
            var result = inSession(config, runId, plan, r -> Map.of("images", (double) r.images(),
                    "sanity_rank_correlation", r.saliency().mean()), spark -> io.streamtrain.modelops.ExplainJob.run(spark, config.schema(),
                    config.warehouse(), config.explain(), geometry, modelId, runId));
            System.out.println(result.summary());
            // Not an error: the maps and the report were written; the code says they may not depend on the model.
            return result.saliency().passed() ? StreamTrain.OK : StreamTrain.SANITY_FAILED;
        }
    }

    /**
     * {@code work} in a production session, stopped afterwards whatever happens; the command's outcome goes to the
     * run's record ({@code runs} table and {@code run.json}) under the plan's stage name, with what {@code counts}
     * takes from its result.
     */
    private static <T> T inSession(AppConfig config, String runId, StagePlan plan,
                                   java.util.function.Function<T, Map<String, Double>> counts,
                                   java.util.function.Function<SparkSession, T> work) {
        SparkSession spark = Sessions.create(config.spark());
        RunLog log = new RunLog(runId);
        java.time.Instant started = java.time.Instant.now();
        try {
            T result = work.apply(spark);
            Map<String, Double> counted;
            try {
                counted = counts.apply(result);
            } catch (RuntimeException e) {
                LOG.warn("{}: could not count its result for the run record ({})", plan.stage(), e.toString());
                counted = Map.of();
            }
            log.succeeded(plan.stage(), started, counted, plan.writes());
            return result;
        } catch (RuntimeException e) {
            log.failed(plan.stage(), started, plan.writes(), e);
            throw e;
        } finally {
            log.write(new HadoopFiles(spark.sparkContext().hadoopConfiguration()), config.warehouse(), spark);
            spark.stop();
        }
    }

    @Command(name = "sql", mixinStandardHelpOptions = true,
            description = "Run a Spark SQL query over the warehouse tables (landing, quarantine, ingest_audit, curated,"
                    + " data_profile, training_history, evaluation, confusion_matrix, predictions, decisions, scores,"
                    + " compression, runs).")
    static final class Sql implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Parameters(paramLabel = "QUERY", description = "e.g. \"SELECT reason, count(*) FROM quarantine GROUP BY reason\"")
        String query;

        @Option(names = "--limit", defaultValue = "100", description = "Rows to print (default: ${DEFAULT-VALUE}).")
        int limit;

        @Override
        public Integer call() {
            AppConfig config = options.load(List.of());
            if (limit <= 0) {
                throw new ConfigException("--limit", limit, "must be a positive number of rows");
            }
            Sessions.requireMaster(config.spark());
            List<Table> tables = new ArrayList<>();
            HadoopFiles before = HadoopFiles.beforeSpark(config.spark());
            for (Table table : Table.values()) {
                // A folder without data files yet (quarantine after a run with no bad records) has no schema.
                if (before.containsFile(config.warehouse().table(table), ".parquet")) {
                    tables.add(table);
                }
            }
            if (tables.isEmpty()) {
                throw new UserException("No tables in warehouse " + config.warehouse().root()
                        + ": run the pipeline first, or set warehouse to the folder it wrote");
            }
            if (options.dryRun) {
                System.out.println(Plans.describe("sql", new StagePlan("sql", tables.stream()
                        .map(t -> config.warehouse().table(t) + " as " + t.viewName()).toList(),
                        List.of("stdout, up to " + limit + " rows")), config));
                return StreamTrain.OK;
            }
            SparkSession spark = Sessions.create(config.spark());
            try {
                for (Table table : tables) {
                    spark.read().parquet(config.warehouse().table(table)).createOrReplaceTempView(table.viewName());
                }
                PackedFeatures.register(spark);
                io.streamtrain.core.table.CompactFeatures.register(spark);
                spark.sql(query).show(limit, false);
            } catch (Exception e) {
                // Scala's AnalysisException is a checked exception Java cannot name in a catch the compiler accepts.
                if (e instanceof org.apache.spark.sql.AnalysisException bad) {
                    // A query that does not parse or names an unknown table or column: the user's to fix.
                    throw new UserException("the query is not valid here: " + bad.getSimpleMessage() + " (tables: "
                            + tables.stream().map(Table::viewName).toList() + ")");
                }
                throw e;
            } finally {
                spark.stop();
            }
            return StreamTrain.OK;
        }
    }

    @Command(name = "bench", mixinStandardHelpOptions = true,
            description = "Benchmarks that print streamtrain's figures beside a baseline measured in the same run.",
            subcommands = {BenchIngest.class, BenchTrain.class, BenchScale.class, BenchCompress.class,
                    BenchEvaluate.class})
    static final class Bench implements Runnable {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "Missing benchmark: ingest, train, scale, compress or evaluate");
        }
    }

    @Command(name = "train", mixinStandardHelpOptions = true,
            description = "Single-JVM MultiLayerNetwork.fit against streamtrain's Spark training, same model, data"
                    + " and cores; prints samples/s, test accuracy and train_ratio.")
    static final class BenchTrain implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Mixin
        DataSetFolder data;

        @Option(names = "--epochs", defaultValue = "2", description = "Epochs for both runs (default: ${DEFAULT-VALUE}).")
        int epochs;

        @Option(names = "--train-images", defaultValue = "0",
                description = "Train on the first N training images only (default: all).")
        int limit;

        @Override
        public Integer call() {
            AppConfig config = options.load(List.of());
            if (epochs <= 0) {
                throw new ConfigException("--epochs", epochs, "must be a positive integer");
            }
            if (limit < 0) {
                throw new ConfigException("--train-images", limit, "must be 0 (all) or a positive number of images");
            }
            Sessions.requireMaster(config.spark());
            data.check(config);
            if (options.dryRun) {
                System.out.println(Plans.describe("bench train", new StagePlan("bench train", List.of(data.input
                        + " (" + epochs + " epochs, single JVM and Spark)"), List.of("stdout")), config));
                return StreamTrain.OK;
            }
            System.out.println(TrainBench.run(config, data.input, epochs, limit));
            return StreamTrain.OK;
        }
    }

    @Command(name = "evaluate", mixinStandardHelpOptions = true,
            description = "The configured model (by default the default MLP) trained for a few epochs, then evaluated"
                    + " on the test images, in one process; prints each epoch's seconds, the evaluation's and"
                    + " evaluate_ratio (evaluation over the median epoch).")
    static final class BenchEvaluate implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Mixin
        DataSetFolder data;

        @Option(names = "--epochs", defaultValue = "5", description = "Training epochs; the first ones also pay for"
                + " the JIT, so the median needs a few (default: ${DEFAULT-VALUE}).")
        int epochs;

        @Override
        public Integer call() {
            AppConfig config = options.load(List.of());
            if (epochs <= 0) {
                throw new ConfigException("--epochs", epochs, "must be a positive integer");
            }
            Sessions.requireMaster(config.spark());
            KafkaConnection.requireReachable(config.kafka(), config.warehouse());
            data.check(config);
            if (options.dryRun) {
                System.out.println(Plans.describe("bench evaluate", new StagePlan("bench evaluate",
                        List.of(data.input + " (" + epochs + " epochs, then evaluate)"), List.of(config.warehouse()
                        .root() + "/_bench/bench-evaluate-*, deleted at the end", "topic bench-evaluate-*", "stdout")),
                        config));
                return StreamTrain.OK;
            }
            System.out.println(EvaluateBench.run(options::load, config.warehouse(), data.input, epochs));
            return StreamTrain.OK;
        }
    }

    @Command(name = "compress", mixinStandardHelpOptions = true,
            description = "Curated bytes per record with each Parquet codec against the raw pixels, with write and read"
                    + " rates, and preprocess of a 10% increment against a full rebuild; prints compress_ratio and"
                    + " increment_ratio.")
    static final class BenchCompress implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Mixin
        DataSetFolder data;

        @Option(names = "--records", defaultValue = "0", description = "Synthetic Fashion-MNIST-shaped records"
                + " added to the base before the increment is timed, so the increment test runs at a size where"
                + " preprocess's fixed costs do not dominate (default: ${DEFAULT-VALUE}, the data set alone).")
        long records;

        @Override
        public Integer call() {
            AppConfig config = options.load(List.of());
            if (records < 0) {
                throw new ConfigException("--records", records, "must be 0 or more");
            }
            Sessions.requireMaster(config.spark());
            KafkaConnection.requireReachable(config.kafka(), config.warehouse());
            data.check(config);
            if (options.dryRun) {
                System.out.println(Plans.describe("bench compress", new StagePlan("bench compress",
                        List.of(data.input.toString()), List.of(config.warehouse().root()
                        + "/_bench/bench-compress-* and its topic, deleted at the end", "stdout")), config));
                return StreamTrain.OK;
            }
            System.out.println(CompressBench.run(options::load, config.warehouse(), data.input, records));
            return StreamTrain.OK;
        }
    }

    @Command(name = "scale", mixinStandardHelpOptions = true,
            description = "Every stage on N/10 and on N synthetic Fashion-MNIST-shaped records in this process; prints"
                    + " time per record, peak resident size, bytes spilled and scratch disk per stage, and"
                    + " scale_ratio_<stage> (time per record at N over at N/10).")
    static final class BenchScale implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Option(names = "--records", defaultValue = "4000000", description = "N (default: ${DEFAULT-VALUE}).")
        long records;

        @Option(names = "--epochs", defaultValue = "1", description = "Training epochs at each size"
                + " (default: ${DEFAULT-VALUE}).")
        int epochs;

        @Option(names = "--only-n", description = "Run N only, without N/10 and the ratios; prints"
                + " records_per_s_<stage> (to compare deployments, e.g. one executor against two).")
        boolean onlyN;

        @Override
        public Integer call() {
            AppConfig config = options.load(List.of());
            if (records < 10) {
                throw new ConfigException("--records", records, "must be at least 10 (the small run takes N/10)");
            }
            if (epochs <= 0) {
                throw new ConfigException("--epochs", epochs, "must be a positive integer");
            }
            Sessions.requireMaster(config.spark());
            KafkaConnection.requireReachable(config.kafka(), config.warehouse());
            if (options.dryRun) {
                String sizes = onlyN ? Long.toString(records) : records + " and " + records / 10;
                System.out.println(Plans.describe("bench scale", new StagePlan("bench scale", List.of(sizes
                        + " synthetic records, every stage"), List.of(config.warehouse().root()
                        + "/_bench/bench-scale-* and their topics, deleted at the end", "stdout")), config));
                return StreamTrain.OK;
            }
            System.out.println(onlyN ? ScaleBench.runOnce(options::load, config.warehouse(), records, epochs)
                    : ScaleBench.run(options::load, config.warehouse(), records, epochs));
            return StreamTrain.OK;
        }
    }

    @Command(name = "ingest", mixinStandardHelpOptions = true,
            description = "A plain kafka-clients consumer against streamtrain's ingest on the same topic; prints"
                    + " records/s of each, ingest_ratio and bytes per record.")
    static final class BenchIngest implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Mixin
        DataSetFolder data;

        @Option(names = "--records", defaultValue = "70000", description = "Records to publish and ingest"
                + " (default: ${DEFAULT-VALUE}).")
        int records;

        @Override
        public Integer call() {
            AppConfig config = options.load(List.of());
            if (records <= 0) {
                throw new ConfigException("--records", records, "must be a positive integer");
            }
            Sessions.requireMaster(config.spark());
            data.check(config);
            KafkaConnection.requireReachable(config.kafka(), config.warehouse());
            if (options.dryRun) {
                System.out.println(Plans.describe("bench ingest", new StagePlan("bench ingest", List.of(records
                        + " records from " + data.input), List.of(config.warehouse().root() + "/_bench/bench-ingest-*"
                        + " and its topic, deleted at the end", "stdout")), config));
                return StreamTrain.OK;
            }
            System.out.println(IngestBench.run(config, data.input, records));
            return StreamTrain.OK;
        }
    }
}
