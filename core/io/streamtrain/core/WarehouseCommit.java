package io.streamtrain.core;

import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * How a table write commits on the warehouse's file system, chosen by the warehouse's scheme.
 *
 * <p>Every write either replaces exactly the partitions its rows fall in (a re-run rewrites its own output and nothing
 * else) or adds files and replaces none. Readers see the same layout either way: Hive-style partition folders of
 * Parquet files.
 */
public enum WarehouseCommit {

    /**
     * Local disks and HDFS, where a rename is cheap and atomic: tasks write under a temporary folder that Hadoop's
     * file output committer renames into place, and Spark's dynamic partition overwrite replaces the partitions.
     */
    RENAME {
        @Override
        public Map<String, String> sessionConf(String warehouse, Map<String, String> conf,
                                               UnaryOperator<String> key) {
            return Map.of();
        }

        @Override
        public void requireCompatible(Map<String, String> conf, UnaryOperator<String> key) {
            // Hadoop's file output committer and Spark's dynamic overwrite take no settings of streamtrain's.
        }

        @Override
        public Map<String, String> localStaging() {
            return Map.of();
        }

        @Override
        public void requireSharedStaging(Map<String, String> sparkConf, String defaultFs) {
            // Tasks rename their files into place themselves; nothing is handed to the driver.
        }

        @Override
        public DataFrameWriter<Row> replacingPartitions(DataFrameWriter<Row> writer) {
            return writer.mode(SaveMode.Overwrite).option("partitionOverwriteMode", "dynamic");
        }

        @Override
        public DataFrameWriter<Row> adding(DataFrameWriter<Row> writer) {
            return writer.mode(SaveMode.Append);
        }
    },

    /**
     * S3 through S3A. S3 has no rename (S3A copies every byte, one object after another), so a renaming commit is slow
     * and a crash leaves half a table. Tasks upload their files as multipart uploads that only the job's commit
     * completes: S3A's partitioned staging committer, bound to Spark's writers by spark-hadoop-cloud. The S3A
     * committers refuse Spark's dynamic partition overwrite; the partitioned committer replaces the partitions of
     * the job's own files itself when its conflict mode is {@code replace}.
     */
    S3A_STAGING {
        @Override
        public Map<String, String> sessionConf(String warehouse, Map<String, String> conf,
                                               UnaryOperator<String> key) {
            for (String k : conf.keySet()) {
                if (S3A_CREDENTIAL.matcher(k).matches()) {
                    throw new ConfigException(key.apply(k), conf.get(k), "credentials never go in a configuration"
                            + " file; export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) or use"
                            + " the AWS provider chain (instance profile, web identity), and remove the key");
                }
            }
            requireCompatible(conf, key);
            requireOnClasspath(warehouse, S3A_FILE_SYSTEM, "hadoop-aws");
            requireOnClasspath(warehouse, COMMIT_PROTOCOL, "spark-hadoop-cloud");
            return S3A_SESSION;
        }

        @Override
        public void requireCompatible(Map<String, String> conf, UnaryOperator<String> key) {
            for (Map.Entry<String, String> needed : S3A_SESSION.entrySet()) {
                String given = conf.get(needed.getKey());
                if (given != null && !given.trim().equals(needed.getValue())) {
                    throw new ConfigException(key.apply(needed.getKey()), given, "an s3a:// warehouse needs '"
                            + needed.getValue() + "' here (re-runs replace their partitions through it); remove the"
                            + " setting");
                }
            }
            String conflict = conf.get("spark.hadoop." + CONFLICT_MODE);
            if (conflict != null) {
                throw new ConfigException(key.apply("spark.hadoop." + CONFLICT_MODE), conflict,
                        "streamtrain sets it per write (replace or append); remove the setting");
            }
        }

        @Override
        public Map<String, String> localStaging() {
            String folder = System.getProperty("java.io.tmpdir") + "/streamtrain-s3a-staging-"
                    + System.getProperty("user.name");
            return Map.of(STAGING_PATH, new Path("file", null, folder).toString());
        }

        @Override
        public void requireSharedStaging(Map<String, String> sparkConf, String defaultFs) {
            if (sparkConf.containsKey(STAGING_PATH)) {
                return;
            }
            String fs = sparkConf.getOrDefault("spark.hadoop.fs.defaultFS", defaultFs);
            if (fs == null || fs.startsWith("file:")) {
                throw new ConfigException("an s3a:// warehouse on a cluster needs "
                        + SparkSettings.key(STAGING_PATH) + " set to a folder the driver and every executor share"
                        + " (hdfs://... or a shared mount): the default file system is " + fs + ", each machine's own"
                        + " disk, where the driver cannot see what the executors staged");
            }
        }

        @Override
        public DataFrameWriter<Row> replacingPartitions(DataFrameWriter<Row> writer) {
            // Write options reach the job's Hadoop configuration, where the committer reads its conflict mode.
            return writer.mode(SaveMode.Append).option(CONFLICT_MODE, "replace");
        }

        @Override
        public DataFrameWriter<Row> adding(DataFrameWriter<Row> writer) {
            return writer.mode(SaveMode.Append).option(CONFLICT_MODE, "append");
        }
    };

    /** spark-hadoop-cloud's commit protocol, which asks Hadoop's committer factory for the path's committer. */
    static final String COMMIT_PROTOCOL = "org.apache.spark.internal.io.cloud.PathOutputCommitProtocol";
    /** S3A's file system, from hadoop-aws. */
    static final String S3A_FILE_SYSTEM = "org.apache.hadoop.fs.s3a.S3AFileSystem";
    /** The staging committer's setting for files that already exist where the job writes. */
    static final String CONFLICT_MODE = "fs.s3a.committer.staging.conflict-mode";

    /** What the session must hold for an S3A warehouse; a different value for any of these breaks the commit. */
    private static final Map<String, String> S3A_SESSION = s3aSession();

    /** Where the staging committer keeps each task's list of pending uploads until the job's commit. */
    static final String STAGING_PATH = "spark.hadoop.fs.s3a.committer.staging.tmp.path";

    /**
     * S3A keys that hold credentials, also per bucket ({@code fs.s3a.bucket.<name>.secret.key}, where a bucket's name
     * may hold dots).
     */
    private static final Pattern S3A_CREDENTIAL = Pattern.compile(
            "spark\\.hadoop\\.fs\\.s3a\\.(bucket\\..+\\.)?(access\\.key|secret\\.key|session\\.token)");

    private static Map<String, String> s3aSession() {
        Map<String, String> conf = new LinkedHashMap<>();
        conf.put("spark.sql.sources.commitProtocolClass", COMMIT_PROTOCOL);
        conf.put("spark.sql.parquet.output.committer.class",
                "org.apache.spark.internal.io.cloud.BindingParquetOutputCommitter");
        conf.put("spark.hadoop.mapreduce.outputcommitter.factory.scheme.s3a",
                "org.apache.hadoop.fs.s3a.commit.S3ACommitterFactory");
        // The one S3A committer that can replace a job's partitions and leave the others.
        conf.put("spark.hadoop.fs.s3a.committer.name", "partitioned");
        // By default a job's commit aborts every pending upload under its destination, also another job's: streaming
        // ingest, score and preprocess all write quarantine/. A bucket lifecycle rule removes abandoned uploads
        // instead.
        conf.put("spark.hadoop.fs.s3a.committer.abort.pending.uploads", "false");
        // Spark's default checkpoint manager writes a temporary file and renames it; S3A's output streams publish an
        // object only when closed and can be aborted instead, so a log entry is written whole or not at all.
        conf.put("spark.sql.streaming.checkpointFileManagerClass",
                "org.apache.spark.internal.io.cloud.AbortableStreamBasedCheckpointFileManager");
        return Map.copyOf(conf);
    }

    /** The commit for tables under {@code warehouse} (a path or URI). */
    public static WarehouseCommit of(String warehouse) {
        String scheme = new Path(warehouse).toUri().getScheme();
        return scheme != null && scheme.toLowerCase(Locale.ROOT).equals("s3a") ? S3A_STAGING : RENAME;
    }

    /**
     * The Spark settings a session needs for this commit, given the user's own {@code spark.conf}: refuses a value
     * that would break it, credentials written into the configuration, and a classpath without S3A.
     *
     * @param warehouse the warehouse, named in the messages
     * @param conf      the user's {@code spark.conf}
     * @param key       how the messages name a key of {@code conf}
     */
    public abstract Map<String, String> sessionConf(String warehouse, Map<String, String> conf,
                                                    UnaryOperator<String> key);

    /**
     * Refuses any setting in {@code conf} that this commit needs at another value: from spark-submit, which would
     * otherwise win over the session's own.
     */
    public abstract void requireCompatible(Map<String, String> conf, UnaryOperator<String> key);

    /**
     * Where a local master's staging committer keeps its job's bookkeeping: a folder of this user's in the system's
     * temporary folder. Hadoop's default is {@code tmp/staging} on the default file system, which on a machine without
     * HDFS is under the working directory.
     */
    public abstract Map<String, String> localStaging();

    /**
     * Refuses a cluster whose executors could not hand their uploads to the driver: each task records its pending
     * uploads under {@code fs.s3a.committer.staging.tmp.path}, by default {@code tmp/staging} on the default file
     * system. On a cluster without HDFS ({@code fs.defaultFS} is {@code file:}) that is each machine's own disk, and
     * the job's commit would find nothing to complete.
     *
     * @param sparkConf the session's Spark settings, spark-submit's included
     * @param defaultFs Hadoop's {@code fs.defaultFS} from its own configuration files, unless Spark's settings set it
     */
    public abstract void requireSharedStaging(Map<String, String> sparkConf, String defaultFs);

    /** {@code writer} set to replace exactly the partitions its rows fall in. */
    public abstract DataFrameWriter<Row> replacingPartitions(DataFrameWriter<Row> writer);

    /** {@code writer} set to add new files and replace none. */
    public abstract DataFrameWriter<Row> adding(DataFrameWriter<Row> writer);

    /** Refuses a classpath without {@code className}, from {@code artifact}, naming both. */
    static void requireOnClasspath(String warehouse, String className, String artifact) {
        try {
            Class.forName(className, false, WarehouseCommit.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new ConfigException(Warehouse.KEY, warehouse, "an s3a:// warehouse needs " + artifact
                    + " on the classpath (" + className + " is missing): jobs/bin/streamtrain and jobs/bin/spark-submit"
                    + " add it; on a cluster, use a Spark built with its hadoop-cloud profile or add the jars with"
                    + " --jars");
        }
    }

}
