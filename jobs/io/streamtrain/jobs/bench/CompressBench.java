package io.streamtrain.jobs.bench;

import io.streamtrain.core.table.CuratedTable;
import io.streamtrain.jobs.AppConfig;
import io.streamtrain.jobs.Pipeline;
import io.streamtrain.jobs.PipelineStage;
import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.Sessions;
import io.streamtrain.core.Warehouse;
import io.streamtrain.core.table.CompactFeatures;
import io.streamtrain.train.TrainJob;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sum;

/**
 * {@code bench compress}: the curated table of a Fashion-MNIST IDX folder rewritten with each Parquet codec, its bytes
 * per record against the raw pixels (one byte each) and its write and read rates; then the time preprocess takes
 * for a 10 % increment of new records against a full rebuild of the same data. Ends with {@code compress_ratio=}
 * (raw bytes over curated bytes with the session's codec) and {@code increment_ratio=} (increment over rebuild).
 * Everything runs in a scratch warehouse and topic, deleted at the end.
 */
public final class CompressBench {

    private static final Logger LOG = LoggerFactory.getLogger(CompressBench.class);
    /** Parquet's codecs in Spark's names; lz4_raw is the LZ4 block format Parquet itself specifies. */
    private static final List<String> CODECS = List.of("zstd", "snappy", "gzip", "lz4_raw", "uncompressed");

    private CompressBench() {
    }

    /** @param extra synthetic records added to the base after the codec table, before the increment is timed */
    public static String run(Function<List<String>, AppConfig> load, Warehouse root, Path idx, long extra) {
        String name = "bench-compress-" + Long.toString(System.currentTimeMillis(), 36);
        Warehouse scratch = new Warehouse(root.root() + "/_bench/" + name);
        List<String> base = List.of("warehouse=" + scratch.root(), "kafka.topic=" + name);
        AppConfig config = load.apply(with(base, "produce.format=idx", "produce.input=" + idx));
        HadoopFiles files = HadoopFiles.beforeSpark(config.spark());
        StringBuilder out = new StringBuilder();
        try {
            LOG.info("bench compress: curating {} in {}", idx, scratch.root());
            Pipeline.Outcome first = Pipeline.run(new Pipeline.Request(config, EnumSet.of(PipelineStage.PRODUCE,
                    PipelineStage.INGEST, PipelineStage.PREPROCESS), "base", null, TrainJob.Start.FRESH, false));
            long landed = first.curated().landed();
            int features = config.schema().featureCount();
            double defaultBytes = codecs(config, scratch, files, idx, out);
            if (extra > 0) {
                LOG.info("bench compress: {} more synthetic records in the base", extra);
                Pipeline.run(new Pipeline.Request(load.apply(with(base, "produce.format=synthetic",
                        "produce.synthetic.records=" + extra, "produce.synthetic.seed=101")),
                        EnumSet.of(PipelineStage.PRODUCE, PipelineStage.INGEST, PipelineStage.PREPROCESS), "base-more", null,
                        TrainJob.Start.FRESH, false));
                landed += extra;
            }
            double incrementRatio = incrementAgainstRebuild(load, base, landed, out);
            out.append(String.format(Locale.ROOT, "compress_ratio=%.3f%n", features / defaultBytes));
            out.append(String.format(Locale.ROOT, "increment_ratio=%.3f%n", incrementRatio));
            return out.toString();
        } finally {
            files.deleteRecursively(scratch.root());
        }
    }

    /**
     * The curated table rewritten with each codec: bytes a record against the raw pixels, write and read rates.
     * Returns the bytes a record with the session's own codec.
     */
    private static double codecs(AppConfig config, Warehouse scratch, HadoopFiles files, Path idx, StringBuilder out) {
        int features = config.schema().featureCount();
        String defaultCodec = config.spark().conf().getOrDefault("spark.sql.parquet.compression.codec", "snappy");
        double defaultBytes = 0;
        SparkSession spark = Sessions.create(config.spark());
        try {
            Dataset<Row> curated = CuratedTable.read(spark, scratch).cache();
            long rows = curated.count();
            out.append(String.format(Locale.ROOT, "bench compress: %d curated Fashion-MNIST records from %s;"
                    + " raw pixels %d bytes a record%n", rows, idx, features));
            out.append(String.format(Locale.ROOT, "%-13s %14s %12s %16s %16s%n", "codec", "bytes/record",
                    "vs raw", "write rec/s", "read rec/s"));
            for (String codec : CODECS) {
                String path = scratch.root() + "/_compress/" + codec;
                long start = System.nanoTime();
                curated.write().mode(SaveMode.Overwrite).option("compression", codec).parquet(path);
                double write = (System.nanoTime() - start) / 1e9;
                double bytes = (double) files.totalBytes(path) / rows;
                start = System.nanoTime();
                // Every feature byte is decoded: the sum of the vectors' lengths needs each value read.
                spark.read().parquet(path).agg(sum(length(col(CompactFeatures.U8))),
                        sum(size(col(CompactFeatures.F32)))).collect();
                double read = (System.nanoTime() - start) / 1e9;
                if (codec.equals(defaultCodec)) {
                    defaultBytes = bytes;
                }
                out.append(String.format(Locale.ROOT, "%-13s %14.1f %12.3f %16.0f %16.0f%n", codec, bytes,
                        features / bytes, rows / write, rows / read));
            }
            curated.unpersist();
        } finally {
            spark.stop();
        }
        return defaultBytes;
    }

    /** Preprocess of a 10 % increment of new records, then a full rebuild of the same data; returns their ratio. */
    private static double incrementAgainstRebuild(Function<List<String>, AppConfig> load, List<String> base,
                                                  long landed, StringBuilder out) {
        long increment = Math.max(1, landed / 10);
        LOG.info("bench compress: an increment of {} synthetic records", increment);
        AppConfig more = load.apply(with(base, "produce.format=synthetic",
                "produce.synthetic.records=" + increment));
        Pipeline.run(new Pipeline.Request(more, EnumSet.of(PipelineStage.PRODUCE, PipelineStage.INGEST), "more", null,
                TrainJob.Start.FRESH, false));
        double incremental = timed(() -> Pipeline.run(new Pipeline.Request(more, EnumSet.of(PipelineStage.PREPROCESS),
                "increment", null, TrainJob.Start.FRESH, false)));
        AppConfig full = load.apply(with(base, "preprocess.full=true"));
        double rebuild = timed(() -> Pipeline.run(new Pipeline.Request(full, EnumSet.of(PipelineStage.PREPROCESS),
                "rebuild", null, TrainJob.Start.FRESH, false)));
        out.append(String.format(Locale.ROOT, "preprocess of %d new records: %.1f s; full rebuild of %d: %.1f s%n",
                increment, incremental, landed + increment, rebuild));
        return incremental / rebuild;
    }

    private static List<String> with(List<String> base, String... more) {
        List<String> all = new ArrayList<>(base);
        all.addAll(List.of(more));
        return all;
    }

    private static double timed(Runnable work) {
        long start = System.nanoTime();
        work.run();
        return (System.nanoTime() - start) / 1e9;
    }
}
